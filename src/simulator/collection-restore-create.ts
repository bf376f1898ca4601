import { collectionRestoreJobCreateSchema } from '../atlas/schemas';
import { collectionNameSchema, databaseNameSchema } from '../common/validation';
import { isoSeconds } from './clock';
import { collectionRestoreStatus, TERMINAL_STATES } from './collection-restores';
import { collectionRestorePlan } from './data/content';
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
 * The create rules of collection restore jobs (docs/atlas.md#collection-restore-requests): the body, the
 * source snapshot or point in time, the target, renames that make valid names, and one restore into a
 * cluster at a time. What happens to a job once created is `collection-restores.ts`.
 */

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
    if (!TERMINAL_STATES.includes(phase.state)) return { id: job.id, what: 'collection restore job' };
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
  const scenario = nextScenario(
    world,
    settings.defaultDurationMs,
    { groupId: targetGroupId, name: targetClusterName },
    'collectionRestoreJob',
  );
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
