import { z } from 'zod';
import { objectIdSchema } from '../common/restore-request';

/**
 * Wire shapes of the Atlas Admin API endpoints we use (atlas-api.md §3), one schema per shape, shared by
 * the client (to parse responses), the simulator (to build and check them) and the tests that parse every
 * recorded real response. Response objects are loose: fields Atlas adds later are kept, not rejected.
 * Only fields the engine relies on are required; Atlas omits many others until they apply (a queued
 * snapshot has no `createdAt`, a running job no `finishedAt`).
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'must be an ISO-8601 UTC time');
const link = z.looseObject({ href: z.string(), rel: z.string() });
const links = z.array(link);

/** Control-plane states; Atlas may add values, so unknown ones parse and count as "not IDLE". */
export const deploymentStateSchema = z.string();

export const serverlessInstanceSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  groupId: objectIdSchema,
  stateName: deploymentStateSchema,
  mongoDBVersion: z.string().optional(),
  createDate: isoDate.optional(),
  serverlessBackupOptions: z
    .looseObject({ serverlessContinuousBackupEnabled: z.boolean().optional() })
    .optional(),
  links: links.optional(),
});
export type ServerlessInstance = z.infer<typeof serverlessInstanceSchema>;

export const serverlessInstanceUpdateSchema = z.strictObject({
  serverlessBackupOptions: z.strictObject({ serverlessContinuousBackupEnabled: z.boolean() }).optional(),
  terminationProtectionEnabled: z.boolean().optional(),
  tags: z.array(z.strictObject({ key: z.string().min(1).max(255), value: z.string().min(1).max(255) })).optional(),
});
export type ServerlessInstanceUpdate = z.infer<typeof serverlessInstanceUpdateSchema>;

/**
 * Dedicated cluster description. Continuous cloud backup is `pitEnabled`; it needs cloud backup on
 * (`backupEnabled` on v2, `providerBackupEnabled` on v1.0 descriptions).
 */
export const clusterSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  groupId: objectIdSchema,
  stateName: deploymentStateSchema,
  pitEnabled: z.boolean().optional(),
  backupEnabled: z.boolean().optional(),
  providerBackupEnabled: z.boolean().optional(),
  mongoDBVersion: z.string().optional(),
  clusterType: z.string().optional(),
  createDate: isoDate.optional(),
  links: links.optional(),
});
export type Cluster = z.infer<typeof clusterSchema>;

export const clusterUpdateSchema = z.looseObject({
  pitEnabled: z.boolean().optional(),
  backupEnabled: z.boolean().optional(),
  providerBackupEnabled: z.boolean().optional(),
});
export type ClusterUpdate = z.infer<typeof clusterUpdateSchema>;

export const flexClusterSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  groupId: objectIdSchema,
  stateName: deploymentStateSchema,
  mongoDBVersion: z.string().optional(),
  backupSettings: z.looseObject({ enabled: z.boolean().optional() }).optional(),
});
export type FlexCluster = z.infer<typeof flexClusterSchema>;

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

export const flexSnapshotSchema = z.looseObject({
  id: objectIdSchema,
  status: z.string(),
  scheduledTime: isoDate.optional(),
  startTime: isoDate.optional(),
  finishTime: isoDate.optional(),
  expiration: isoDate.optional(),
  mongoDBVersion: z.string().optional(),
});
export type FlexSnapshot = z.infer<typeof flexSnapshotSchema>;

export const deliveryTypeSchema = z.enum(['automated', 'download', 'pointInTime']);
export type DeliveryType = z.infer<typeof deliveryTypeSchema>;

/**
 * Create body for serverless and dedicated restore jobs. Rules from atlas-api.md §3.3/§3.5: automated and
 * download need a snapshot; pointInTime needs a time and a target; download has no target.
 */
export const restoreJobCreateSchema = z
  .strictObject({
    deliveryType: deliveryTypeSchema,
    snapshotId: objectIdSchema.optional(),
    targetClusterName: z.string().min(1).optional(),
    targetGroupId: objectIdSchema.optional(),
    pointInTimeUTCSeconds: z.number().int().min(1_199_145_600).optional(),
    oplogTs: z.number().int().optional(),
    oplogInc: z.number().int().optional(),
  })
  .superRefine((body, ctx) => {
    const need = (field: keyof typeof body, why: string) => {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    };
    const forbid = (field: keyof typeof body, why: string) => {
      if (body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `must be absent ${why}` });
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
        ctx.addIssue({ code: 'custom', path: ['pointInTimeUTCSeconds'], message: 'must not be combined with oplogTs/oplogInc' });
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

export const flexRestoreJobCreateSchema = z.strictObject({
  snapshotId: objectIdSchema,
  targetDeploymentItemName: z.string().min(1),
  targetProjectId: objectIdSchema.optional(),
});
export type FlexRestoreJobCreate = z.infer<typeof flexRestoreJobCreateSchema>;

export const flexRestoreJobSchema = z.looseObject({
  id: objectIdSchema,
  deliveryType: z.string(),
  status: z.string(),
  snapshotId: objectIdSchema.optional(),
  targetDeploymentItemName: z.string().optional(),
  targetProjectId: objectIdSchema.optional(),
  restoreScheduledDate: isoDate.optional(),
  restoreFinishedDate: isoDate.optional(),
  expirationDate: isoDate.optional(),
});
export type FlexRestoreJob = z.infer<typeof flexRestoreJobSchema>;

export const projectSchema = z.looseObject({ id: objectIdSchema, name: z.string(), orgId: objectIdSchema.optional() });
export type Project = z.infer<typeof projectSchema>;

/** List responses: `{ links, results, totalCount }`; `totalCount` is absent with `includeCount=false`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({ links: links.optional(), results: z.array(item), totalCount: z.number().int().optional() });
}
export type Page<T> = { links?: { href: string; rel: string }[]; results: T[]; totalCount?: number };

/** `ApiError` (atlas-api.md §5). Every field may be missing or null on some real responses. */
export const apiErrorBodySchema = z.looseObject({
  error: z.number().int().optional(),
  errorCode: z.string().nullish(),
  detail: z.string().nullish(),
  parameters: z.array(z.unknown()).nullish(),
  reason: z.string().nullish(),
  badRequestDetail: z.looseObject({ fields: z.array(z.looseObject({ field: z.string(), description: z.string() })) }).optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/** `POST /api/oauth/token` success. */
export const oauthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});
export type OAuthToken = z.infer<typeof oauthTokenSchema>;
