import { isoSeconds } from './clock';
import { collectionRestorePlan, type CollectionRestorePlan } from './data/content';
import type { CollectionRestoreJobRecord, World } from './state';

/**
 * Collection- and database-level restore jobs of dedicated clusters (docs/atlas.md#collection-and-database-restores):
 * the state machine over simulated time and the wire shapes; the create rules are in
 * `collection-restore-create.ts`. What a job restores (its plan) comes from the content model
 * (`data/content.ts`), which also writes a successful job's namespaces into the target when it ends.
 */

/** Share of a job's duration spent INITIALIZING, and the point FINALIZING starts (README, "Collection restores"). */
const INITIALIZING_UNTIL = 0.05;
const FINALIZING_FROM = 0.9;
/** Until this share of the duration, `totalDocuments` is an estimate: the exact total rounded up to a thousand. */
const ESTIMATE_UNTIL = 0.5;
/** A `never` job keeps copying up to this share of its documents, and stays IN_PROGRESS. */
const NEVER_COPIES = 0.9;

export type CollectionRestoreAtlasState =
  'INITIALIZING' | 'IN_PROGRESS' | 'FINALIZING' | 'SUCCESSFUL' | 'CANCELED' | 'FAILED';

export interface CollectionRestoreEntryState {
  sourceNamespace: string;
  targetNamespace: string;
  state: string;
  restoredDocuments: number;
  totalDocuments: number;
}

export interface CollectionRestorePhase {
  state: CollectionRestoreAtlasState;
  restoredDocuments: number;
  /** As Atlas reports it: an estimate early on. */
  totalDocuments: number;
  /** Per collection; empty while INITIALIZING, as Atlas documents it. */
  entries: CollectionRestoreEntryState[];
  endMs?: number;
  errorMessage?: string;
}

const estimate = (total: number) => Math.ceil(total / 1000) * 1000;

/**
 * Where a job stands at `nowMs`. A plan that cannot run (a namespace the snapshot lacks, a CREATE_NEW target
 * that exists) fails the job when INITIALIZING ends; otherwise it copies its collections one after another,
 * `restoredDocuments` growing linearly, finalizes, and ends as its scenario says.
 */
export function collectionRestorePhase(
  job: CollectionRestoreJobRecord,
  plan: CollectionRestorePlan,
  nowMs: number,
): CollectionRestorePhase {
  const duration = job.durationMs;
  const elapsed = nowMs - job.createdMs;
  const total = plan.entries.reduce((sum, entry) => sum + entry.documents, 0);
  const initializedAt = job.createdMs + duration * INITIALIZING_UNTIL;
  const endMs = job.createdMs + duration;
  const reportedTotal = elapsed < duration * ESTIMATE_UNTIL ? estimate(total) : total;
  const entries = (state: (index: number) => string, restored: (index: number) => number) =>
    plan.entries.map((entry, i) => ({
      sourceNamespace: entry.sourceNamespace,
      targetNamespace: entry.targetNamespace,
      state: state(i),
      restoredDocuments: restored(i),
      totalDocuments: entry.documents,
    }));

  if (nowMs < initializedAt)
    return { state: 'INITIALIZING', restoredDocuments: 0, totalDocuments: reportedTotal, entries: [] };
  if (plan.failure !== undefined) {
    return {
      state: 'FAILED',
      restoredDocuments: 0,
      totalDocuments: total,
      entries: entries(
        (i) => {
          const problem = plan.entries[i]!.problem;
          return problem === 'NOT_FOUND'
            ? 'NOT_FOUND'
            : problem === 'TARGET_EXISTS'
              ? 'FAILED'
              : 'NOT_RESTORED';
        },
        () => 0,
      ),
      endMs: initializedAt,
      errorMessage: plan.failure,
    };
  }
  if (nowMs >= endMs && job.outcome !== 'never') {
    if (job.outcome === 'finished')
      return {
        state: 'SUCCESSFUL',
        restoredDocuments: total,
        totalDocuments: total,
        entries: entries(
          () => 'SUCCESSFUL',
          (i) => plan.entries[i]!.documents,
        ),
        endMs,
      };
    const cancelled = job.outcome === 'cancelled';
    return {
      state: cancelled ? 'CANCELED' : 'FAILED',
      restoredDocuments: 0,
      totalDocuments: total,
      entries: entries(
        (i) => (cancelled || i > 0 ? 'NOT_RESTORED' : 'FAILED'),
        () => 0,
      ),
      endMs,
      errorMessage: cancelled
        ? 'Restore job was canceled (simulator scenario)'
        : `Restore failed: ${plan.entries[0]?.sourceNamespace ?? 'the job'} could not be restored (simulator scenario)`,
    };
  }
  if (elapsed >= duration * FINALIZING_FROM && job.outcome !== 'never')
    return {
      state: 'FINALIZING',
      restoredDocuments: total,
      totalDocuments: total,
      entries: entries(
        () => 'FINALIZING',
        (i) => plan.entries[i]!.documents,
      ),
    };
  const copyTime = duration * (FINALIZING_FROM - INITIALIZING_UNTIL);
  let copied = copyTime > 0 ? Math.min(1, (elapsed - duration * INITIALIZING_UNTIL) / copyTime) : 1;
  if (job.outcome === 'never') copied = Math.min(copied, NEVER_COPIES);
  const restored = Math.floor(total * copied);
  // Collections are copied one after another, in the order of the plan.
  const starts: number[] = [];
  plan.entries.reduce((start, entry) => (starts.push(start), start + entry.documents), 0);
  const restoredOf = (i: number) => Math.max(0, Math.min(plan.entries[i]!.documents, restored - starts[i]!));
  return {
    state: 'IN_PROGRESS',
    restoredDocuments: restored,
    totalDocuments: reportedTotal,
    entries: entries((i) => {
      const done = restoredOf(i);
      if (done >= plan.entries[i]!.documents && restored >= starts[i]!) return 'FINALIZING';
      return done > 0 ? 'IN_PROGRESS' : 'NOT_STARTED';
    }, restoredOf),
  };
}

