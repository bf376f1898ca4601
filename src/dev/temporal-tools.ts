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
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'atlas-restore') return dir;
    if (path.dirname(dir) === dir) throw new Error(`atlas-restore's package.json not found above ${from}`);
  }
}

async function resolveTool(which: 'cli' | 'test-server'): Promise<string> {
  const script = path.join(projectRoot(), 'scripts', 'temporal-tools.sh');
  // Progress of a first-time build goes to our stderr as it happens; only the path comes back on stdout.
  const child = run('bash', [script, which], { maxBuffer: 1 << 20 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const resolved = stdout.trim().split('\n').pop();
  if (!resolved) throw new Error(`scripts/temporal-tools.sh ${which} printed no path`);
  return resolved;
}

let cli: Promise<string> | undefined;
let testServer: Promise<string> | undefined;

/** Path of a `temporal` CLI >= 1.5 (dev server + Web UI). `TEMPORAL_CLI_PATH` wins. */
export function ensureTemporalCli(): Promise<string> {
  cli ??= resolveTool('cli');
  return cli;
}

/** Path of an executable that starts the Java time-skipping test server. `TEMPORAL_TEST_SERVER_PATH` wins. */
export function ensureTemporalTestServer(): Promise<string> {
  testServer ??= resolveTool('test-server');
  return testServer;
}
