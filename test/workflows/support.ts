/**
 * What the workflow tests share: a simulator per test file, the real Atlas client and activities against
 * it, a worker on the shared dev server, restore requests built from the simulator's seed, and helpers to
 * start restores, read their history and record it for the replay test.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { TypedSearchAttributes } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import {
  WorkflowFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Worker, WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { createAtlasClient, type AtlasApiVersion, type AtlasClient } from '../../src/atlas/client';
import { createBackupApi } from '../../src/atlas/backup-api';
import { restoreSearchAttributes } from '../../src/client';
import {
  OUTCOME_MEMO,
  restoreSummary,
  restoreWorkflowId,
  type OutcomeMemo,
  type RestoreFailureDetails,
  type RestoreResult,
} from '../../src/common/contract';
import { parseRestoreRequest, type RestoreRequestInput } from '../../src/common/restore-request';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorOptions,
  type RequestLogEntry,
} from '../../src/simulator';
import { restoreSnapshot } from '../../src/workflows';
import { createWorker, getTestEnv, repoRoot, uniqueTaskQueue, type TestEnv } from '../harness';
import { historyToJson } from './history-json';

export const HISTORIES_DIR = path.join(repoRoot, 'test', 'workflows', 'histories');

/** Polling fast enough for tests; the simulator's clock runs faster still. */
export const FAST_POLLING = { initialInterval: '1s', maxInterval: '2s' } as const;

export interface Kit {
  env: TestEnv;
  sim: RunningSimulator;
  atlasClient: AtlasClient;
  taskQueue: string;
  /** A worker with the production bundle and real activities, polling `taskQueue`. */
  worker: Worker;
  requests(): RequestLogEntry[];
  /** Shuts the worker down (in-flight activities are cancelled) and waits until it has stopped. */
  stopWorker(): Promise<void>;
  /** Stops the worker, the client and the simulator. Call from the suite's `after` (before the harness closes the connection). */
  close(): Promise<void>;
}

export interface KitOptions {
  simulator?: SimulatorOptions;
  apiVersion?: AtlasApiVersion;
  credentials?: 'digest' | 'serviceAccount';
  progressWindowMs?: ActivityDeps['progressWindowMs'];
  workerOptions?: Partial<WorkerOptions>;
  /** Override the Temporal env (a dedicated dev server). */
  env?: TestEnv;
  /**
   * The database user the worker validates restored data as; default, with a data plane: the simulator's
   * own user. `false`: none configured.
   */
  database?: ActivityDeps['database'] | false;
}

/**
 * A simulator (restore jobs take 3 simulated minutes, updates 2, at 60× by default), a client, and a
 * running worker. `close()` it in the suite's `after`: the harness closes the shared connection in a
 * root-level hook, which runs later.
 */
export async function startKit(options: KitOptions = {}): Promise<Kit> {
  const env = options.env ?? (await getTestEnv());
  const sim = await startSimulator({ timeScale: 60, restoreJobDurationMs: 3 * 60_000, ...options.simulator });
  const credentials =
    options.credentials === 'serviceAccount'
      ? {
          type: 'serviceAccount' as const,
          clientId: sim.credentials.clientId,
          clientSecret: sim.credentials.clientSecret,
        }
      : {
          type: 'digest' as const,
          publicKey: sim.credentials.publicKey,
          privateKey: sim.credentials.privateKey,
        };
  const atlasClient = createAtlasClient({
    baseUrl: sim.url,
    apiVersion: options.apiVersion ?? 'v2',
    credentials,
  });
  const taskQueue = uniqueTaskQueue('restore');
  const database =
    options.database === false
      ? undefined
      : (options.database ??
        (sim.data
          ? { username: sim.credentials.databaseUsername, password: sim.credentials.databasePassword }
          : undefined));
  const worker = await newWorker({ atlasClient, taskQueue, env, ...options, database });
  const running = worker.run();
  const stopWorker = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
  };
  const close = async () => {
    await stopWorker();
    await atlasClient.close();
    await sim.close();
  };
  return {
    env,
    sim,
    atlasClient,
    taskQueue,
    worker,
    requests: () => sim.control.requests().entries,
    stopWorker,
    close,
  };
}

/** Another worker for the same task queue (the "new worker finishes it" test). */
export async function newWorker(options: {
  atlasClient: AtlasClient;
  taskQueue: string;
  env?: TestEnv;
  progressWindowMs?: number;
  workerOptions?: Partial<WorkerOptions>;
  database?: ActivityDeps['database'];
}): Promise<Worker> {
  const activities = createActivities({
    atlas: createBackupApi(options.atlasClient),
    progressWindowMs: options.progressWindowMs,
    ...(options.database ? { database: options.database } : {}),
  });
  const workerOptions: Partial<WorkerOptions> = { ...options.workerOptions };
  if (options.env) {
    workerOptions.connection = options.env.nativeConnection;
    workerOptions.namespace = options.env.namespace;
  }
  return createWorker({ taskQueue: options.taskQueue, activities, workerOptions });
}

type Ids = RunningSimulator['ids'];

export function serverlessRequest(ids: Ids, extra: Partial<RestoreRequestInput> = {}): RestoreRequestInput {
  return {
    source: { kind: 'serverless', groupId: ids.projectId, name: ids.serverlessSource },
    snapshot: { latest: true },
    target: { groupId: ids.projectId, name: ids.serverlessTarget },
    polling: FAST_POLLING,
    ...extra,
  };
}

export function clusterRequest(ids: Ids, extra: Partial<RestoreRequestInput> = {}): RestoreRequestInput {
  return {
    source: { kind: 'cluster', groupId: ids.projectId, name: ids.clusterSource },
    snapshot: { latest: true },
    target: { groupId: ids.projectId, name: ids.clusterTarget },
    polling: FAST_POLLING,
    ...extra,
  };
}

