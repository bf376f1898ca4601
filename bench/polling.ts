/**
 * Polling cost: one restore whose Atlas job lasts D (2 h simulated by default), for our design and two
 * reference designs, plus a plain polling loop like the Atlas CLI's. Flags:
 *   --runs=N            restores per design, run at once (default 8; 2 with --quick)
 *   --duration-minutes  simulated job length D (default 120; 20 with --quick)
 *   --time-scale        simulated seconds per real second (default 30)
 *
 * Why 30×: the restore request does not accept polling intervals under 1 s (real time), and detection must
 * stay within 30 s simulated, so one real second may stand for at most 30 simulated ones. D = 2 h then runs
 * in 4 real minutes per design. Everything that counts per poll (activities, timers, retries, Atlas calls)
 * is the same as in a real 2 h restore. Heartbeats are not: the SDK throttles them on the wall clock, so the
 * compressed run sends fewer. They are reported as measured and re-estimated for real time from the
 * heartbeating activities' durations in history (see `realSpeedHeartbeats`). Detection latency is
 * likewise split: the wait for the next poll is scaled up, Temporal's own overhead after that poll is not
 * (see `detectionLatencySeconds`).
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../src/simulator/ids';
import type { Client } from '@temporalio/client';
import { createRestoreClient } from '../src/client';
import { RESTORE_WAIT_WINDOW_MS } from '../src/common/contract';
import { parseDuration } from '../src/common/duration';
import { MAX_HEARTBEAT_THROTTLE } from '../src/worker/main';
import { isTerminalRestoreJobState } from '../src/common/restore-job-state';
import type { RestoreRequestInput } from '../src/common/restore-request';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { closeTimeMs, countHistory, fetchChain, type HistoryCounts } from './lib/history';
import { formatTable, mean, percentile, ratio } from './lib/report';
import { diffActions, totalActions, type ActionCounts } from './lib/server-metrics';
import {
  benchSeed,
  callsFor,
  restorePairs,
  startBenchSimulator,
  withWorker,
  type BenchSimulator,
  type RestorePair,
} from './lib/stack';

const HEARTBEAT_ACTION = 'grpc_RecordActivityTaskHeartbeat';
/** The Atlas CLI's watchers poll every 4 seconds. */
const CLI_INTERVAL_SIM_MS = 4_000;
/** The poll interval every Temporal design uses, real time: the request schema's minimum. */
const POLL_INTERVAL = '1s';
const POLL_INTERVAL_REAL_MS = 1_000;
/** Seed of the per-job duration jitter, so runs are comparable. */
const JITTER_SEED = 42;

type DesignName = 'ours' | 'timerLoop' | 'activityRetry' | 'cliLoop';

const DESIGNS: { name: DesignName; label: string }[] = [
  { name: 'ours', label: 'ours: heartbeating activity (restoreSnapshot)' },
  { name: 'timerLoop', label: 'workflow timer loop (sleep + activity)' },
  { name: 'activityRetry', label: 'activity retry polling' },
  { name: 'cliLoop', label: 'Atlas CLI style loop (no Temporal)' },
];

interface RunMeasure {
  ok: boolean;
  outcome: string;
  /** Seconds from the job's end to the workflow's close (or the loop's exit), as in a real-time run. */
  detectionLatencySeconds: number;
  apiCalls: number;
  apiCallsByRoute: Record<string, number>;
  history?: HistoryCounts;
  heartbeatsRealSpeed?: number;
}

interface DesignResult {
  design: DesignName;
  label: string;
  runs: RunMeasure[];
  /** Server `action` counters over the design's runs (all runs together). */
  actions?: ActionCounts;
  perRestore: {
    historyEvents?: number;
    continueAsNewRuns?: number;
    actionsFromHistory?: number;
    actionsMeasured?: number;
    heartbeatsMeasured?: number;
    heartbeatsRealSpeed?: number;
    actionsRealSpeed?: number;
    apiCalls: number;
    latencyP50Seconds?: number;
    latencyP95Seconds?: number;
    latencyMaxSeconds?: number;
  };
}

