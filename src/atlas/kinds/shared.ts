import { z } from 'zod';
import {
  isoFromSeconds,
  objectIdSeconds,
  type RestoreJobView,
  type SnapshotView,
} from '../../common/atlas-views';
import { deriveRestoreJobState } from '../../common/restore-job-state';
import { MIN_POINT_IN_TIME_UTC_SECONDS, objectIdSchema } from '../../common/restore-request';
import type { RestoreJobSpec } from '../../common/atlas-views';
import { isoDate, links } from '../wire';

/**
 * Shapes serverless instances and dedicated clusters share: their snapshots, their restore jobs (no status
 * field: a state derived from flags) and their create body. Flex has its own.
 */

export const snapshotStatusSchema = z.enum(['queued', 'inProgress', 'completed', 'failed']);

/** Serverless (`ServerlessBackupSnapshot`) and dedicated (`DiskBackupReplicaSet`) snapshots. */
export const snapshotSchema = z.looseObject({
  id: objectIdSchema,
  status: snapshotStatusSchema,
  createdAt: isoDate.optional(),
  expiresAt: isoDate.optional(),
  frequencyType: z.string().optional(),
  snapshotType: z.string().optional(),
  storageSizeBytes: z.number().optional(),
  mongodVersion: z.string().optional(),
  links: links.optional(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

export const deliveryTypeSchema = z.enum(['automated', 'download', 'pointInTime']);
export type DeliveryType = z.infer<typeof deliveryTypeSchema>;

/**
 * Create body for serverless and dedicated restore jobs: automated and download need a snapshot;
 * pointInTime needs a time and a target; download has no target.
 */
export const restoreJobCreateSchema = z
  .strictObject({
    deliveryType: deliveryTypeSchema,
    snapshotId: objectIdSchema.optional(),
    targetClusterName: z.string().min(1).optional(),
    targetGroupId: objectIdSchema.optional(),
    pointInTimeUTCSeconds: z.number().int().min(MIN_POINT_IN_TIME_UTC_SECONDS).optional(),
    oplogTs: z.number().int().optional(),
    oplogInc: z.number().int().optional(),
  })
  .superRefine((body, ctx) => {
    const need = (field: keyof typeof body, why: string) => {
      if (body[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    };
    const forbid = (field: keyof typeof body, why: string) => {
      if (body[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `must be absent ${why}` });
    };
    if (body.deliveryType === 'automated') {
      need('snapshotId', 'for automated restores');
      need('targetClusterName', 'for automated restores');
      need('targetGroupId', 'for automated restores');
    }
    if (body.deliveryType === 'download') {
      need('snapshotId', 'for download restores');
      forbid('targetClusterName', 'for download restores');
    }
    if (body.deliveryType === 'pointInTime') {
      need('targetClusterName', 'for point-in-time restores');
      need('targetGroupId', 'for point-in-time restores');
      forbid('snapshotId', 'for point-in-time restores');
      const hasOplog = body.oplogTs !== undefined || body.oplogInc !== undefined;
      if (hasOplog && body.pointInTimeUTCSeconds !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['pointInTimeUTCSeconds'],
          message: 'must not be combined with oplogTs/oplogInc',
        });
      }
      if (!hasOplog) need('pointInTimeUTCSeconds', 'for point-in-time restores without oplogTs/oplogInc');
    }
  });
export type RestoreJobCreate = z.infer<typeof restoreJobCreateSchema>;

/** Serverless (`ServerlessBackupRestoreJob`) and dedicated (`DiskBackupSnapshotRestoreJob`) jobs. */
export const restoreJobSchema = z.looseObject({
  id: objectIdSchema,
  deliveryType: deliveryTypeSchema,
  snapshotId: objectIdSchema.nullish(),
  targetClusterName: z.string().nullish(),
  targetGroupId: objectIdSchema.nullish(),
  cancelled: z.boolean().optional(),
  failed: z.boolean().optional(),
  expired: z.boolean().optional(),
  finishedAt: isoDate.nullish(),
  expiresAt: isoDate.nullish(),
  timestamp: isoDate.nullish(),
  deliveryUrl: z.array(z.string()).nullish(),
  pointInTimeUTCSeconds: z.number().int().nullish(),
  oplogTs: z.number().int().nullish(),
  oplogInc: z.number().int().nullish(),
  links: links.optional(),
});
export type RestoreJob = z.infer<typeof restoreJobSchema>;

export function snapshotView(snapshot: Snapshot): SnapshotView {
  const view: SnapshotView = { id: snapshot.id, status: snapshot.status };
  if (snapshot.createdAt) view.createdAt = snapshot.createdAt;
  if (snapshot.expiresAt) view.expiresAt = snapshot.expiresAt;
  return view;
}

export function restoreJobView(job: RestoreJob): RestoreJobView {
  const view: RestoreJobView = {
    id: job.id,
    delivery: job.deliveryType,
    state: deriveRestoreJobState(job),
    createdAt: isoFromSeconds(objectIdSeconds(job.id)),
  };
  if (job.snapshotId) view.snapshotId = job.snapshotId;
  if (job.targetClusterName && job.targetGroupId)
    view.target = { groupId: job.targetGroupId, name: job.targetClusterName };
  if (typeof job.pointInTimeUTCSeconds === 'number') view.pointInTimeUtcSeconds = job.pointInTimeUTCSeconds;
  if (job.finishedAt) view.finishedAt = job.finishedAt;
  if (job.expiresAt) view.expiresAt = job.expiresAt;
  if (job.timestamp) view.snapshotTakenAt = job.timestamp;
  return view;
}

export function restoreJobBody(spec: RestoreJobSpec): { body: RestoreJobCreate } {
  const body: RestoreJobCreate = { deliveryType: spec.delivery };
  if (spec.snapshotId !== undefined) body.snapshotId = spec.snapshotId;
  if (spec.pointInTimeUtcSeconds !== undefined) body.pointInTimeUTCSeconds = spec.pointInTimeUtcSeconds;
  if (spec.target) {
    body.targetClusterName = spec.target.name;
    body.targetGroupId = spec.target.groupId;
  }
  return { body };
}

/** 404 codes that name a missing project, snapshot or job rather than a missing route or deployment. */
export const SPECIFIC_NOT_FOUND = new Set(['GROUP_NOT_FOUND', 'SNAPSHOT_NOT_FOUND', 'RESTORE_JOB_NOT_FOUND']);
