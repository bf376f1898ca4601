import { z } from 'zod';
import { flexRestoreJobCreateSchema } from '../../atlas/schemas';
import { objectIdSchema } from '../../common/restore-request';
import { DAY_MS, HOUR_MS, isoSeconds } from '../clock';
import { SimError, errors } from '../errors';
import { hash32, hashHex, objectIdFor, objectIdSeconds } from '../ids';
import {
  bodyValidationError,
  nextScenario,
  resolveSnapshot,
  runningJobInto,
  type RestoreJobPhase,
  type SchemaIssue,
} from '../restore-jobs';
import type { SnapshotState } from '../snapshots';
import type { DeploymentRecord, ExtraSnapshotRecord, RestoreJobRecord, World } from '../state';
import { connectionStrings, deploymentStateName, hostLabel, type ViewContext } from '../views';
import { deploymentNameSchema, providerNameSchema, seedDataField, seedTagSchema } from './common';
import type { CreateJobSettings, SimKind } from './types';

/**
 * Flex clusters: v2 only, one media type (2024-11-13) for every route, one daily snapshot, restore jobs
 * with a `status` field and no cancel. Shapes follow the recorded Flex responses, which carry no `links`.
 */

const SEGMENT = 'flexClusters';
const VERSIONS = ['2024-11-13'];

/** Atlas takes a Flex snapshot once a day, the first 24 h after creation, and keeps the newest 8. */
const SNAPSHOTS_KEPT = 8;
/** Recorded: a restore job's `expirationDate` is its `restoreScheduledDate` + 6 h. */
const RESTORE_EXPIRES_AFTER_MS = 6 * HOUR_MS;
/** The spec: a download's `snapshotUrl` "remains active for four hours after you make the request". */
const DOWNLOAD_EXPIRES_AFTER_MS = 4 * HOUR_MS;
/** Recorded: `restoreScheduledDate` is one second after the create answered. */
const SCHEDULED_AFTER_MS = 1000;

export const flexSeedSchema = z.strictObject({
  id: objectIdSchema,
  groupId: objectIdSchema,
  name: deploymentNameSchema,
  mongoDBVersion: z.string().default('8.0.29'),
  backingProviderName: providerNameSchema.default('AWS'),
  regionName: z.string().default('US_EAST_1'),
  terminationProtectionEnabled: z.boolean().default(false),
  tags: z.array(seedTagSchema).default([]),
  ...seedDataField,
});
type SeedEntry = z.output<typeof flexSeedSchema>;

function view(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string) {
  const label = hostLabel(deployment);
  const shard = hashHex(`${deployment.id}|shard`).slice(0, 7);
  const hosts = [0, 1, 2].map((n) => `ac-${shard}-shard-00-0${n}.${label}.mongodb.net:27017`);
  return {
    backupSettings: { enabled: true },
    clusterType: 'REPLICASET',
    connectionStrings: connectionStrings(deployment, ctx, {
      standard: `mongodb://${hosts.join(',')}/?ssl=true&authSource=admin&replicaSet=atlas-${shard.slice(0, 6)}-shard-0`,
      standardSrv: `mongodb+srv://${deployment.name.toLowerCase()}.${label}.mongodb.net`,
    }),
    createDate: isoSeconds(deployment.createdMs),
    groupId: deployment.groupId,
    id: deployment.id,
    mongoDBVersion: deployment.mongoDBVersion,
    name: deployment.name,
    providerSettings: {
      backingProviderName: deployment.providerName,
      diskSizeGB: 5.0,
      providerName: 'FLEX',
      regionName: deployment.regionName,
    },
    stateName: stateName ?? deploymentStateName(deployment, ctx.nowMs),
    tags: deployment.tags,
    terminationProtectionEnabled: deployment.terminationProtectionEnabled,
    versionReleaseSystem: 'LTS',
  };
}

