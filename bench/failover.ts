/**
 * What the frugal waits cost in responsiveness, measured with real `atlas-restore worker` processes:
 *   - cancel: from `cancelRestore` to the caller seeing the restore closed as Canceled (goal ≤ 5 s);
 *   - graceful shutdown (SIGTERM, a redeploy): from the signal to the wait running on the other worker
 *     (goal ≤ 30 s);
 *   - SIGKILL: from the kill to the wait running on the other worker, for a short `polling.failoverAfter`
 *     and for the default 10 m (goal ≤ 10 min) — the knob that trades heartbeats (Actions) for failover;
 *   - history: events of a standard restore (enable backup, latest snapshot, one job; goal ≤ 40) and what
 *     each further hour of waiting adds (goal ≤ 5), from a restore whose windows are made short.
 * Flags:
 *   --samples=N            cancels and graceful hand-overs to time (default 5; 2 with --quick)
 *   --kill-failover=LIST   failoverAfter values to time a SIGKILL with (default 1m,10m; 1m with --quick)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createRestoreClient, type RestoreClient } from '../src/client';
import { RESTORE_WAIT_WINDOW_MS } from '../src/common/contract';
import { parseDuration } from '../src/common/duration';
import type { RestoreRequestInput } from '../src/common/restore-request';
import { DEFAULT_SEED, startSimulator, type RunningSimulator } from '../src/simulator';
import { spawnWorker, waitForPoller, type WorkerProcess } from '../test/reliability/worker-process';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { countHistory, fetchChain } from './lib/history';
import { formatTable, percentile } from './lib/report';
import { benchSeed, restorePairs, withWorker } from './lib/stack';
import { createBackupApi } from '../src/atlas/backup-api';
import { createAtlasClient } from '../src/atlas/client';

const POLLING = { initialInterval: '5s', maxInterval: '30s' } as const;

interface Stack {
  context: BenchContext;
  sim: RunningSimulator;
  taskQueue: string;
  restores: RestoreClient;
  workerEnv: Record<string, string>;
  workers: WorkerProcess[];
  scratch: string;
}

async function startStack(context: BenchContext, sim: RunningSimulator, label: string): Promise<Stack> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bench-'));
  const bundlePath = path.join(scratch, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await context.bundle('production')).code);
  const taskQueue = `bench-${label}-${randomUUID().slice(0, 8)}`;
  return {
    context,
    sim,
    taskQueue,
    restores: createRestoreClient({ client: context.client, taskQueue }),
    workerEnv: {
      TEMPORAL_ADDRESS: context.server.address,
      TEMPORAL_NAMESPACE: context.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ATLAS_BASE_URL: sim.url,
      ATLAS_PUBLIC_KEY: sim.credentials.publicKey,
      ATLAS_PRIVATE_KEY: sim.credentials.privateKey,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      LOG_LEVEL: 'WARN',
      SHUTDOWN_GRACE: '30s',
    },
    workers: [],
    scratch,
  };
}

async function addWorker(stack: Stack): Promise<WorkerProcess> {
  const worker = spawnWorker(stack.workerEnv);
  stack.workers.push(worker);
  await waitForPoller(stack.context.client, stack.context.namespace, stack.taskQueue, worker);
  return worker;
}

async function closeStack(stack: Stack): Promise<void> {
  await Promise.all(stack.workers.map((w) => w.stop(5_000)));
  rmSync(stack.scratch, { recursive: true, force: true });
}

/** The pending wait of a running restore and the worker process (pid) running its current attempt. */
async function waitingOn(
  client: Client,
  workflowId: string,
): Promise<{ pid?: number; attempt?: number } | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const wait = (description.raw.pendingActivities ?? []).find(
    (a) => a.activityType?.name === 'waitForRestoreJob' && a.state === 2 /* STARTED */,
  );
  if (!wait) return undefined;
  const pid = Number(/^(\d+)@/.exec(wait.lastWorkerIdentity ?? '')?.[1]);
  return { ...(Number.isFinite(pid) ? { pid } : {}), attempt: wait.attempt ?? 1 };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function request(
  sim: RunningSimulator,
  i: number,
  extra: Partial<RestoreRequestInput> = {},
): RestoreRequestInput {
  const pair = restorePairs(sim, i + 1)[i]!;
  return {
    source: pair.source,
    snapshot: { snapshotId: pair.snapshotId },
    target: pair.target,
    polling: POLLING,
    deadline: '2h',
    // Its own subject is the wait; turning continuous backup on first would only add minutes.
    ensureContinuousBackup: false,
    ...extra,
  };
}

