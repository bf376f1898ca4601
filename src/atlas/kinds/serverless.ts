import { z } from 'zod';
import { KIND_CAPABILITIES } from '../../common/deployment-kinds';
import { objectIdSchema } from '../../common/restore-request';
import { connectionStringOf, connectionStringsSchema, deploymentStateSchema, isoDate, links } from '../wire';
import {
  restoreJobBody,
  restoreJobCreateSchema,
  restoreJobSchema,
  restoreJobView,
  snapshotSchema,
  snapshotView,
  SPECIFIC_NOT_FOUND,
  type RestoreJob,
  type RestoreJobCreate,
  type Snapshot,
} from './shared';
import type { KindAdapter } from './types';

/**
 * Serverless instances: `/groups/{groupId}/serverless/{name}`, one media type (2023-01-01) for the instance,
 * its snapshots and its restore jobs, on v1.0 and v2. Retired by Atlas on 2026-01-22 (the instances moved
 * to Flex or dedicated clusters); kept for its contract, which the simulator still serves.
 */
export const serverlessInstanceSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  groupId: objectIdSchema,
  stateName: deploymentStateSchema,
  mongoDBVersion: z.string().optional(),
  createDate: isoDate.optional(),
  connectionStrings: connectionStringsSchema.optional(),
  serverlessBackupOptions: z
    .looseObject({ serverlessContinuousBackupEnabled: z.boolean().optional() })
    .optional(),
  links: links.optional(),
});
export type ServerlessInstance = z.infer<typeof serverlessInstanceSchema>;

export const serverlessInstanceUpdateSchema = z.strictObject({
  serverlessBackupOptions: z.strictObject({ serverlessContinuousBackupEnabled: z.boolean() }).optional(),
  terminationProtectionEnabled: z.boolean().optional(),
  tags: z
    .array(z.strictObject({ key: z.string().min(1).max(255), value: z.string().min(1).max(255) }))
    .optional(),
});
export type ServerlessInstanceUpdate = z.infer<typeof serverlessInstanceUpdateSchema>;

export const serverlessKind: KindAdapter<
  ServerlessInstance,
  ServerlessInstanceUpdate,
  Snapshot,
  RestoreJob,
  RestoreJobCreate
> = {
  kind: 'serverless',
  capabilities: KIND_CAPABILITIES.serverless,
  collection: 'serverless',
  apiVersions: ['v2', 'v1.0'],
  versions: { get: '2023-01-01', update: '2023-01-01', backup: '2023-01-01' },
  schemas: {
    deployment: serverlessInstanceSchema,
    update: serverlessInstanceUpdateSchema,
    snapshot: snapshotSchema,
    restoreJob: restoreJobSchema,
    create: restoreJobCreateSchema,
  },
  continuousBackupEnabled: (instance) =>
    instance.serverlessBackupOptions?.serverlessContinuousBackupEnabled === true,
  topology: () => ({ sharded: false, shards: 1 }),
  continuousBackupUpdate: (enabled) => ({
    serverlessBackupOptions: { serverlessContinuousBackupEnabled: enabled },
  }),
  snapshotView,
  restoreJobView,
  createBody: restoreJobBody,
  notThisKind: (status, errorCode) => status === 404 && !SPECIFIC_NOT_FOUND.has(errorCode ?? ''),
  specificNotFound: SPECIFIC_NOT_FOUND,
  connectionString: connectionStringOf,
};