/**
 * The daily snapshots at `nowMs`, newest first: scheduled every 24 h from creation, QUEUED until they start
 * (seconds later, as recorded), RUNNING for a minute or two, then COMPLETED; each expires 8 days after it
 * was scheduled, so the newest 8 are kept. Seeded extra snapshots are kept whatever their age.
 */
function snapshots(deployment: DeploymentRecord, extras: readonly ExtraSnapshotRecord[], nowMs: number) {
  const result: SnapshotState[] = [];
  const last = Math.floor((nowMs - deployment.createdMs) / DAY_MS);
  for (let k = last; k >= 1 && k > last - SNAPSHOTS_KEPT; k--) {
    const scheduledMs = deployment.createdMs + k * DAY_MS;
    const startedMs = scheduledMs + (2 + (hash32(`${deployment.id}|${k}|start`) % 50)) * 1000;
    const finishedMs = startedMs + (60 + (hash32(`${deployment.id}|${k}|finish`) % 60)) * 1000;
    const id = objectIdFor(startedMs, deployment.id, 'snapshot');
    const status = nowMs < startedMs ? 'queued' : nowMs < finishedMs ? 'inProgress' : 'completed';
    result.push({
      id,
      deploymentId: deployment.id,
      takenMs: scheduledMs,
      status,
      frequencyType: 'daily',
      expiresMs: scheduledMs + SNAPSHOTS_KEPT * DAY_MS,
      storageSizeBytes: 0,
      extra: false,
      ...(status !== 'queued' ? { startedMs } : {}),
      ...(status === 'completed' ? { finishedMs } : {}),
    });
  }
  for (const extra of extras) {
    if (extra.deploymentId !== deployment.id || extra.takenMs > nowMs) continue;
    const settled = extra.status === 'completed' || extra.status === 'failed';
    result.push({
      id: extra.id,
      deploymentId: deployment.id,
      takenMs: extra.takenMs,
      status: extra.status,
      frequencyType: 'daily',
      expiresMs: extra.takenMs + SNAPSHOTS_KEPT * DAY_MS,
      storageSizeBytes: 0,
      extra: true,
      ...(extra.status !== 'queued' ? { startedMs: extra.takenMs } : {}),
      // A recorded FAILED Flex snapshot still has its finishTime.
      ...(settled ? { finishedMs: extra.takenMs + 90_000 } : {}),
    });
  }
  return result.sort((a, b) => b.takenMs - a.takenMs || (a.id < b.id ? 1 : -1));
}

const SNAPSHOT_STATUS: Record<SnapshotState['status'], string> = {
  queued: 'QUEUED',
  inProgress: 'RUNNING',
  completed: 'COMPLETED',
  failed: 'FAILED',
};

function snapshotView(snapshot: SnapshotState, deployment: DeploymentRecord) {
  return {
    ...(snapshot.expiresMs !== undefined ? { expiration: isoSeconds(snapshot.expiresMs) } : {}),
    ...(snapshot.finishedMs !== undefined ? { finishTime: isoSeconds(snapshot.finishedMs) } : {}),
    id: snapshot.id,
    mongoDBVersion: deployment.mongoDBVersion,
    scheduledTime: isoSeconds(snapshot.takenMs),
    ...(snapshot.startedMs !== undefined ? { startTime: isoSeconds(snapshot.startedMs) } : {}),
    status: SNAPSHOT_STATUS[snapshot.status],
  };
}

/** The Atlas CLI also sends the source's `instanceName`, a read-only field: accepted and ignored. */
const restoreBodySchema = flexRestoreJobCreateSchema.extend({ instanceName: z.string().optional() });
const downloadBodySchema = z.strictObject({ snapshotId: objectIdSchema });

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw bodyValidationError('restore job', parsed.error.issues as SchemaIssue[]);
  return parsed.data;
}