/** Starts a restore whose job never ends and waits until its wait runs on `worker`. */
async function restoringOn(
  stack: Stack,
  i: number,
  worker: WorkerProcess,
  extra: Partial<RestoreRequestInput> = {},
) {
  stack.sim.control.setScenario({ outcome: 'never' });
  const started = await stack.restores.startRestore(request(stack.sim, i, extra));
  await until(
    'the wait on the first worker',
    async () => {
      const on = await waitingOn(stack.context.client, started.workflowId);
      return on?.pid === worker.pid ? on : undefined;
    },
    120_000,
  );
  return started;
}

async function measureCancels(stack: Stack, samples: number, firstIndex: number): Promise<number[]> {
  const worker = stack.workers[0]!;
  const latencies: number[] = [];
  for (let s = 0; s < samples; s++) {
    const started = await restoringOn(stack, firstIndex + s, worker);
    const t0 = Date.now();
    await stack.restores.cancelRestore(started.workflowId);
    const outcome = await stack.restores.waitForRestore(started.workflowId);
    if (outcome.outcome !== 'cancelled') throw new Error(`expected cancelled, got ${outcome.outcome}`);
    latencies.push((Date.now() - t0) / 1000);
  }
  return latencies;
}

/**
 * Hands a waiting restore from one worker to another: SIGTERM (graceful) or SIGKILL, timed until the wait
 * runs on the survivor. Returns seconds, and leaves the survivor as the stack's only worker.
 */
async function measureHandOver(
  stack: Stack,
  index: number,
  how: 'SIGTERM' | 'SIGKILL',
  extra: Partial<RestoreRequestInput> = {},
  timeoutMs = 5 * 60_000,
): Promise<number> {
  const leaving = stack.workers[0]!;
  const started = await restoringOn(stack, index, leaving, extra);
  const staying = await addWorker(stack);
  const t0 = Date.now();
  if (how === 'SIGKILL') await leaving.kill9();
  else leaving.child.kill('SIGTERM');
  await until(
    `the wait on the other worker after ${how}`,
    async () => {
      const on = await waitingOn(stack.context.client, started.workflowId);
      return on?.pid === staying.pid ? on : undefined;
    },
    timeoutMs,
  );
  const seconds = (Date.now() - t0) / 1000;
  await leaving.exited;
  stack.workers = stack.workers.filter((w) => w !== leaving);
  await stack.restores.cancelRestore(started.workflowId);
  await stack.restores.waitForRestore(started.workflowId);
  return seconds;
}