function toMs(time: { seconds?: unknown; nanos?: unknown } | null | undefined): number | undefined {
  if (!time) return undefined;
  return Number(String(time.seconds ?? 0)) * 1000 + Math.floor(Number(time.nanos ?? 0) / 1e6);
}

/**
 * What the heartbeats of a real-time run would be: every attempt of a heartbeating activity sends its first
 * heartbeat at once and then at most one per throttle interval, 0.8 × its heartbeat timeout
 * (docs/temporal.md#activity-heartbeats; our activity heartbeats more often than that, so the throttle sets
 * the pace). Attempt durations are read from history and stretched by the time scale.
 */
function realSpeedHeartbeats(histories: Awaited<ReturnType<typeof fetchChain>>, timeScale: number): number {
  let beats = 0;
  for (const history of histories) {
    const events = history.events ?? [];
    const scheduled = new Map<string, number>();
    const started = new Map<string, number>();
    for (const event of events) {
      const id = String(event.eventId);
      const timeoutMs = toMs(event.activityTaskScheduledEventAttributes?.heartbeatTimeout);
      if (timeoutMs) scheduled.set(id, timeoutMs);
      const start = event.activityTaskStartedEventAttributes;
      if (start && scheduled.has(String(start.scheduledEventId)))
        started.set(String(start.scheduledEventId), toMs(event.eventTime)!);
      const closed =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes ??
        event.activityTaskCanceledEventAttributes;
      if (closed && scheduled.has(String(closed.scheduledEventId))) {
        const key = String(closed.scheduledEventId);
        const throttleMs = Math.min(0.8 * scheduled.get(key)!, parseDuration(MAX_HEARTBEAT_THROTTLE)!);
        const durationMs =
          (toMs(event.eventTime)! - (started.get(key) ?? toMs(event.eventTime)!)) * timeScale;
        beats += 1 + Math.floor(durationMs / throttleMs);
      }
    }
  }
  return beats;
}

interface Setup {
  context: BenchContext;
  bench: BenchSimulator;
  timeScale: number;
}

/** The simulated duration the simulator gave the job restoring into `pair`'s target. */
function jobDurationMs(setup: Setup, pair: RestorePair): number | undefined {
  const job = setup.bench.sim.control
    .state()
    .restoreJobs.find((j) => j.targetClusterName === pair.target.name && j.groupId === pair.source.groupId);
  return job?.scenario.durationMs;
}

/**
 * Detection latency as a real-time run would see it, in seconds: the wait from the job's end to the poll
 * that saw it is simulated time (scaled up), the rest (that poll's answer reaching the workflow, the
 * workflow closing) is Temporal's own overhead, which does not run faster in a compressed run and so is
 * kept as measured rather than multiplied by the time scale.
 */
function detectionLatencySeconds(
  timeScale: number,
  endReal: number,
  seenPollReal: number,
  doneReal: number,
): number {
  return (Math.max(0, seenPollReal - endReal) * timeScale + (doneReal - seenPollReal)) / 1000;
}

/** When the last poll of the job (the one that saw it end) reached the simulator, real time. */
function lastPollRealMs(setup: Setup, pair: RestorePair): number | undefined {
  const prefix = `/api/atlas/v2/groups/${pair.source.groupId}/serverless/${pair.source.name}/backup/restoreJobs/`;
  const polls = setup.bench.sim.control
    .requests()
    .entries.filter(
      (e) => e.authenticated && e.route === 'getRestoreJob' && e.status === 200 && e.path.startsWith(prefix),
    );
  return polls[polls.length - 1]?.at;
}

/** Real time at which the job this source's POST created ends in the simulator. */
function jobEndRealMs(setup: Setup, pair: RestorePair): number | undefined {
  const prefix = `/groups/${pair.source.groupId}/serverless/${pair.source.name}/backup/restoreJobs`;
  const post = setup.bench.sim.control
    .requests()
    .entries.find(
      (e) =>
        e.authenticated &&
        e.route === 'createRestoreJob' &&
        e.status >= 200 &&
        e.status < 300 &&
        e.path.startsWith(`/api/atlas/v2${prefix}`),
    );
  const durationMs = jobDurationMs(setup, pair);
  return post && durationMs !== undefined ? post.at + durationMs / setup.timeScale : undefined;
}