/**
 * Starts a restore the way the client does (derived id, its static search attributes, summary), with a
 * unique suffix so test files sharing the dev server and the simulator's default ids never collide, and
 * without the client's validation so bad input reaches the workflow.
 */
export async function startRestore(
  kit: Pick<Kit, 'env' | 'taskQueue'>,
  input: RestoreRequestInput,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof restoreSnapshot>> {
  const parsed = parseRestoreRequest(input);
  const workflowId = `${parsed.ok ? restoreWorkflowId(parsed.value) : 'invalid-restore'}/${randomUUID().slice(0, 8)}`;
  const pairs = parsed.ok ? restoreSearchAttributes(parsed.value) : [];
  return kit.env.client.workflow.start(restoreSnapshot, {
    taskQueue: kit.taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: new TypedSearchAttributes(pairs),
    ...(parsed.ok ? { staticSummary: restoreSummary(parsed.value) } : {}),
  });
}

export interface RestoreFailure {
  type: string | undefined;
  message: string;
  details: RestoreFailureDetails;
}

/** The workflow's failure, which must be one of our non-retryable ApplicationFailures. */
export async function expectFailure(handle: WorkflowHandle): Promise<RestoreFailure> {
  const error = await handle.result().then(
    (result: unknown) => assert.fail(`expected the restore to fail, it returned ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(error)}`);
  const cause = error.cause;
  assert.ok(cause instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(cause)}`);
  assert.equal(cause.nonRetryable, true);
  return {
    type: cause.type ?? undefined,
    message: cause.message,
    details: (cause.details?.[0] ?? {}) as RestoreFailureDetails,
  };
}

/**
 * A run that closed as Canceled (how a cancelled restore ends): the message saying what Atlas still does is
 * in the `outcome` memo, since a Canceled close carries none of its own.
 */
export async function expectCancelled(handle: WorkflowHandle): Promise<OutcomeMemo & { status: string }> {
  const error = await handle.result().then(
    (result: unknown) =>
      assert.fail(`expected the restore to be cancelled, it returned ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(error)}`);
  assert.ok(
    error.cause instanceof CancelledFailure,
    `expected a CancelledFailure, got ${String(error.cause)}`,
  );
  const description = await handle.describe();
  const memo = description.memo?.[OUTCOME_MEMO] as OutcomeMemo | undefined;
  assert.ok(memo, 'the outcome memo is set');
  return { ...memo, status: description.status.name };
}

export async function expectSuccess(handle: WorkflowHandle<typeof restoreSnapshot>): Promise<RestoreResult> {
  return handle.result();
}

/** Every run of a continued-as-new chain, first run first. */
export async function chainHistories(env: TestEnv, workflowId: string): Promise<History[]> {
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const run of env.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push({ runId: run.runId, startTime: run.startTime });
  }
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return Promise.all(runs.map((run) => env.client.workflow.getHandle(workflowId, run.runId).fetchHistory()));
}

/**
 * The workflow generation new runs belong to, and the folder of `histories/` their recordings go to: v2 is
 * the `restore-v2` patch, v3 the `request-check-activity` one (the request checked by a local activity).
 */
export const RECORDED_GENERATION = 'v3';

/**
 * With RECORD_HISTORIES=1, writes a finished run's history to
 * test/workflows/histories/<RECORDED_GENERATION>/<name>.json for the replay test (commit the file).
 * Otherwise does nothing.
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.RECORD_HISTORIES === '1') recordHistoryOf(name, await handle.fetchHistory());
}

/**
 * Stack traces name the checkout's path; identities and sticky task queues name the host: none of it
 * matters to replay, so it goes.
 */
export function recordHistoryOf(name: string, history: History): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const file = path.join(HISTORIES_DIR, RECORDED_GENERATION, `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  const json = historyToJson(history)
    .split(repoRoot)
    .join('<repo>')
    .replace(/"identity": "[^"]*"/g, '"identity": "test-worker"')
    .replace(/"name": "\d+@[^"]*"/g, '"name": "test-worker-sticky"');
  writeFileSync(file, json);
}

/** Event type names (`WORKFLOW_EXECUTION_STARTED`, ...) of a history, in order. */
export function eventTypes(history: History): string[] {
  const json = JSON.parse(historyToJson(history)) as { events?: { eventType: string }[] };
  return (json.events ?? []).map((e) => e.eventType.replace(/^EVENT_TYPE_/, ''));
}

export function countEvents(history: History, type: string): number {
  return eventTypes(history).filter((t) => t === type).length;
}

/**
 * Upserts of our own search attributes (each a billable Action). The SDK's own upsert of
 * `TemporalChangeVersion`, which records a `patched()` marker and costs nothing, is left out.
 */
export function countOwnUpserts(history: History): number {
  return (history.events ?? []).filter((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields && Object.keys(fields).some((key) => key !== 'TemporalChangeVersion');
  }).length;
}

/**
 * Fails if any credential of the simulator appears anywhere in a history: event attributes, failure
 * messages and stack traces, and every payload decoded (payload data is base64 in the JSON form).
 */
export function assertNoSecrets(history: History, credentials: RunningSimulator['credentials']): void {
  const texts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  const all = texts.join('\n');
  assert.ok(all.length > 1000, 'the history was read');
  for (const [name, secret] of Object.entries(credentials)) {
    assert.ok(!all.includes(secret), `credential ${name} appears in the history`);
  }
}

/** The Web UI's "Current details" markdown, via the built-in metadata query. */
export async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Requests of one route (API routes only; the control surface is not logged). */
export function routeRequests(entries: RequestLogEntry[], route: string): RequestLogEntry[] {
  return entries.filter((e) => e.route === route && e.authenticated);
}
