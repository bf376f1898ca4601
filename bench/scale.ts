/**
 * Scale: N restores in flight at once on ONE worker process (the real `atlas-restore worker`, as a child
 * process configured by environment variables), with Atlas jobs lasting a few simulated minutes and the
 * product's default polling (5 s, doubling to 60 s). Flags:
 *   --n=N              restores (default 1000; 100 with --quick)
 *   --job-minutes=M    how long each Atlas job runs (default 3; 1 with --quick), simulator at real speed
 *
 * Reports: all finished, duplicate jobs, the worker's peak RSS and CPU seconds per restore (measured from
 * /proc, after the worker is ready), Atlas API calls per restore against the minimum.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRestoreClient } from '../src/client';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { formatTable, ratio } from './lib/report';
import { diffActions, totalActions } from './lib/server-metrics';
import { benchSeed, restorePairs, startBenchSimulator } from './lib/stack';
import { inBatches, waitForQueueDrained } from './lib/batch';
import { spawnWorker, waitForPoller } from '../test/reliability/worker-process';

/**
 * The fewest Atlas calls a restore of a given snapshot can make when continuous backup is already on:
 * get the deployment, get the snapshot, list restore jobs (the exactly-once check), create the job, and one
 * poll that finds it finished.
 */
const MINIMUM_CALLS = [
  'getServerless',
  'getServerlessSnapshot',
  'listRestoreJobs',
  'createRestoreJob',
  'getRestoreJob',
];
const RESTORES_PER_PROJECT = 20;
const START_CONCURRENCY = 50;

interface ProcSample {
  cpuSeconds: number;
  rssMiB: number;
  peakRssMiB: number;
}

/** USER_HZ: /proc reports CPU time in these ticks; 100 on Linux. */
const CLOCK_TICKS = 100;

/** CPU (user + system) and memory of one process, from Linux /proc. */
function sampleProcess(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { cpuSeconds, rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

export const scaleBenchmark: Benchmark = {
  name: 'scale',
  description:
    '1,000 restores in flight at once on one worker process: correctness, memory, CPU, Atlas calls',
  flags: ['n', 'job-minutes'],
  async run(context: BenchContext, flags: BenchFlags) {
    const n = Math.round(flags.number('n', 1000, 100));
    const jobMinutes = flags.number('job-minutes', 3, 1);
    const projects = Math.ceil(n / RESTORES_PER_PROJECT);
    const bench = await startBenchSimulator({
      timeScale: 1,
      restoreJobDurationMs: jobMinutes * 60_000,
      seed: benchSeed(projects, RESTORES_PER_PROJECT),
    });
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bench-'));
    const taskQueue = `bench-scale-${randomUUID().slice(0, 8)}`;
    const bundlePath = path.join(scratch, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await context.bundle('production')).code);
    const workerSettings: Record<string, string> = {
      // Every restore in the restoring phase holds an activity slot while its job runs.
      WORKER_MAX_CONCURRENT_ACTIVITIES: String(Math.max(5_000, n + 100)),
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
      LOG_LEVEL: 'WARN',
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      ...(process.env.BENCH_WORKER_CACHE ? { WORKER_MAX_CACHED_WORKFLOWS: process.env.BENCH_WORKER_CACHE } : {}),
    };
    const worker = spawnWorker({
      TEMPORAL_ADDRESS: context.server.address,
      TEMPORAL_NAMESPACE: context.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ATLAS_BASE_URL: bench.sim.url,
      ATLAS_PUBLIC_KEY: bench.sim.credentials.publicKey,
      ATLAS_PRIVATE_KEY: bench.sim.credentials.privateKey,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      ...workerSettings,
    });
    const pid = worker.pid!;
    let peakSampled = 0;
    const sampler = setInterval(() => {
      const s = sampleProcess(pid);
      if (s) peakSampled = Math.max(peakSampled, s.rssMiB);
    }, 1_000);
    try {
      await waitForPoller(context.client, context.namespace, taskQueue, worker);
      const ready = sampleProcess(pid)!;
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
      const done = sampleProcess(pid)!;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const after = await context.actions();
      const actions = before && after ? diffActions(after, before) : undefined;

      const counts = bench.sim.control.requests().counts;
      const apiCalls = Object.entries(counts.byRoute)
        .filter(([route]) => route !== 'unknown')
        .reduce((sum, [, count]) => sum + count, 0);
      const jobs = bench.sim.control.state().restoreJobs;
      const perTarget = new Map<string, number>();
      for (const job of jobs) {
        const key = `${String(job.targetGroupId)}/${String(job.targetClusterName)}`;
        perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
      }
      const duplicates = [...perTarget.values()].reduce((sum, c) => sum + Math.max(0, c - 1), 0);
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
          peakRssMiB: Math.max(done.peakRssMiB, peakSampled),
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
          ['worker peak RSS (MiB)', results.worker.peakRssMiB],
          ['worker CPU seconds per restore', results.worker.cpuSecondsPerRestore],
          ['worker CPU use (cores)', results.worker.cpuUtilisation],
          ['Atlas API calls per restore', perRestoreCalls],
          [`minimum (${MINIMUM_CALLS.join(' + ')})`, MINIMUM_CALLS.length],
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
        tables: [table],
        ok: drained.completed === n && duplicates === 0 && jobs.length === n && unfinishedJobs === 0,
      };
    } finally {
      clearInterval(sampler);
      await worker.stop(60_000);
      await bench.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