async function measureWorkflowRun(
  setup: Setup,
  client: Client,
  pair: RestorePair,
  workflowId: string,
  firstRunId: string,
): Promise<RunMeasure> {
  const histories = await fetchChain(client, workflowId, firstRunId);
  const last = histories[histories.length - 1]?.events ?? [];
  const closed = last[last.length - 1];
  const ok = Boolean(closed?.workflowExecutionCompletedEventAttributes);
  const endReal = jobEndRealMs(setup, pair);
  const closeReal = closeTimeMs(histories);
  const seenReal = lastPollRealMs(setup, pair);
  const calls = callsFor(setup.bench.sim, pair.source);
  return {
    ok,
    outcome: ok
      ? 'completed'
      : (Object.keys(closed ?? {}).find((k) => k.endsWith('EventAttributes')) ?? 'unknown'),
    detectionLatencySeconds:
      endReal && closeReal && seenReal
        ? detectionLatencySeconds(setup.timeScale, endReal, seenReal, closeReal)
        : Number.NaN,
    apiCalls: calls.total,
    apiCallsByRoute: calls.byRoute,
    history: countHistory(histories),
    heartbeatsRealSpeed: realSpeedHeartbeats(histories, setup.timeScale),
  };
}

async function runOurs(setup: Setup, pairs: RestorePair[]): Promise<RunMeasure[]> {
  const { context, bench, timeScale } = setup;
  const taskQueue = `bench-polling-ours-${randomUUID().slice(0, 8)}`;
  const restores = createRestoreClient({ client: context.client, taskQueue });
  // The wait's window is real time too; scaled so the run reports as often as a real one.
  const progressWindowMs = Math.max(1_000, Math.round(RESTORE_WAIT_WINDOW_MS / timeScale));
  return withWorker(
    context,
    { taskQueue, bundle: 'production', api: bench.api, progressWindowMs },
    async () => {
      const started = await Promise.all(
        pairs.map((pair) => {
          const request: RestoreRequestInput = {
            source: pair.source,
            snapshot: { snapshotId: pair.snapshotId },
            target: pair.target,
            polling: { initialInterval: POLL_INTERVAL, maxInterval: POLL_INTERVAL },
          };
          return restores.startRestore(request);
        }),
      );
      await Promise.all(started.map((s) => restores.waitForRestore(s.workflowId, { runId: s.runId })));
      return Promise.all(
        started.map((s, i) => measureWorkflowRun(setup, context.client, pairs[i]!, s.workflowId, s.runId)),
      );
    },
  );
}

async function runReference(
  setup: Setup,
  pairs: RestorePair[],
  workflowType: 'timerLoopRestore' | 'retryPollRestore',
): Promise<RunMeasure[]> {
  const { context, bench } = setup;
  const taskQueue = `bench-polling-${workflowType}-${randomUUID().slice(0, 8)}`;
  return withWorker(context, { taskQueue, bundle: 'reference', api: bench.api }, async () => {
    const handles = await Promise.all(
      pairs.map((pair, i) =>
        context.client.workflow.start(workflowType, {
          taskQueue,
          workflowId: `bench-${workflowType}-${i}-${randomUUID().slice(0, 8)}`,
          args: [
            {
              source: pair.source,
              snapshotId: pair.snapshotId,
              target: pair.target,
              pollIntervalMs: POLL_INTERVAL_REAL_MS,
            },
          ],
        }),
      ),
    );
    await Promise.all(handles.map((h) => h.result().catch(() => undefined)));
    return Promise.all(
      handles.map((h, i) =>
        measureWorkflowRun(setup, context.client, pairs[i]!, h.workflowId, h.firstExecutionRunId),
      ),
    );
  });
}