/** The job and where it stands, both read from the world at `nowMs`. */
export function collectionRestoreStatus(world: World, job: CollectionRestoreJobRecord, nowMs: number) {
  const plan = collectionRestorePlan(world, job);
  return { plan, phase: collectionRestorePhase(job, plan, nowMs) };
}

export const TERMINAL_STATES: readonly CollectionRestoreAtlasState[] = ['SUCCESSFUL', 'CANCELED', 'FAILED'];

/** Index builds as Atlas reports them, for the job and for one collection. */
function indexState(job: CollectionRestoreJobRecord, state: string): string {
  if (job.indexStrategy === 'NONE') return 'NOT_RESTORED';
  switch (state) {
    case 'SUCCESSFUL':
      return 'SUCCESSFUL';
    case 'FINALIZING':
    case 'IN_PROGRESS':
      return 'IN_PROGRESS';
    case 'INITIALIZING':
    case 'NOT_STARTED':
      return 'NOT_STARTED';
    default:
      return 'NOT_RESTORED';
  }
}

const echo = (entries: CollectionRestoreJobRecord['databases']) =>
  entries.map((e) => ({
    sourceNamespace: e.sourceNamespace,
    targetNamespace: e.targetNamespace ?? e.sourceNamespace,
  }));

/**
 * `ApiAtlasCollectionRestoreJobResponse`, keys in Atlas' (alphabetical) order, as the spec's example shows
 * it: empty suffixes as "", unnamed targets as the source's name; no links.
 */
export function collectionRestoreJobView(job: CollectionRestoreJobRecord, phase: CollectionRestorePhase) {
  const ended = TERMINAL_STATES.includes(phase.state) && phase.endMs !== undefined;
  return {
    collectionSuffix: job.collectionSuffix ?? '',
    collections: echo(job.collections),
    createdAt: isoSeconds(job.createdMs),
    databaseSuffix: job.databaseSuffix ?? '',
    databases: echo(job.databases),
    ...(phase.errorMessage ? { errorMessage: phase.errorMessage } : {}),
    ...(ended ? { finishedAt: isoSeconds(phase.endMs!) } : {}),
    id: job.id,
    indexStatus: { failedCollectionCount: 0, state: indexState(job, phase.state) },
    indexStrategy: job.indexStrategy,
    ...(job.oplogInc !== undefined ? { oplogInc: job.oplogInc } : {}),
    ...(job.oplogTs !== undefined ? { oplogTs: job.oplogTs } : {}),
    ...(job.pointInTimeUtcSeconds !== undefined ? { pointInTimeUtcSeconds: job.pointInTimeUtcSeconds } : {}),
    restoredDocuments: phase.restoredDocuments,
    ...(job.snapshotId ? { snapshotId: job.snapshotId } : {}),
    state: phase.state,
    targetClusterName: job.targetClusterName,
    targetGroupId: job.targetGroupId,
    totalDocuments: phase.totalDocuments,
    writeStrategy: job.writeStrategy,
  };
}

/** `ApiAtlasCollectionRestoreCollectionStateResponse`. */
export function collectionRestoreEntryView(
  job: CollectionRestoreJobRecord,
  entry: CollectionRestoreEntryState,
) {
  return {
    effectiveTargetNamespace: entry.targetNamespace,
    indexStatus: { state: indexState(job, entry.state) },
    restoredDocuments: entry.restoredDocuments,
    sourceNamespace: entry.sourceNamespace,
    state: entry.state,
    targetNamespace: entry.targetNamespace,
    totalDocuments: entry.totalDocuments,
  };
}
