/**
 * Drill: one restore drill of N restores over P projects on ONE worker process (the real
 * `atlas-restore worker`, as a child process), Atlas jobs of a few simulated minutes at real speed. Flags:
 *   --n=N              restores in the plan (default 1000; 100 with --quick)
 *   --projects=P       projects they spread over, one source and N/P targets each (default 20; 5 with --quick)
 *   --job-minutes=M    how long each Atlas job runs (default 1; 0.5 with --quick)
 *   --total=T          the plan's concurrency.total (default 200; 50 with --quick)
 *
 * Reports: completion, duplicate Atlas jobs, the worker's peak RSS, the drill workflow's history (events
 * over its continue-as-new chain, and of its longest run), Atlas calls per restore against the minimum,
 * and the drill's wall time over its longest single restore, next to the ideal (ceil(N / T) waves).
 */
import { createDrillClient, createRestoreClient } from '../src/client';
import type { DrillPlanInput } from '../src/common/drill-plan';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { countHistory, fetchChain } from './lib/history';
import {
  atlasCalls,
  duplicateJobs,
  recommendedWorkerSettings,
  startMeasuredWorker,
} from './lib/measured-worker';
import { formatTable, ratio } from './lib/report';
import { diffActions, totalActions } from './lib/server-metrics';
import { benchSeed, restorePairs, startBenchSimulator } from './lib/stack';
import { MINIMUM_CALLS } from './scale';

/** A drill picks each restore's snapshot itself: one list of the source's snapshots more than a restore. */
const DRILL_MINIMUM_CALLS = [...MINIMUM_CALLS, 'listServerlessSnapshots (the drill picks the latest)'];

export const drillBenchmark: Benchmark = {
  name: 'drill',
  description: 'a restore drill of 1,000 restores over 20 projects on one worker process',
  flags: ['n', 'projects', 'job-minutes', 'total'],
  async run(context: BenchContext, flags: BenchFlags) {
    const n = Math.round(flags.number('n', 1000, 100));
    const projects = Math.round(flags.number('projects', 20, 5));
    const jobMinutes = flags.number('job-minutes', 1, 0.5);
    const total = Math.min(200, Math.round(flags.number('total', 200, 50)));
    const perProject = Math.min(200, Math.ceil(total / projects));
    const bench = await startBenchSimulator({
      timeScale: 1,
      restoreJobDurationMs: jobMinutes * 60_000,
      seed: benchSeed(projects, Math.ceil(n / projects)),
    });
    const workerSettings = recommendedWorkerSettings(total);
    const worker = await startMeasuredWorker(context, bench.sim, workerSettings, 'bench-drill');
    try {
      const ready = worker.sample();
      const restores = createRestoreClient({ client: context.client, taskQueue: worker.taskQueue });
      const drills = createDrillClient(restores);
      const plan: DrillPlanInput = {
        name: `bench-${n}`,
        concurrency: { total, perProject },
        restores: restorePairs(bench.sim, n).map((pair) => ({
          source: { kind: 'serverless', groupId: pair.source.groupId, name: pair.source.name },
          target: pair.target,
          snapshot: { latest: true },
        })),
      };
      console.log(
        `  worker ready (RSS ${ready.rssMiB.toFixed(0)} MiB); a drill of ${n} restores over ${projects} projects, ${total} at once (${perProject} per project), jobs of ${jobMinutes} min...`,
      );
      bench.sim.control.clearRequests();
      const before = await context.actions();
      const t0 = Date.now();
      const started = await drills.startDrill(plan, { startedBy: 'bench' });
      const info = await drills.waitForDrill(started.drillId);
      const wallSeconds = (Date.now() - t0) / 1000;
      const done = worker.sample();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = await context.actions();
      const actions = before && after ? diffActions(after, before) : undefined;

      const records = info.result?.restores ?? [];
      const finished = records.filter((r) => r.outcome === 'finished').length;
      const durations = records
        .filter((r) => r.startedAt && r.endedAt)
        .map((r) => (Date.parse(r.endedAt!) - Date.parse(r.startedAt!)) / 1000);
      const longestSeconds = Math.max(0, ...durations);
      const idealWaves = Math.ceil(n / total);
      const chain = await fetchChain(context.client, started.drillId, started.runId);
      const history = countHistory(chain);
      const longestRun = Math.max(...chain.map((h) => h.events?.length ?? 0));
      const counts = bench.sim.control.requests().counts;
      const apiCalls = atlasCalls(counts.byRoute);
      const jobs = bench.sim.control.state().restoreJobs;
      const duplicates = duplicateJobs(jobs);
      const results = {
        restores: n,
        finished,
        byOutcome: info.result?.byOutcome ?? {},
        drillStatus: info.executionStatus,
        atlasJobs: jobs.length,
        duplicateJobs: duplicates,
        wallSeconds,
        longestRestoreSeconds: longestSeconds,
        wallOverLongest: ratio(wallSeconds, longestSeconds),
        idealWaves,
        drillHistory: { runs: history.runs, events: history.events, longestRunEvents: longestRun },
        worker: {
          readyRssMiB: ready.rssMiB,
          peakRssMiB: worker.peakRssMiB(),
          cpuSecondsPerRestore: (done.cpuSeconds - ready.cpuSeconds) / n,
        },
        apiCalls: {
          total: apiCalls,
          perRestore: apiCalls / n,
          minimumPerRestore: DRILL_MINIMUM_CALLS.length,
          ratioToMinimum: ratio(apiCalls / n, DRILL_MINIMUM_CALLS.length),
          byRoute: counts.byRoute,
        },
        ...(actions ? { actions, actionsPerRestore: totalActions(actions) / n } : {}),
      };
      const table = formatTable(
        `Drill: ${n} restores over ${projects} projects on one worker process, ${total} at once, jobs of ${jobMinutes} min`,
        ['metric', 'value'],
        [
          ['restores finished', `${finished} / ${n} (drill ${info.executionStatus})`],
          ['Atlas jobs created (duplicates)', `${jobs.length} (${duplicates})`],
          ['drill wall time (s)', wallSeconds],
          ['longest single restore (s)', longestSeconds],
          [`wall / longest (ideal ${idealWaves} waves of ${total})`, results.wallOverLongest],
          ['drill history: runs, events in all', `${history.runs}, ${history.events}`],
          ['drill history: events of its longest run', longestRun],
          [
            'worker settings',
            `cache ${workerSettings.WORKER_MAX_CACHED_WORKFLOWS}, ${workerSettings.NODE_OPTIONS || 'no heap cap'}`,
          ],
          ['worker peak RSS (MiB)', results.worker.peakRssMiB],
          ['worker CPU seconds per restore', results.worker.cpuSecondsPerRestore],
          ['Atlas API calls per restore', results.apiCalls.perRestore],
          ['minimum (the scale minimum + the drill listing snapshots)', DRILL_MINIMUM_CALLS.length],
          ['billable actions per restore', results.actionsPerRestore],
        ],
      );
      return {
        settings: {
          n,
          projects,
          total,
          perProject,
          jobMinutes,
          worker: workerSettings,
          simulatorTimeScale: 1,
        },
        results,
        tables: [table],
        ok: info.executionStatus === 'completed' && finished === n && duplicates === 0 && jobs.length === n,
      };
    } finally {
      await worker.stop();
      await bench.close();
    }
  },
};
