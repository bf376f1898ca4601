/**
 * The real `atlas-restore worker` as a child process, configured by environment variables, with its CPU
 * and memory read from Linux /proc: what the scale and drill benchmarks measure.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnWorker, waitForPoller } from '../../test/reliability/worker-process';
import type { BenchContext } from './context';

export interface ProcSample {
  cpuSeconds: number;
  rssMiB: number;
  peakRssMiB: number;
}

/** USER_HZ: /proc reports CPU time in these ticks; 100 on Linux. */
const CLOCK_TICKS = 100;

/** CPU (user + system) and memory of one process, from Linux /proc. */
export function sampleProcess(pid: number): ProcSample | undefined {
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

/**
 * The worker settings the README recommends for a worker holding thousands of restores: a small workflow
 * cache (a waiting restore has a task only when its job changes) and a capped V8 heap, so the garbage
 * collector works before RSS grows. `BENCH_WORKER_CACHE` / `BENCH_WORKER_NODE_OPTIONS` override them for
 * experiments (`BENCH_WORKER_NODE_OPTIONS=` measures without a heap cap).
 */
export function recommendedWorkerSettings(restores: number): Record<string, string> {
  return {
    // Every restore in the restoring phase holds an activity slot while its job runs.
    WORKER_MAX_CONCURRENT_ACTIVITIES: String(Math.max(5_000, restores + 100)),
    WORKER_MAX_CACHED_WORKFLOWS: process.env.BENCH_WORKER_CACHE ?? '20',
    NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS ?? heapCapFor(restores),
    LOG_LEVEL: 'WARN',
  };
}

/** The README's rule of thumb: 96 MiB of old space plus 64 KiB per restore in flight. */
export function heapCapFor(restores: number): string {
  return `--max-old-space-size=${96 + Math.ceil((restores * 64) / 1024)}`;
}

export interface MeasuredWorker {
  pid: number;
  taskQueue: string;
  /** CPU and memory now. */
  sample(): ProcSample;
  /** The highest RSS seen (sampled each second, and the kernel's own high-water mark). */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/** Starts a worker on a fresh task queue of the bench's server and waits until it polls. */
export async function startMeasuredWorker(
  context: BenchContext,
  atlas: { url: string; credentials: { publicKey: string; privateKey: string } },
  settings: Record<string, string>,
  queuePrefix: string,
): Promise<MeasuredWorker> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bench-'));
  const taskQueue = `${queuePrefix}-${randomUUID().slice(0, 8)}`;
  const bundlePath = path.join(scratch, 'workflow-bundle.js');
  writeFileSync(bundlePath, (await context.bundle('production')).code);
  const worker = spawnWorker({
    TEMPORAL_ADDRESS: context.server.address,
    TEMPORAL_NAMESPACE: context.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ATLAS_BASE_URL: atlas.url,
    ATLAS_PUBLIC_KEY: atlas.credentials.publicKey,
    ATLAS_PRIVATE_KEY: atlas.credentials.privateKey,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    ...settings,
  });
  const pid = worker.pid;
  let peakSampled = 0;
  const sampler = setInterval(() => {
    const s = sampleProcess(pid);
    if (s) peakSampled = Math.max(peakSampled, s.rssMiB);
  }, 1_000);
  const stop = async () => {
    clearInterval(sampler);
    await worker.stop(60_000);
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await waitForPoller(context.client, context.namespace, taskQueue, worker);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid,
    taskQueue,
    sample: () => {
      const s = sampleProcess(pid);
      if (!s) throw new Error(`worker ${pid} is gone:\n${worker.output().slice(-4000)}`);
      return s;
    },
    peakRssMiB: () => Math.max(peakSampled, sampleProcess(pid)?.peakRssMiB ?? 0),
    stop,
  };
}

/** Atlas restore jobs beyond the first per target: each one a restore submitted twice. */
export function duplicateJobs(jobs: Record<string, unknown>[]): number {
  const perTarget = new Map<string, number>();
  for (const job of jobs) {
    const key = `${String(job.targetGroupId)}/${String(job.targetClusterName)}`;
    perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
  }
  return [...perTarget.values()].reduce((sum, c) => sum + Math.max(0, c - 1), 0);
}

/** Atlas API calls the simulator answered, by route: every request it could name (not 401 challenges). */
export function atlasCalls(byRoute: Record<string, number>): number {
  return Object.entries(byRoute)
    .filter(([route]) => route !== 'unknown')
    .reduce((sum, [, count]) => sum + count, 0);
}
