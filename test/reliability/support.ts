/**
 * What the reliability files share: a simulator world with one source and one target per restore (so a
 * request path belongs to exactly one restore), the production workflow bundle as a file for worker
 * processes, waiting for many restores, counting duplicate Atlas jobs and printing the summary line.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { RestoreClient, RestoreOutcome, StartedRestore } from '../../src/client';
import type { RestoreRequestInput } from '../../src/common/restore-request';
import type { RunningSimulator, SeedData } from '../../src/simulator';
import { mulberry32 } from '../../src/simulator/ids';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { installTestRuntime, workflowBundle } from '../harness';

/** The default seed's creation second (2024-05-01): deployments created then have a snapshot history. */
const CREATED = '66320490';

export function objectId(): string {
  return CREATED + randomBytes(8).toString('hex');
}

export interface RestoreSlot {
  groupId: string;
  source: string;
  target: string;
}

/**
 * `count` restores in one project, each from its own source into its own target. `continuousBackupOff`
 * picks the sources that start with continuous backup off (their restores PATCH and wait for IDLE first).
 */
export function reliabilityWorld(
  count: number,
  continuousBackupOff: (index: number) => boolean = () => false,
): {
  seed: SeedData;
  slots: RestoreSlot[];
} {
  const groupId = objectId();
  const seed: Required<Pick<SeedData, 'projects' | 'serverless'>> = {
    projects: [{ id: groupId, name: 'reliability' }],
    serverless: [],
  };
  const slots: RestoreSlot[] = [];
  for (let i = 0; i < count; i++) {
    const slot = { groupId, source: `source-${i}`, target: `target-${i}` };
    seed.serverless.push({
      id: objectId(),
      groupId,
      name: slot.source,
      continuousBackup: !continuousBackupOff(i),
    });
    seed.serverless.push({ id: objectId(), groupId, name: slot.target });
    slots.push(slot);
  }
  return { seed, slots };
}

export function restoreRequest(
  slot: RestoreSlot,
  extra: Partial<RestoreRequestInput> = {},
): RestoreRequestInput {
  return {
    source: { kind: 'serverless', groupId: slot.groupId, name: slot.source },
    snapshot: { latest: true },
    target: { groupId: slot.groupId, name: slot.target },
    // A killed worker's wait moves to another after 20 s (the default, 10 m, trades failover for Actions).
    polling: { initialInterval: '1s', maxInterval: '2s', failoverAfter: '20s' },
    deadline: '2h',
    ...extra,
  };
}

/** The production bundle as a file a worker process can load (the test runner's, or one written here). */
export async function workflowBundleFile(): Promise<string> {
  if (process.env.WORKFLOW_BUNDLE_PATH) return process.env.WORKFLOW_BUNDLE_PATH;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bundle-'));
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, (await workflowBundle()).code);
  return file;
}

type SimulatedRestoreJob = ReturnType<RunningSimulator['control']['state']>['restoreJobs'][number];

/**
 * Atlas restore jobs beyond the first per key (by default the target): each restore must create exactly
 * one. A suite whose restores reuse targets one after another keys by something each restore has alone.
 */
export function duplicateJobs(
  sim: RunningSimulator,
  keyOf: (job: SimulatedRestoreJob) => string = (job) => String(job.targetClusterName),
): { jobs: number; duplicates: number } {
  const perKey = new Map<string, number>();
  const jobs = sim.control.state().restoreJobs;
  for (const job of jobs) perKey.set(keyOf(job), (perKey.get(keyOf(job)) ?? 0) + 1);
  const duplicates = [...perKey.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  return { jobs: jobs.length, duplicates };
}

/** Every restore's outcome, waiting at most `timeoutMs` in all. */
export async function outcomesOf(
  restores: RestoreClient,
  started: StartedRestore[],
  timeoutMs: number,
): Promise<RestoreOutcome[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  // One listener per restore on the same signal is intended, not a leak.
  setMaxListeners(0, signal);
  return Promise.all(started.map((s) => restores.waitForRestore(s.workflowId, { signal })));
}

export interface SummaryCounts {
  restores: number;
  faults: number | string;
  duplicates: number;
  lost: number;
  [extra: string]: number | string;
}

/** The one line each reliability file prints, so a CI log shows the counts without reading assertions. */
export function printSummary(name: string, counts: SummaryCounts): void {
  const parts = Object.entries(counts).map(([key, value]) => `${key}=${value}`);
  console.log(`[reliability] ${name}: ${parts.join(' ')}`);
}

/** Seed of the random choices (kill times, faults); RELIABILITY_SEED=n repeats a failing run. */
export function reliabilitySeed(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && process.env.RELIABILITY_SEED !== '' ? fromEnv : 2026;
}

/** A seeded generator in [0, 1) (the simulator's mulberry32). */
export function seededRandom(seed: number): () => number {
  return mulberry32(seed);
}

/**
 * A count scaled by RELIABILITY_SCALE (default 1, the sizes): e.g. 0.2 for a quick local run.
 * Never below `min`, so every scenario still happens.
 */
export function scaled(count: number, min = 1): number {
  const factor = Number(process.env.RELIABILITY_SCALE ?? '1');
  return Math.max(min, Math.round(count * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/** Closes `close` after the file's tests, whatever happened. */
export function closeAfter(close: () => Promise<unknown>): void {
  after(async () => {
    await close();
  });
}

/**
 * The SDK runtime for files whose workers fail workflows and retry calls on purpose: the SDK logs each at
 * WARN ("Workflow failed", core's retried gRPC calls), which would bury the summary lines. Errors still
 * print. The runtime is one per process and must exist before any connection, so call this first.
 */
export function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
    });
  } catch {
    // Installed already in this process: keep it.
  }
  installTestRuntime();
}