/**
 * A plain loop: submit, then GET the job every 4 simulated seconds until it ends. No Temporal. Its calls
 * are counted here, not from the simulator's log: thousands of polls would overflow the log's window.
 */
async function runCliLoop(setup: Setup, pairs: RestorePair[]): Promise<RunMeasure[]> {
  const { bench, timeScale } = setup;
  const intervalMs = CLI_INTERVAL_SIM_MS / timeScale;
  return Promise.all(
    pairs.map(async (pair) => {
      const job = await bench.api.createRestoreJob(pair.source, {
        delivery: 'automated',
        snapshotId: pair.snapshotId,
        target: pair.target,
      });
      const endReal = Date.now() + (jobDurationMs(setup, pair) ?? Number.NaN) / timeScale;
      let polls = 0;
      let polledAt = Date.now();
      let state = job.state;
      while (!isTerminalRestoreJobState(state)) {
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
        polledAt = Date.now();
        state = (await bench.api.getRestoreJob(pair.source, job.id)).state;
        polls += 1;
      }
      return {
        ok: state === 'finished',
        outcome: state,
        detectionLatencySeconds: detectionLatencySeconds(timeScale, endReal, polledAt, Date.now()),
        apiCalls: 1 + polls,
        apiCallsByRoute: { createRestoreJob: 1, getRestoreJob: polls },
      };
    }),
  );
}

function summarize(
  design: (typeof DESIGNS)[number],
  runs: RunMeasure[],
  actions: ActionCounts | undefined,
): DesignResult {
  const n = runs.length;
  const latencies = runs.map((r) => r.detectionLatencySeconds).filter((v) => Number.isFinite(v));
  const perRestore: DesignResult['perRestore'] = {
    apiCalls: mean(runs.map((r) => r.apiCalls)) ?? 0,
    latencyP50Seconds: percentile(latencies, 50),
    latencyP95Seconds: percentile(latencies, 95),
    latencyMaxSeconds: percentile(latencies, 100),
  };
  const histories = runs.map((r) => r.history).filter((h): h is HistoryCounts => h !== undefined);
  if (histories.length > 0) {
    perRestore.historyEvents = mean(histories.map((h) => h.events));
    perRestore.continueAsNewRuns = mean(histories.map((h) => h.runs - 1));
    perRestore.actionsFromHistory = mean(histories.map((h) => h.actionsFromHistory));
    perRestore.heartbeatsRealSpeed = mean(runs.map((r) => r.heartbeatsRealSpeed ?? 0));
  }
  if (actions && histories.length > 0) {
    perRestore.actionsMeasured = totalActions(actions) / n;
    perRestore.heartbeatsMeasured = (actions[HEARTBEAT_ACTION] ?? 0) / n;
    perRestore.actionsRealSpeed =
      perRestore.actionsMeasured - perRestore.heartbeatsMeasured + (perRestore.heartbeatsRealSpeed ?? 0);
  } else if (histories.length > 0) {
    perRestore.actionsRealSpeed =
      (perRestore.actionsFromHistory ?? 0) + (perRestore.heartbeatsRealSpeed ?? 0);
  }
  return { design: design.name, label: design.label, runs, ...(actions ? { actions } : {}), perRestore };
}

