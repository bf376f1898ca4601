import { collectionRestoreJobCreateSchema } from '../atlas/schemas';
import { collectionNameSchema, databaseNameSchema } from '../common/validation';
import { isoSeconds } from './clock';
import { collectionRestorePlan, type CollectionRestorePlan } from './data/content';
import { SimError, errors } from './errors';
import type { CreateJobSettings } from './kinds/types';
import {
  bodyValidationError,
  nextScenario,
  resolveSnapshot,
  restoreJobPhase,
  type SchemaIssue,
} from './restore-jobs';
import { pointInTimeWindow } from './snapshots';
import type { CollectionRestoreJobRecord, DeploymentRecord, World } from './state';

/**
 * Collection- and database-level restore jobs of dedicated clusters (docs/atlas.md#collection-and-database-restores):
 * the create rules, the state machine over simulated time and the wire shapes. What a job restores (its
 * plan) comes from the content model (`data/content.ts`), which also writes a successful job's namespaces
 * into the target when it ends.
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

const TERMINAL: readonly CollectionRestoreAtlasState[] = ['SUCCESSFUL', 'CANCELED', 'FAILED'];

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
  const ended = TERMINAL.includes(phase.state) && phase.endMs !== undefined;
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

/** A collection restore, or a whole-deployment one, still writing into the cluster `name` of `groupId`. */
export function runningRestoreInto(
  world: World,
  groupId: string,
  name: string,
  nowMs: number,
): { id: string; what: string } | undefined {
  for (const job of world.collectionJobs) {
    if (job.targetGroupId !== groupId || job.targetClusterName !== name) continue;
    const { phase } = collectionRestoreStatus(world, job, nowMs);
    if (!TERMINAL.includes(phase.state)) return { id: job.id, what: 'collection restore job' };
  }
  const whole = world.jobs.find(
    (job) =>
      job.deliveryType !== 'download' &&
      job.targetGroupId === groupId &&
      job.targetClusterName === name &&
      restoreJobPhase(job, nowMs).state === 'running',
  );
  return whole ? { id: whole.id, what: 'restore job' } : undefined;
}

/** Target names a request's suffixes produce, checked like the names a request gives (400 naming the field). */
function suffixIssues(request: {
  databases?: { sourceNamespace: string; targetNamespace?: string | null }[] | null;
  collections?: { sourceNamespace: string; targetNamespace?: string | null }[] | null;
  databaseSuffix?: string | null;
  collectionSuffix?: string | null;
}): SchemaIssue[] {
  const issues = new Map<string, SchemaIssue>();
  const check = (value: string, schema: typeof databaseNameSchema, field: string) => {
    const result = schema.safeParse(value);
    if (!result.success)
      issues.set(`${field}|${value}`, {
        path: [field],
        code: 'custom',
        message: `makes ${value}, which ${result.error.issues[0]!.message}`,
      });
  };
  const dbSuffix = request.databaseSuffix ?? '';
  const collSuffix = request.collectionSuffix ?? '';
  for (const entry of request.databases ?? []) {
    if (!entry.targetNamespace && dbSuffix)
      check(`${entry.sourceNamespace}${dbSuffix}`, databaseNameSchema, 'databaseSuffix');
    // The database's collections are known only from the snapshot; a suffix that spoils any name is caught here.
    if (collSuffix) check(`<collection>${collSuffix}`, collectionNameSchema, 'collectionSuffix');
  }
  for (const entry of request.collections ?? []) {
    if (entry.targetNamespace) continue;
    const dot = entry.sourceNamespace.indexOf('.');
    if (dbSuffix)
      check(`${entry.sourceNamespace.slice(0, dot)}${dbSuffix}`, databaseNameSchema, 'databaseSuffix');
    if (collSuffix)
      check(`${entry.sourceNamespace.slice(dot + 1)}${collSuffix}`, collectionNameSchema, 'collectionSuffix');
  }
  return [...issues.values()];
}

/**
 * Validates a create body against the source cluster and the world, and returns the job to store. Body
 * errors name the field (400 VALIDATION_ERROR); the snapshot must be the source's and completed, a point in
 * time inside its window; the target must be a dedicated cluster; and no other restore may be writing into
 * it (409). A namespace the snapshot lacks does not fail the create: the job fails, as Atlas reports it.
 */
