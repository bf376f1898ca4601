import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Locates (and on first use builds) Temporal's servers through scripts/temporal-tools.sh, which knows how
 * to provision them from package registries on offline machines. Used by the demo and the test harness.
 */
const run = promisify(execFile);

/** The repository root: the nearest folder upwards whose package.json is ours (works from src/ and dist/). */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'atlas-restore')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`atlas-restore's package.json not found above ${from}`);
  }
}

async function resolveTool(
  which: 'cli' | 'cli-cached' | 'cli-download-dir' | 'test-server',
): Promise<string> {
  const script = path.join(projectRoot(), 'scripts', 'temporal-tools.sh');
  // Progress of a first-time build goes to our stderr as it happens; only the path comes back on stdout.
  const child = run('bash', [script, which], { maxBuffer: 1 << 20 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const resolved = stdout.trim().split('\n').pop();
  if (!resolved) throw new Error(`scripts/temporal-tools.sh ${which} printed no path`);
  return resolved;
}

/** Exit status of `temporal-tools.sh cli-cached` when no CLI is at hand yet. */
const NOTHING_CACHED = 3;

async function cachedCli(): Promise<string | undefined> {
  try {
    return await resolveTool('cli-cached');
  } catch (error) {
    if ((error as { code?: unknown }).code === NOTHING_CACHED) return undefined;
    throw error;
  }
}

/**
 * The prebuilt CLI through the SDK's own download (the archive Temporal publishes for this platform), into
 * our cache. Seconds where the internet is reachable; where it is not, the request fails within
 * milliseconds and we go on to the source build. `undefined` when there is no download.
 */
async function downloadPrebuiltCli(): Promise<string | undefined> {
  let testing: typeof import('@temporalio/testing');
  try {
    // A development dependency: present after `npm install` in a checkout, absent in a production install.
    testing = await import('@temporalio/testing');
  } catch {
    return undefined;
  }
  const [version, downloadDir] = (await resolveTool('cli-download-dir')).split(' ');
  if (!version || !downloadDir) return undefined;
  process.stderr.write(`[temporal-tools] trying the prebuilt Temporal CLI v${version}...\n`);
  try {
    // The SDK downloads only to start a server from it; start one and stop it at once.
    const env = await testing.TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir, version: `v${version}` } },
    });
    await env.teardown();
  } catch (error) {
    const message = String(error).split('\n')[0]!;
    const reason = /failed to download/i.test(message)
      ? "Temporal's download site is unreachable from here"
      : message.slice(0, 160);
    process.stderr.write(`[temporal-tools] no prebuilt CLI (${reason}); building from source\n`);
    return undefined;
  }
  return cachedCli();
}

async function resolveCli(): Promise<string> {
  return (await cachedCli()) ?? (await downloadPrebuiltCli()) ?? resolveTool('cli');
}

let cli: Promise<string> | undefined;
let testServer: Promise<string> | undefined;

/**
 * Path of a `temporal` CLI >= 1.5 (dev server + Web UI): `TEMPORAL_CLI_PATH`, one on PATH or in the cache,
 * else the prebuilt download, else a source build.
 */
export function ensureTemporalCli(): Promise<string> {
  cli ??= resolveCli();
  return cli;
}

/** Path of an executable that starts the Java time-skipping test server. `TEMPORAL_TEST_SERVER_PATH` wins. */
export function ensureTemporalTestServer(): Promise<string> {
  testServer ??= resolveTool('test-server');
  return testServer;
}