function newJob(
  world: World,
  source: DeploymentRecord,
  snapshot: SnapshotState,
  settings: CreateJobSettings,
  delivery: Pick<
    RestoreJobRecord,
    'deliveryType' | 'targetClusterName' | 'targetGroupId' | 'targetDeploymentItemName'
  >,
): RestoreJobRecord {
  const scenario = nextScenario(
    world,
    settings.defaultDurationMs,
    delivery.targetClusterName && delivery.targetGroupId
      ? { groupId: delivery.targetGroupId, name: delivery.targetClusterName }
      : undefined,
  );
  return {
    id: world.nextJobId(),
    kind: source.kind,
    groupId: source.groupId,
    deploymentId: source.id,
    deploymentName: source.name,
    ...delivery,
    snapshotId: snapshot.id,
    snapshotTakenMs: snapshot.takenMs,
    ...(snapshot.finishedMs !== undefined ? { snapshotFinishedMs: snapshot.finishedMs } : {}),
    createdMs: settings.nowMs,
    outcome: scenario.outcome,
    durationMs: scenario.durationMs,
    data: scenario.data,
    // The kind-neutral snapshot view dates a Flex snapshot's data at its start (`startTime`), so its
    // content is the source's as of then.
    ...(delivery.deliveryType !== 'download' ? { dataAsOfMs: snapshot.startedMs ?? snapshot.takenMs } : {}),
  };
}

/**
 * A restore into a Flex or dedicated cluster of the target project (the source's when `targetProjectId`
 * is absent). Atlas lists 409 for this create without documenting its code; a target already being
 * restored into answers 409 here, naming the running job.
 */
function createRestoreJob(
  world: World,
  source: DeploymentRecord,
  body: unknown,
  settings: CreateJobSettings,
) {
  const request = parseBody(restoreBodySchema, body);
  const snapshot = resolveSnapshot(world, source, request.snapshotId, settings.snapshotsOf);
  const targetGroupId = request.targetProjectId ?? source.groupId;
  const name = request.targetDeploymentItemName;
  if (!world.findProject(targetGroupId)) throw errors.groupNotFound(targetGroupId);
  const target = world.findDeployment(targetGroupId, name);
  // "You can restore the snapshot to another flex cluster or dedicated cluster tier" (spec); a serverless
  // instance is no cluster to this API.
  if (!target || (target.kind !== 'flex' && target.kind !== 'cluster'))
    throw errors.clusterNotFound(name, targetGroupId);
  const busy = runningJobInto(world, targetGroupId, name, settings.nowMs);
  if (busy)
    throw new SimError(
      'targetRestoreInProgress',
      `Cluster restore already in progress: restore job ${busy.id} is still restoring into ${name} in group ${targetGroupId}.`,
      [name, busy.id],
    );
  return newJob(world, source, snapshot, settings, {
    deliveryType: 'automated',
    targetClusterName: name,
    targetGroupId,
    targetDeploymentItemName: name,
  });
}

function createDownload(world: World, source: DeploymentRecord, body: unknown, settings: CreateJobSettings) {
  const request = parseBody(downloadBodySchema, body);
  const snapshot = resolveSnapshot(world, source, request.snapshotId, settings.snapshotsOf);
  return newJob(world, source, snapshot, settings, { deliveryType: 'download' });
}

/**
 * PENDING → QUEUED → RUNNING over the job's duration, then COMPLETED, or FAILED for the `failed` outcome.
 * Flex jobs have neither an expiry nor a cancel state, so the `expired` and `cancelled` outcomes also end
 * as FAILED; `never` stays RUNNING.
 */
function jobStatus(job: RestoreJobRecord, phase: RestoreJobPhase, nowMs: number): string {
  if (phase.state === 'finished') return 'COMPLETED';
  if (phase.state !== 'running') return 'FAILED';
  const elapsed = nowMs - job.createdMs;
  if (elapsed < job.durationMs * 0.05) return 'PENDING';
  if (elapsed < job.durationMs * 0.1) return 'QUEUED';
  return 'RUNNING';
}