export const failoverBenchmark: Benchmark = {
  name: 'failover',
  description:
    'cancel latency, failover after SIGTERM and SIGKILL, and history size, with real worker processes',
  flags: ['samples', 'kill-failover'],
  async run(context: BenchContext, flags: BenchFlags) {
    const samples = Math.round(flags.number('samples', 5, 2));
    const killSettings = (flags.text('kill-failover') ?? (flags.quick ? '1m' : '1m,10m')).split(',');
    for (const value of killSettings)
      if (parseDuration(value) === undefined) throw new Error(`--kill-failover: ${value} is not a duration`);
    const restoresNeeded = 2 * samples + killSettings.length + 4;
    const sim = await startSimulator({
      timeScale: 1,
      seed: benchSeed(Math.ceil(restoresNeeded / 10), 10),
      restoreJobDurationMs: 60 * 60_000,
    });
    const stack = await startStack(context, sim, 'failover');
    let index = 0;
    try {
      await addWorker(stack);
      console.log(`  ${samples} cancels...`);
      const cancels = await measureCancels(stack, samples, index);
      index += samples;
      console.log(`  ${samples} graceful hand-overs (SIGTERM)...`);
      const graceful: number[] = [];
      for (let s = 0; s < samples; s++) graceful.push(await measureHandOver(stack, index++, 'SIGTERM'));
      const kills: { failoverAfter: string; seconds: number }[] = [];
      for (const failoverAfter of killSettings) {
        console.log(`  SIGKILL with polling.failoverAfter ${failoverAfter}...`);
        const seconds = await measureHandOver(
          stack,
          index++,
          'SIGKILL',
          { polling: { ...POLLING, failoverAfter } },
          parseDuration(failoverAfter)! * 2 + 120_000,
        );
        kills.push({ failoverAfter, seconds });
      }

      console.log('  history: a standard restore, and one with short windows...');
      const history = await measureHistory(context);

      const table = formatTable(
        'Responsiveness of the frugal waits (real worker processes, simulator at real speed)',
        ['measure', 'result', 'goal'],
        [
          [
            'cancel: caller sees Canceled after (s), p50 / max',
            `${fmt(percentile(cancels, 50))} / ${fmt(Math.max(...cancels))}`,
            '≤ 5',
          ],
          [
            'graceful shutdown (SIGTERM): wait resumes elsewhere after (s), p50 / max',
            `${fmt(percentile(graceful, 50))} / ${fmt(Math.max(...graceful))}`,
            '≤ 30',
          ],
          ...kills.map((k) => [
            `SIGKILL, failoverAfter ${k.failoverAfter}: wait resumes elsewhere after (s)`,
            fmt(k.seconds),
            k.failoverAfter === '10m' ? '≤ 600' : `≤ ${parseDuration(k.failoverAfter)! / 1000}+`,
          ]),
          [
            'history events, standard restore (enable backup, latest, one job)',
            history.standardEvents,
            '≤ 40',
          ],
          ['history events per extra wait window (measured)', fmt(history.eventsPerWindow), ''],
          [
            `history events per further hour (windows of ${RESTORE_WAIT_WINDOW_MS / 3_600_000} h)`,
            fmt(history.eventsPerHour),
            '≤ 5',
          ],
        ],
      );
      const ok =
        Math.max(...cancels) <= 5 &&
        Math.max(...graceful) <= 30 &&
        kills.every((k) => k.seconds <= parseDuration(k.failoverAfter)! / 1000 + 60) &&
        history.standardEvents <= 40 &&
        history.eventsPerHour <= 5;
      return {
        settings: { samples, killFailoverAfter: killSettings, polling: POLLING, shutdownGrace: '30s' },
        results: { cancelSeconds: cancels, gracefulSeconds: graceful, kills, history },
        tables: [table],
        notes: [
          'SIGKILL failover is bounded by polling.failoverAfter (the heartbeat timeout): the server retries the wait once no heartbeat came for that long;',
          'heartbeats (billable Actions) come once per 0.8 x failoverAfter, so 10 m costs ~7.5 an hour and 1 m ~75.',
        ],
        ok,
      };
    } finally {
      await closeStack(stack);
      await sim.close();
    }
  },
};

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(1);
}

/**
 * A standard restore on the default seed (serverless source with continuous backup off: turn it on, wait
 * for IDLE, latest snapshot, one job), and the same with the wait's window cut to a few seconds, so the
 * events each window adds are measured rather than assumed.
 */
async function measureHistory(context: BenchContext) {
  const run = async (progressWindowMs: number | undefined) => {
    const sim = await startSimulator({
      timeScale: 60,
      seed: DEFAULT_SEED,
      restoreJobDurationMs: 20 * 60_000,
    });
    const atlas = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
    try {
      const taskQueue = `bench-history-${randomUUID().slice(0, 8)}`;
      return await withWorker(
        context,
        {
          taskQueue,
          bundle: 'production',
          api: createBackupApi(atlas),
          ...(progressWindowMs ? { progressWindowMs } : {}),
        },
        async () => {
          const restores = createRestoreClient({ client: context.client, taskQueue });
          const started = await restores.startRestore({
            source: { kind: 'serverless', groupId: sim.ids.projectId, name: sim.ids.serverlessSource },
            snapshot: { latest: true },
            target: { groupId: sim.ids.projectId, name: sim.ids.serverlessTarget },
            polling: { initialInterval: '1s', maxInterval: '2s' },
          });
          const outcome = await restores.waitForRestore(started.workflowId);
          if (outcome.outcome !== 'finished') throw new Error(`history restore: ${outcome.outcome}`);
          const histories = await fetchChain(context.client, started.workflowId, started.runId);
          const windows = histories
            .flatMap((h) => h.events ?? [])
            .filter(
              (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForRestoreJob',
            ).length;
          return { events: countHistory(histories).events, windows };
        },
      );
    } finally {
      await atlas.close();
      await sim.close();
    }
  };
  const standard = await run(undefined);
  const windowed = await run(2_000);
  const eventsPerWindow =
    windowed.windows > standard.windows
      ? (windowed.events - standard.events) / (windowed.windows - standard.windows)
      : Number.NaN;
  return {
    standardEvents: standard.events,
    standardWindows: standard.windows,
    windowedEvents: windowed.events,
    windowedWindows: windowed.windows,
    eventsPerWindow,
    eventsPerHour: eventsPerWindow * (3_600_000 / RESTORE_WAIT_WINDOW_MS),
  };
}
