/**
 * Throughput: N restores whose Atlas jobs finish the moment they are created, started at once through the
 * restore client, against N bare workflows that run the same number of no-op activities, on the same dev
 * server and the same kind of in-process worker. Flags:
 *   --n=N   restores (and bare workflows); default 500, 50 with --quick
 *
 * Restores/s is end to end: from the first start call to the last workflow's close time on the server.
 */
import { randomUUID } from 'node:crypto';
import { createRestoreClient } from '../src/client';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { countHistory, fetchChain } from './lib/history';
import { formatTable, ratio } from './lib/report';
import { diffActions, totalActions, type ActionCounts } from './lib/server-metrics';
import { benchSeed, restorePairs, startBenchSimulator, withWorker } from './lib/stack';
import { inBatches, waitForQueueDrained } from './lib/batch';

/** Restores per project: Atlas limits per project, and a fleet spreads over projects. */
const RESTORES_PER_PROJECT = 10;
/** Start calls in flight at once (a client starting a batch, not a thundering herd of sockets). */
const START_CONCURRENCY = 50;

/** Far beyond any healthy run; a stuck workflow fails the benchmark instead of hanging it. */
const DRAIN_TIMEOUT_MS = 15 * 60_000;

/** Same worker settings for both sides, so the ratio is about the work, not the tuning. */
const WORKER_OPTIONS = { maxConcurrentActivityTaskExecutions: 200, maxConcurrentWorkflowTaskExecutions: 40 };

interface SideResult {
  workflows: number;
  completed: number;
  notCompleted: number;
  seconds: number;
  perSecond: number;
  activitiesPerWorkflow: number;
  localActivitiesPerWorkflow: number;
  historyEventsPerWorkflow: number;
  actions?: ActionCounts;
  actionsPerWorkflow?: number;
  /** CPU ms per workflow of this process (worker, simulator, client) and of the dev server. */
  cpuMsEach: { thisProcess: number; server?: number };
}

function cpuMsEach(
  before: ReturnType<BenchContext['cpu']>,
  after: ReturnType<BenchContext['cpu']>,
  n: number,
): SideResult['cpuMsEach'] {
  const thisProcess = ((after.thisProcess - before.thisProcess) * 1000) / n;
  return before.server !== undefined && after.server !== undefined
    ? { thisProcess, server: ((after.server - before.server) * 1000) / n }
    : { thisProcess };
}

/** CPU ms per workflow of both processes, or of this one alone where the server's cannot be read. */
function cpuTotal(side: SideResult): number {
  return side.cpuMsEach.thisProcess + (side.cpuMsEach.server ?? 0);
}

/**
 * One side: start its n workflows (returning one of them, whose history is sampled), wait until the queue
 * has drained, and measure time to the last close, CPU and Actions over that span.
 */
