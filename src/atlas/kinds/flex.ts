import { z } from 'zod';
import {
  isoFromSeconds,
  objectIdSeconds,
  type RestoreJobView,
  type SnapshotView,
} from '../../common/atlas-views';
import { KIND_CAPABILITIES } from '../../common/deployment-kinds';
import type { RestoreJobState } from '../../common/restore-job-state';
import { objectIdSchema } from '../../common/restore-request';
import { connectionStringOf, connectionStringsSchema, deploymentStateSchema, isoDate, links } from '../wire';
import { SPECIFIC_NOT_FOUND } from './shared';
import type { KindAdapter } from './types';

/**
 * Flex clusters: `/groups/{groupId}/flexClusters/{name}`, v2 only, media type 2024-11-13 for the cluster,
 * its snapshots and its restore jobs (`FlexClusterDescription20241113`, `FlexBackupSnapshot20241113`,
 * `FlexBackupRestoreJob20241113` in the published spec). One daily snapshot, the newest 8 kept; no
 * continuous backup, no point in time, no cancel. Most retired serverless instances became Flex clusters.
 */
export const flexClusterSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  groupId: objectIdSchema,
  stateName: deploymentStateSchema,
  mongoDBVersion: z.string().optional(),
  clusterType: z.string().optional(),
  createDate: isoDate.optional(),
  connectionStrings: connectionStringsSchema.optional(),
  backupSettings: z.looseObject({ enabled: z.boolean().optional() }).optional(),
  links: links.optional(),
});
export type FlexCluster = z.infer<typeof flexClusterSchema>;

/** Snapshots and jobs share one status enum: PENDING, QUEUED, RUNNING, FAILED, COMPLETED. */
const flexStatusSchema = z.string();

export const flexSnapshotSchema = z.looseObject({
  id: objectIdSchema,
  status: flexStatusSchema,
  scheduledTime: isoDate.optional(),
  startTime: isoDate.optional(),
  finishTime: isoDate.optional(),
  expiration: isoDate.optional(),
  mongoDBVersion: z.string().optional(),
  links: links.optional(),
});
export type FlexSnapshot = z.infer<typeof flexSnapshotSchema>;

/**
 * `FlexBackupRestoreJobCreate20241113`. The target may be a Flex or a dedicated cluster; without
 * `targetProjectId` Atlas is taken to use the source's project (unconfirmed), so the engine always sends it.
 */
export const flexRestoreJobCreateSchema = z.strictObject({
  snapshotId: objectIdSchema,
  targetDeploymentItemName: z
    .string()
    .regex(/^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u, "must be 1-64 letters, digits or -_.(),:&@+'"),
  targetProjectId: objectIdSchema.optional(),
});
export type FlexRestoreJobCreate = z.infer<typeof flexRestoreJobCreateSchema>;

export const flexRestoreJobSchema = z.looseObject({
  id: objectIdSchema,
  deliveryType: z.enum(['RESTORE', 'DOWNLOAD']),
  status: flexStatusSchema,
  instanceName: z.string().optional(),
  projectId: objectIdSchema.optional(),
  snapshotId: objectIdSchema.optional(),
  targetDeploymentItemName: z.string().nullish(),
  targetProjectId: objectIdSchema.nullish(),
  snapshotFinishedDate: isoDate.optional(),
  restoreScheduledDate: isoDate.optional(),
  restoreFinishedDate: isoDate.optional(),
  expirationDate: isoDate.optional(),
  links: links.optional(),
});
export type FlexRestoreJob = z.infer<typeof flexRestoreJobSchema>;

/**
 * COMPLETED and FAILED end a job; everything else (PENDING, QUEUED, RUNNING, and a `CLOSED` that one
 * schema description mentions but the enum lacks) is still in progress, as the Atlas CLI's watcher reads it.
 */
function flexJobState(job: FlexRestoreJob): RestoreJobState {
  switch (job.status.toUpperCase()) {
    case 'FAILED':
      return 'failed';
    case 'COMPLETED':
      return job.deliveryType === 'DOWNLOAD' ? 'download_ready' : 'finished';
    default:
      return 'in_progress';
  }
}

function flexSnapshotStatus(status: string): SnapshotView['status'] {
  switch (status.toUpperCase()) {
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'RUNNING':
      return 'inProgress';
    default:
      return 'queued';
  }
}

export const flexKind: KindAdapter<FlexCluster, never, FlexSnapshot, FlexRestoreJob, FlexRestoreJobCreate> = {
  kind: 'flex',
  capabilities: KIND_CAPABILITIES.flex,
  collection: 'flexClusters',
  apiVersions: ['v2'],
  versions: { get: '2024-11-13', update: null, backup: '2024-11-13' },
  schemas: {
    deployment: flexClusterSchema,
    update: null,
    snapshot: flexSnapshotSchema,
    restoreJob: flexRestoreJobSchema,
    create: flexRestoreJobCreateSchema,
  },
  continuousBackupEnabled: () => false,
  // Flex clusters are replica sets, and their snapshots restore only into replica sets.
  topology: () => ({ sharded: false, shards: 1 }),
  continuousBackupUpdate: null,
  snapshotView(snapshot) {
    const view: SnapshotView = { id: snapshot.id, status: flexSnapshotStatus(snapshot.status) };
    // The data is as of the snapshot's start; its finish is when Atlas had it all copied.
    const takenAt = snapshot.startTime ?? snapshot.scheduledTime ?? snapshot.finishTime;
    if (takenAt) view.createdAt = takenAt;
    if (snapshot.expiration) view.expiresAt = snapshot.expiration;
    return view;
  },
  restoreJobView(job, source) {
    const view: RestoreJobView = {
      id: job.id,
      delivery: job.deliveryType === 'DOWNLOAD' ? 'download' : 'automated',
      state: flexJobState(job),
      atlasStatus: job.status,
      createdAt: isoFromSeconds(objectIdSeconds(job.id)),
    };
    if (job.snapshotId) view.snapshotId = job.snapshotId;
    if (job.targetDeploymentItemName) {
      view.target = {
        groupId: job.targetProjectId ?? job.projectId ?? source.groupId,
        name: job.targetDeploymentItemName,
      };
    }
    if (job.restoreFinishedDate) view.finishedAt = job.restoreFinishedDate;
    if (job.expirationDate) view.expiresAt = job.expirationDate;
    if (job.snapshotFinishedDate) view.snapshotTakenAt = job.snapshotFinishedDate;
    return view;
  },
  createBody(spec) {
    if (spec.delivery !== 'automated')
      return {
        unsupported: `Flex clusters restore snapshots only (delivery ${spec.delivery} is not available: no point in time; downloads go through their own route)`,
      };
    if (spec.snapshotId === undefined || !spec.target)
      return { unsupported: 'a Flex restore needs a snapshot and a target' };
    return {
      body: {
        snapshotId: spec.snapshotId,
        targetDeploymentItemName: spec.target.name,
        targetProjectId: spec.target.groupId,
      },
    };
  },
  // The Atlas CLI asks the Flex API first and falls back to the dedicated one on these answers.
  notThisKind: (status, errorCode) =>
    errorCode === 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API' ||
    errorCode === 'FEATURE_UNSUPPORTED' ||
    (status === 404 && !SPECIFIC_NOT_FOUND.has(errorCode ?? '')),
  specificNotFound: SPECIFIC_NOT_FOUND,
  connectionString: connectionStringOf,
};