function restoreJobView(job: RestoreJobRecord, phase: RestoreJobPhase, ctx: ViewContext) {
  const download = job.deliveryType === 'download';
  const scheduledMs = job.createdMs + SCHEDULED_AFTER_MS;
  const status = jobStatus(job, phase, ctx.nowMs);
  const snapshotUrl =
    download && status === 'COMPLETED'
      ? `https://restore-${job.id}.${hashHex(job.groupId).slice(0, 6)}.mongodb.net/${hashHex(`${job.id}|url`).slice(0, 32)}/${job.deploymentName}-${job.snapshotId}.tar.gz`
      : undefined;
  return {
    deliveryType: download ? 'DOWNLOAD' : 'RESTORE',
    expirationDate: isoSeconds(
      scheduledMs + (download ? DOWNLOAD_EXPIRES_AFTER_MS : RESTORE_EXPIRES_AFTER_MS),
    ),
    id: job.id,
    instanceName: job.deploymentName,
    projectId: job.groupId,
    // Recorded FAILED jobs carry a restoreFinishedDate too.
    ...(phase.endMs !== undefined ? { restoreFinishedDate: isoSeconds(phase.endMs) } : {}),
    restoreScheduledDate: isoSeconds(scheduledMs),
    ...(job.snapshotFinishedMs !== undefined
      ? { snapshotFinishedDate: isoSeconds(job.snapshotFinishedMs) }
      : {}),
    snapshotId: job.snapshotId,
    ...(snapshotUrl ? { snapshotUrl } : {}),
    status,
    ...(download
      ? {}
      : { targetDeploymentItemName: job.targetClusterName, targetProjectId: job.targetGroupId }),
  };
}

export const flexKind: SimKind<SeedEntry> = {
  kind: 'flex',
  segment: SEGMENT,
  flavours: ['v2'],
  versions: { deployment: VERSIONS, backup: VERSIONS },
  routeIds: {
    list: 'listFlexClusters',
    get: 'getFlexCluster',
    listSnapshots: 'listFlexSnapshots',
    getSnapshot: 'getFlexSnapshot',
  },
  headers: () => ({}),

  seedKey: 'flexClusters',
  fromSeed(f) {
    const createdMs = objectIdSeconds(f.id) * 1000;
    return {
      kind: 'flex',
      id: f.id,
      groupId: f.groupId,
      name: f.name,
      createdMs,
      mongoDBVersion: f.mongoDBVersion,
      providerName: f.backingProviderName,
      regionName: f.regionName,
      instanceSize: 'FLEX',
      terminationProtectionEnabled: f.terminationProtectionEnabled,
      tags: f.tags,
      // `backupSettings.enabled` is read-only and always true; there is no continuous backup.
      backupEnabled: true,
      continuousBackup: false,
      backupHistory: [{ fromMs: createdMs, mode: 'basic' }],
    };
  },

  deploymentView: view,

  snapshots,
  // The recorded Flex snapshot list runs oldest first, unlike every other list.
  snapshotListOrder: 'oldestFirst',
  snapshotView: (snapshot, deployment) => snapshotView(snapshot, deployment),

  createRestoreJob,
  // Recorded: the Flex restore create answers 200, not 201.
  createStatus: () => 200,
  createDownload,
  restoreJobView,
  // No cancel: Atlas has no DELETE on a Flex restore job, so the route does not exist and a DELETE gets the
  // simulator's 405 with `Allow: GET` for a known path (a recorded Atlas 405 has that form).

  notFound: errors.flexClusterNotFound,
  // A dedicated cluster gets the recorded 400; a serverless instance is no cluster to this API.
  otherKindError: (name, groupId, other) =>
    other === 'cluster' ? errors.nonFlexInFlexApi(name) : errors.flexClusterNotFound(name, groupId),
};
