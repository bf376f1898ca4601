/**
 * Test harness: ONE Temporal dev server per test run (started by scripts/run-tests.ts and handed over in
 * TEMPORAL_TEST_ADDRESS; a test file run on its own starts its own), the production workflow bundle built
 * once per run (WORKFLOW_BUNDLE_PATH), and helpers to run workers with unique task queues.
 */
import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { productionBundleOptions } from '../../src/worker/bundle';
import { ensureTemporalTestServer } from '../../src/dev/temporal-tools';

export interface TestEnv {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  namespace: string;
  address: string;
}

let runtimeInstalled = false;
/** Core's logs at WARN so test output stays readable; must run before any connection exists. */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by the code under test: keep theirs.
  }
}

const cleanups: (() => Promise<void>)[] = [];
// Runs after every test of the importing file, so connections and servers never keep node alive.
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let envPromise: Promise<TestEnv> | undefined;

export function getTestEnv(): Promise<TestEnv> {
  envPromise ??= (async () => {
    installTestRuntime();
    let address = process.env.TEMPORAL_TEST_ADDRESS;
    const namespace = process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
    if (!address) {
      const server: DevServer = await startDevServer({ namespace });
      cleanups.push(() => server.stop());
      address = server.address;
    }
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    cleanups.push(async () => {
      await connection.close();
      await nativeConnection.close();
    });
    return {
      client: new Client({ connection, namespace }),
      connection,
      nativeConnection,
      namespace,
      address,
    };
  })();
  return envPromise;
}

let bundlePromise: Promise<{ code: string }> | undefined;

/** The production workflow bundle: prebuilt by the test runner, or built once in this process. */
export function workflowBundle(): Promise<{ code: string }> {
  bundlePromise ??= (async () => {
    const prebuilt = process.env.WORKFLOW_BUNDLE_PATH;
    if (prebuilt) return { code: readFileSync(prebuilt, 'utf8') };
    return bundleWorkflowCode({
      ...productionBundleOptions(require.resolve('../../src/workflows')),
      logger: new DefaultLogger('WARN'),
    });
  })();
  return bundlePromise;
}

export function uniqueTaskQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface WorkerSetup {
  taskQueue: string;
  activities?: object;
  /** Anything else for Worker.create; `workflowsPath` here replaces the production bundle. */
  workerOptions?: Partial<WorkerOptions>;
}

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const env = await getTestEnv();
  const own = setup.workerOptions ?? {};
  const workflowSource =
    own.workflowsPath || own.workflowBundle ? {} : { workflowBundle: await workflowBundle() };
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue: setup.taskQueue,
    activities: setup.activities ?? {},
    ...workflowSource,
    ...own,
  });
}

/** Runs `fn` while a worker polls `taskQueue`; the worker is shut down when `fn` settles. */
export async function runWorker<T>(setup: WorkerSetup, fn: (worker: Worker) => Promise<T>): Promise<T> {
  const worker = await createWorker(setup);
  return worker.runUntil(fn(worker));
}

/**
 * A time-skipping environment on the Java test server (for tests where hours must pass). One per caller;
 * time is global to it, so tests sharing one must run serially. Torn down after the file's tests.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const executable = await ensureTemporalTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: executable } },
  });
  cleanups.push(() => env.teardown());
  return env;
}

export const repoRoot = path.resolve(__dirname, '..', '..');
