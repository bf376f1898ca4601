/**
 * Scale: N restores in flight at once on ONE worker process (the real `atlas-restore worker`, as a child
 * process configured by environment variables), with Atlas jobs lasting a few simulated minutes and the
 * product's default polling (5 s, doubling to 60 s). Flags:
 *   --n=N[,N...]       restores in flight, one run per size (default 1000,5000; 100 with --quick)
 *   --job-minutes=M    how long each Atlas job runs (default 3; 1 with --quick), simulator at real speed
 *
 * Reports: all finished, duplicate jobs, the worker's peak RSS and CPU seconds per restore (measured from
 * /proc, after the worker is ready), Atlas API calls per restore against the minimum.
 */
import { createRestoreClient } from '../src/client';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { formatTable, ratio } from './lib/report';
import { diffActions, totalActions } from './lib/server-metrics';
import { benchSeed, restorePairs, startBenchSimulator } from './lib/stack';
import { inBatches, waitForQueueDrained } from './lib/batch';
import {
  atlasCalls,
  duplicateJobs,
  recommendedWorkerSettings,
  startMeasuredWorker,
} from './lib/measured-worker';

/**
 * The fewest Atlas calls a restore of a given snapshot can make when continuous backup is already on:
 * read the source and the target (preflight), get the snapshot, list restore jobs (the exactly-once
 * check), create the job, and one poll that finds it finished.
 */
export const MINIMUM_CALLS = [
  'getServerless (source)',
  'getServerless (target)',
  'getServerlessSnapshot',
  'listRestoreJobs',
  'createRestoreJob',
  'getRestoreJob',
];
const RESTORES_PER_PROJECT = 20;
const START_CONCURRENCY = 50;

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description:
    '1,000 and 5,000 restores in flight at once on one worker process: correctness, memory, CPU, Atlas calls',
  flags: ['n', 'job-minutes'],
  async run(context: BenchContext, flags: BenchFlags) {
    const sizes = flags.numbers('n', [1000, 5000], [100]).map(Math.round);
    const jobMinutes = flags.number('job-minutes', 3, 1);
    const runs = [];
    for (const n of sizes) runs.push(await runScale(context, n, jobMinutes));
    return {
      settings: { sizes, ...runs[0]!.settings },
      results: Object.fromEntries(runs.map((r) => [String(r.settings.n), r.results])),
      tables: runs.map((r) => r.table),
      ok: runs.every((r) => r.ok),
    };
  },
};

async function runScale(context: BenchContext, n: number, jobMinutes: number) {
  const projects = Math.ceil(n / RESTORES_PER_PROJECT);
  const bench = await startBenchSimulator({
    timeScale: 1,
    restoreJobDurationMs: jobMinutes * 60_000,
    seed: benchSeed(projects, RESTORES_PER_PROJECT),
  });
  const workerSettings = recommendedWorkerSettings(n);
  const worker = await startMeasuredWorker(context, bench.sim, workerSettings, 'bench-scale');
  const { pid, taskQueue } = worker;
  try {
    const ready = worker.sample();
    console.log(
      `  worker ready (pid ${pid}, RSS ${ready.rssMiB.toFixed(0)} MiB); ${n} restores, jobs of ${jobMinutes} min...`,
    );
    const pairs = restorePairs(bench.sim, n);
    const restores = createRestoreClient({ client: context.client, taskQueue });
    bench.sim.control.clearRequests();
    const before = await context.actions();
    const t0 = Date.now();
    await inBatches(pairs, START_CONCURRENCY, (pair) =>
      restores.startRestore({
        source: pair.source,
        snapshot: { snapshotId: pair.snapshotId },
        target: pair.target,
      }),
    );
    const startSeconds = (Date.now() - t0) / 1000;
    console.log(`  all started in ${startSeconds.toFixed(1)} s; waiting for them to finish...`);
    const drained = await waitForQueueDrained(context.client, taskQueue, n, (jobMinutes + 15) * 60_000);
    const done = worker.sample();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await context.actions();
    const actions = before && after ? diffActions(after, before) : undefined;

    const counts = bench.sim.control.requests().counts;
    const apiCalls = atlasCalls(counts.byRoute);
    const jobs = bench.sim.control.state().restoreJobs;
    const duplicates = duplicateJobs(jobs);
    const unfinishedJobs = jobs.filter((job) => job.state !== 'finished').length;
    const cpuSeconds = done.cpuSeconds - ready.cpuSeconds;
    const wallSeconds = (drained.lastCloseMs - t0) / 1000;
    const perRestoreCalls = apiCalls / n;
    const results = {
      restores: n,
      completed: drained.completed,
      notCompleted: drained.other,
      atlasJobs: jobs.length,
      duplicateJobs: duplicates,
      unfinishedJobs,
      startSeconds,
      wallSeconds,
      worker: {
        readyRssMiB: ready.rssMiB,
        peakRssMiB: worker.peakRssMiB(),
        cpuSecondsTotal: cpuSeconds,
        cpuSecondsPerRestore: cpuSeconds / n,
        cpuUtilisation: cpuSeconds / wallSeconds,
      },
      apiCalls: {
        total: apiCalls,
        perRestore: perRestoreCalls,
        minimumPerRestore: MINIMUM_CALLS.length,
        minimumCalls: MINIMUM_CALLS,
        ratioToMinimum: ratio(perRestoreCalls, MINIMUM_CALLS.length),
        byRoute: counts.byRoute,
        byStatus: counts.byStatus,
      },
      ...(actions ? { actions, actionsPerRestore: totalActions(actions) / n } : {}),
    };
    const table = formatTable(
      `Scale: ${n} restores at once on one worker process, jobs of ${jobMinutes} min, default polling (5 s doubling to 60 s)`,
      ['metric', 'value'],
      [
        ['restores completed', `${drained.completed} / ${n}`],
        ['Atlas jobs created (duplicates)', `${jobs.length} (${duplicates})`],
        ['all started after (s)', startSeconds],
        ['all finished after (s)', wallSeconds],
        ['worker RSS when ready (MiB)', ready.rssMiB],
        [
          `worker settings`,
          `cache ${workerSettings.WORKER_MAX_CACHED_WORKFLOWS}, ${workerSettings.NODE_OPTIONS || 'no heap cap'}`,
        ],
        ['worker peak RSS (MiB; goal ≤ 512 for 1,000)', results.worker.peakRssMiB],
        ['worker CPU seconds per restore', results.worker.cpuSecondsPerRestore],
        ['worker CPU use (cores)', results.worker.cpuUtilisation],
        ['Atlas API calls per restore', perRestoreCalls],
        ['minimum (read source, target, snapshot; list jobs, create, one poll)', MINIMUM_CALLS.length],
        ['calls / minimum', results.apiCalls.ratioToMinimum],
        ['Atlas 429 answers', counts.byStatus['429'] ?? 0],
        ['billable actions per restore', results.actionsPerRestore],
      ],
    );
    return {
      settings: {
        n,
        jobMinutes,
        restoresPerProject: RESTORES_PER_PROJECT,
        startConcurrency: START_CONCURRENCY,
        worker: workerSettings,
        polling: 'request defaults (5s initial, 60s max)',
        simulatorTimeScale: 1,
      },
      results,
      table,
      ok: drained.completed === n && duplicates === 0 && jobs.length === n && unfinishedJobs === 0,
    };
  } finally {
    await worker.stop();
    await bench.close();
  }
}
