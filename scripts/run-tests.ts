/**
 * `npm test`: provisions Temporal's servers and the simulator's wire server (first run builds them, later
 * runs reuse the cache), starts ONE dev server for the whole run, bundles the workflow code once, then
 * hands over to node's test runner.
 * Its summary is the last thing printed.
 *
 *   npm test                      every test/**\/*.test.ts but the separate suites (test/topology, test/ui)
 *   npm test -- test/atlas        only the files under the given folders or files
 *
 * Suites with a runner of their own (SEPARATE_SUITES: the topology suite needs a Temporal cluster on
 * PostgreSQL, `npm run test:topology`) are skipped unless named.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_KEYS } from '../src/common/contract';
import { startDevServer } from '../src/dev/dev-server';
import { ensureTemporalCli, ensureTemporalTestServer, projectRoot } from '../src/dev/temporal-tools';
import { productionBundleOptions } from '../src/worker/bundle';
import { ensureWireServer } from '../src/dev/wire-server';

const root = projectRoot(__dirname);
/**
 * Folders `npm test` leaves out unless a target names them (or something inside them): the topology suite
 * (`npm run test:topology`, a Temporal cluster on PostgreSQL) and the browser check (`npm run test:ui`, which
 * needs a Chromium a fresh machine does not have).
 */
const SEPARATE_SUITES = ['test/topology', 'test/ui'];

function testFiles(targets: string[]): string[] {
  const found: string[] = [];
  const named = targets.map((target) =>
    path.relative(root, path.resolve(root, target)).split(path.sep).join('/'),
  );
  const separate = SEPARATE_SUITES.filter(
    (suite) => !named.some((target) => target === suite || target.startsWith(`${suite}/`)),
  ).map((suite) => path.join(root, suite));
  const visit = (target: string) => {
    if (separate.includes(target)) return;
    if (statSync(target).isDirectory()) {
      for (const entry of readdirSync(target)) visit(path.join(target, entry));
    } else if (target.endsWith('.test.ts')) {
      found.push(path.relative(root, target));
    }
  };
  for (const target of targets) visit(path.resolve(root, target));
  return found.sort();
}

async function startServer(): Promise<{ address: string; stop: () => Promise<void> }> {
  try {
    await ensureTemporalCli();
  } catch (error) {
    // Last resort, for machines with internet but no Go: the SDK's own download of the dev server.
    console.error(`[run-tests] ${String(error)}\n[run-tests] falling back to the SDK's dev-server download`);
    const env = await TestWorkflowEnvironment.createLocal({
      server: { searchAttributes: SEARCH_ATTRIBUTE_KEYS },
    });
    return { address: env.address, stop: () => env.teardown() };
  }
  return startDevServer();
}

async function main(): Promise<number> {
  const targets = process.argv.slice(2);
  const files = testFiles(targets.length > 0 ? targets : ['test']);
  if (files.length === 0) {
    console.error(`[run-tests] no *.test.ts files under ${targets.join(' ') || 'test'}`);
    return 1;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = Date.now();
  // The wire server backs the simulator's data plane (tests that start it); a fresh machine builds it here.
  const [, wireServer] = await Promise.all([ensureTemporalTestServer(), ensureWireServer()]);
  const server = await startServer();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-tests-'));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_TEST_ADDRESS: server.address,
      WIRE_SERVER_PATH: wireServer.path,
    };
    const workflowsPath = path.join(root, 'src', 'workflows', 'index.ts');
    if (existsSync(workflowsPath)) {
      const { code } = await bundleWorkflowCode({
        ...productionBundleOptions(workflowsPath),
        logger: new DefaultLogger('WARN'),
      });
      env.WORKFLOW_BUNDLE_PATH = path.join(scratch, 'workflow-bundle.js');
      writeFileSync(env.WORKFLOW_BUNDLE_PATH, code);
    }
    console.error(
      `[run-tests] Temporal dev server on ${server.address}, ready in ${Date.now() - started} ms`,
    );
    const concurrency = process.env.TEST_CONCURRENCY ?? '3';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
      { cwd: root, env, stdio: 'inherit' },
    );
    return await new Promise<number>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
    );
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('[run-tests]', error);
    process.exit(1);
  },
);