export function buildCollectionRestoreJob(
  world: World,
  source: DeploymentRecord,
  body: unknown,
  settings: CreateJobSettings,
): CollectionRestoreJobRecord {
  const parsed = collectionRestoreJobCreateSchema.safeParse(body);
  if (!parsed.success)
    throw bodyValidationError('collection restore job', parsed.error.issues as SchemaIssue[]);
  const request = parsed.data;
  const names = suffixIssues(request);
  if (names.length > 0) throw bodyValidationError('collection restore job', names);
  const { nowMs } = settings;

  let dataAsOfMs: number;
  if (request.snapshotId != null) {
    dataAsOfMs = resolveSnapshot(world, source, request.snapshotId, settings.snapshotsOf).takenMs;
  } else {
    const field = request.pointInTimeUtcSeconds != null ? 'pointInTimeUtcSeconds' : 'oplogTs';
    const seconds = (request.pointInTimeUtcSeconds ?? request.oplogTs)!;
    const window = pointInTimeWindow(source, nowMs, settings.pointInTimeWindowMs);
    if (!window)
      throw new SimError(
        'continuousBackupDisabled',
        `${field}: point-in-time restores need continuous backup on ${source.name}, and it is off.`,
        [field, source.name],
      );
    if (seconds * 1000 < window.fromMs || seconds * 1000 > window.toMs)
      throw new SimError(
        'pointInTimeOutsideWindow',
        `${field}: ${seconds} (${isoSeconds(seconds * 1000)}) is outside the restore window ${isoSeconds(window.fromMs)} to ${isoSeconds(window.toMs)}.`,
        [field, seconds, isoSeconds(window.fromMs), isoSeconds(window.toMs)],
      );
    dataAsOfMs = seconds * 1000;
  }

  const { targetGroupId, targetClusterName } = request;
  if (!world.findProject(targetGroupId)) throw errors.groupNotFound(targetGroupId);
  const target = world.findDeployment(targetGroupId, targetClusterName);
  if (!target) throw errors.clusterNotFound(targetClusterName, targetGroupId);
  if (target.kind === 'flex') throw errors.flexInClusterApi(targetClusterName);
  if (target.kind === 'serverless') throw errors.serverlessInClusterApi(targetClusterName);
  const busy = runningRestoreInto(world, targetGroupId, targetClusterName, nowMs);
  if (busy)
    throw new SimError(
      'targetRestoreInProgress',
      `Cluster restore already in progress: ${busy.what} ${busy.id} is still restoring into ${targetClusterName}; one restore at a time.`,
      [targetClusterName, busy.id],
    );

  const mapping = (
    entries: { sourceNamespace: string; targetNamespace?: string | null }[] | null | undefined,
  ) =>
    (entries ?? []).map((e) => ({
      sourceNamespace: e.sourceNamespace,
      ...(e.targetNamespace ? { targetNamespace: e.targetNamespace } : {}),
    }));
  const scenario = nextScenario(world, settings.defaultDurationMs, 'collectionRestoreJob');
  const job: CollectionRestoreJobRecord = {
    id: world.nextJobId(),
    groupId: source.groupId,
    deploymentId: source.id,
    deploymentName: source.name,
    targetGroupId,
    targetClusterName,
    ...(request.snapshotId != null ? { snapshotId: request.snapshotId } : {}),
    ...(request.pointInTimeUtcSeconds != null
      ? { pointInTimeUtcSeconds: request.pointInTimeUtcSeconds }
      : {}),
    ...(request.oplogTs != null ? { oplogTs: request.oplogTs } : {}),
    ...(request.oplogInc != null ? { oplogInc: request.oplogInc } : {}),
    dataAsOfMs,
    writeStrategy: request.writeStrategy,
    indexStrategy: request.indexStrategy,
    databases: mapping(request.databases),
    collections: mapping(request.collections),
    ...(request.databaseSuffix ? { databaseSuffix: request.databaseSuffix } : {}),
    ...(request.collectionSuffix ? { collectionSuffix: request.collectionSuffix } : {}),
    createdMs: nowMs,
    outcome: scenario.outcome,
    durationMs: scenario.durationMs,
    data: scenario.data,
  };
  duplicateTargets(world, job);
  return job;
}

/** Two namespaces of the snapshot restored onto one target namespace: a 400, nothing stored. */
function duplicateTargets(world: World, job: CollectionRestoreJobRecord): void {
  const seen = new Set<string>();
  for (const entry of collectionRestorePlan(world, job).entries) {
    if (seen.has(entry.targetNamespace))
      throw bodyValidationError('collection restore job', [
        {
          path: ['collections'],
          code: 'custom',
          message: `${entry.targetNamespace} is the target of more than one namespace`,
        },
      ]);
    seen.add(entry.targetNamespace);
  }
}