export const pollingBenchmark: Benchmark = {
  name: 'polling',
  description:
    'cost of following one long restore job: our design vs a timer loop vs retry polling vs a plain loop',
  flags: ['runs', 'duration-minutes', 'time-scale'],
  async run(context: BenchContext, flags: BenchFlags) {
    const runs = Math.round(flags.number('runs', 8, 2));
    const durationMinutes = flags.number('duration-minutes', 120, 20);
    const timeScale = flags.number('time-scale', 30);
    const durationMs = durationMinutes * 60_000;
    const bench = await startBenchSimulator({
      timeScale,
      restoreJobDurationMs: durationMs,
      seed: benchSeed(runs * DESIGNS.length, 1),
    });
    const setup: Setup = { context, bench, timeScale };
    const jitter = mulberry32(JITTER_SEED);
    const allPairs = restorePairs(bench.sim, runs * DESIGNS.length);
    const results: DesignResult[] = [];
    try {
      for (const [index, design] of DESIGNS.entries()) {
        const pairs = allPairs.slice(index * runs, (index + 1) * runs);
        // Each design reads the simulator's log from a clean start (the log keeps a window of entries).
        bench.sim.control.clearRequests();
        // Each job lasts D plus up to one Temporal poll interval, so no design's polls line up with the end.
        for (let i = 0; i < runs; i++) {
          bench.sim.control.setScenario({
            outcome: 'finished',
            durationMs: durationMs + Math.floor(jitter() * POLL_INTERVAL_REAL_MS * timeScale),
          });
        }
        const before = await context.actions();
        const started = Date.now();
        console.log(`  ${design.label}: ${runs} restores of ${durationMinutes} simulated minutes...`);
        const measured =
          design.name === 'ours'
            ? await runOurs(setup, pairs)
            : design.name === 'timerLoop'
              ? await runReference(setup, pairs, 'timerLoopRestore')
              : design.name === 'activityRetry'
                ? await runReference(setup, pairs, 'retryPollRestore')
                : await runCliLoop(setup, pairs);
        // Counters are bumped as requests are handled; a short pause lets the last ones land.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const after = await context.actions();
        const actions = design.name !== 'cliLoop' && before && after ? diffActions(after, before) : undefined;
        results.push(summarize(design, measured, actions));
        console.log(`    done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
    } finally {
      await bench.close();
    }

    const ours = results.find((r) => r.design === 'ours')!.perRestore;
    const rows = results.map((r) => {
      const p = r.perRestore;
      return [
        r.label,
        p.historyEvents,
        p.actionsMeasured,
        p.heartbeatsMeasured,
        p.heartbeatsRealSpeed,
        p.actionsRealSpeed,
        ratio(p.actionsRealSpeed, ours.actionsRealSpeed),
        p.apiCalls,
        p.latencyP50Seconds,
        p.latencyP95Seconds,
      ];
    });
    const table = formatTable(
      `Polling cost per restore, job of ${durationMinutes} simulated min, ${runs} runs per design, time scale ${timeScale}x (latency: seconds from the job's end to the restore's close, as in real time)`,
      [
        'design',
        'events',
        'actions meas.',
        'heartbeats meas.',
        'heartbeats real',
        'actions real',
        'x ours',
        'API calls',
        'p50 s',
        'p95 s',
      ],
      rows,
    );
    const failures = results.flatMap((r) =>
      r.runs.filter((run) => !run.ok).map((run) => `${r.design}: ${run.outcome}`),
    );
    return {
      settings: {
        runsPerDesign: runs,
        jobDurationSimulatedMinutes: durationMinutes,
        jobDurationJitterSimulatedSeconds: [0, (POLL_INTERVAL_REAL_MS * timeScale) / 1000],
        timeScale,
        pollIntervalRealMs: POLL_INTERVAL_REAL_MS,
        pollIntervalSimulatedSeconds: (POLL_INTERVAL_REAL_MS * timeScale) / 1000,
        ourProgressWindowRealMs: Math.round(RESTORE_WAIT_WINDOW_MS / timeScale),
        ourFailoverAfter: '10m (request default; heartbeat timeout)',
        cliIntervalSimulatedSeconds: CLI_INTERVAL_SIM_MS / 1000,
        actionsSource: context.metricsUrl ? 'dev server /metrics action counter' : 'history only',
      },
      results,
      tables: [table],
      notes: [
        "actions meas. = the dev server's billable-action counter over the compressed run; heartbeats real = heartbeats a real-time run would send",
        '(first one per attempt + one per 0.8 x heartbeat timeout); actions real = actions meas. - heartbeats meas. + heartbeats real.',
        ...(failures.length > 0 ? [`NOT FINISHED: ${failures.join(', ')}`] : []),
      ],
      ok: failures.length === 0,
    };
  },
};