async function measureSide(
  context: BenchContext,
  taskQueue: string,
  n: number,
  label: string,
  startAll: () => Promise<{ workflowId: string; runId: string }>,
): Promise<SideResult> {
  const before = await context.actions();
  const cpuBefore = context.cpu();
  const t0 = Date.now();
  console.log(`  ${label}...`);
  const sampled = await startAll();
  console.log(`    all started after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  const drained = await waitForQueueDrained(context.client, taskQueue, n, DRAIN_TIMEOUT_MS);
  const cpuAfter = context.cpu();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await context.actions();
  const sample = countHistory(await fetchChain(context.client, sampled.workflowId, sampled.runId));
  const seconds = (drained.lastCloseMs - t0) / 1000;
  const actions = before && after ? diffActions(after, before) : undefined;
  return {
    workflows: n,
    completed: drained.completed,
    notCompleted: drained.other,
    seconds,
    perSecond: n / seconds,
    activitiesPerWorkflow: sample.activitiesScheduled,
    localActivitiesPerWorkflow: sample.localActivities,
    historyEventsPerWorkflow: sample.events,
    cpuMsEach: cpuMsEach(cpuBefore, cpuAfter, n),
    ...(actions ? { actions, actionsPerWorkflow: totalActions(actions) / n } : {}),
  };
}

export const throughputBenchmark: Benchmark = {
  name: 'throughput',
  description: 'restores per second end to end vs bare workflows running the same number of no-op activities',
  flags: ['n'],
  async run(context: BenchContext, flags: BenchFlags) {
    const n = Math.round(flags.number('n', 500, 50));
    const projects = Math.ceil(n / RESTORES_PER_PROJECT);
    const bench = await startBenchSimulator({
      timeScale: 1,
      restoreJobDurationMs: 0,
      seed: benchSeed(projects, RESTORES_PER_PROJECT),
    });
    try {
      const pairs = restorePairs(bench.sim, n);

      // Restores first, so the bare side can run exactly as many activities as a restore did.
      const restoreQueue = `bench-throughput-restore-${randomUUID().slice(0, 8)}`;
      const restores = createRestoreClient({ client: context.client, taskQueue: restoreQueue });
      const restoreSide = await withWorker(
        context,
        { taskQueue: restoreQueue, bundle: 'production', api: bench.api, workerOptions: WORKER_OPTIONS },
        () =>
          measureSide(context, restoreQueue, n, `${n} restores`, async () => {
            const started = await inBatches(pairs, START_CONCURRENCY, (pair) =>
              restores.startRestore({
                source: pair.source,
                snapshot: { snapshotId: pair.snapshotId },
                target: pair.target,
                polling: { initialInterval: '1s', maxInterval: '5s' },
              }),
            );
            return { workflowId: started[0]!.workflowId, runId: started[0]!.runId };
          }),
      );

      const bareQueue = `bench-throughput-bare-${randomUUID().slice(0, 8)}`;
      const activities = restoreSide.activitiesPerWorkflow;
      const localActivities = restoreSide.localActivitiesPerWorkflow;
      const bareSide = await withWorker(
        context,
        { taskQueue: bareQueue, bundle: 'reference', api: bench.api, workerOptions: WORKER_OPTIONS },
        () =>
          measureSide(
            context,
            bareQueue,
            n,
            `${n} bare workflows of ${localActivities} local + ${activities} no-op activities`,
            async () => {
              const handles = await inBatches(
                Array.from({ length: n }, (_, i) => i),
                START_CONCURRENCY,
                (i) =>
                  context.client.workflow.start('noopActivities', {
                    taskQueue: bareQueue,
                    workflowId: `${bareQueue}-${i}`,
                    args: [activities, localActivities],
                  }),
              );
              return { workflowId: handles[0]!.workflowId, runId: handles[0]!.firstExecutionRunId };
            },
          ),
      );

      const jobs = bench.sim.control.state().restoreJobs.length;
      // Every HTTP request the restores made, Digest challenges (401) included: the simulator shares the
      // machine, so each one is CPU the bare side does not spend.
      const counts = bench.sim.control.requests().counts;
      const httpPerRestore = counts.total / n;
      const challengesPerRestore = (counts.byStatus['401'] ?? 0) / n;
      const table = formatTable(
        `Throughput, ${n} workflows started at once (jobs finish immediately), one in-process worker`,
        [
          'workload',
          'completed',
          'seconds',
          'per second',
          'activities each',
          'local each',
          'events each',
          'actions each',
          'CPU ms each: bench process',
          'dev server',
        ],
        [
          [
            'restores (restoreSnapshot via the restore client)',
            restoreSide.completed,
            restoreSide.seconds,
            restoreSide.perSecond,
            restoreSide.activitiesPerWorkflow,
            restoreSide.localActivitiesPerWorkflow,
            restoreSide.historyEventsPerWorkflow,
            restoreSide.actionsPerWorkflow,
            restoreSide.cpuMsEach.thisProcess,
            restoreSide.cpuMsEach.server,
          ],
          [
            'bare workflows (same numbers of no-op local and regular activities)',
            bareSide.completed,
            bareSide.seconds,
            bareSide.perSecond,
            bareSide.activitiesPerWorkflow,
            bareSide.localActivitiesPerWorkflow,
            bareSide.historyEventsPerWorkflow,
            bareSide.actionsPerWorkflow,
            bareSide.cpuMsEach.thisProcess,
            bareSide.cpuMsEach.server,
          ],
        ],
      );
      const ok = restoreSide.completed === n && bareSide.completed === n && jobs === n;
      return {
        settings: {
          n,
          restoresPerProject: RESTORES_PER_PROJECT,
          startConcurrency: START_CONCURRENCY,
          worker: WORKER_OPTIONS,
          simulatorTimeScale: 1,
          jobDurationMs: 0,
        },
        results: {
          restores: restoreSide,
          bare: bareSide,
          ratio: ratio(restoreSide.perSecond, bareSide.perSecond),
          cpuRatio: cpuTotal(bareSide) / cpuTotal(restoreSide),
          atlasRestoreJobs: jobs,
          atlasRequestsPerRestore: httpPerRestore,
          digestChallengesPerRestore: challengesPerRestore,
          atlasRequestsByRoute: counts.byRouteAndStatus,
        },
        tables: [table],
        notes: [
          `restores/s ÷ bare workflows/s = ${ratio(restoreSide.perSecond, bareSide.perSecond)?.toFixed(2)} (goal ≥ 0.8); Atlas restore jobs created: ${jobs} for ${n} restores`,
          `CPU per workflow, bench process + dev server: restores ${cpuTotal(restoreSide).toFixed(1)} ms, bare ${cpuTotal(bareSide).toFixed(1)} ms, bare ÷ restores = ${(cpuTotal(bareSide) / cpuTotal(restoreSide)).toFixed(2)} (steadier than the wall-clock ratio on a machine both sides saturate)`,
          `Atlas HTTP requests per restore: ${httpPerRestore.toFixed(1)}, of which Digest challenges (401): ${challengesPerRestore.toFixed(1)}`,
        ],
        ok,
      };
    } finally {
      await bench.close();
    }
  },
};
