import { z } from 'zod';
import type { DeploymentTopology } from '../../common/atlas-views';
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
  connectionStrings: connectionStringsSchema.optional(),
  links: links.optional(),
});
export type Cluster = z.infer<typeof clusterSchema>;

/**
 * `clusterType` SHARDED or GEOSHARDED is sharded. Shards: one per `replicationSpecs` entry in 2024-08-05
 * descriptions, `numShards` in older ones (docs/atlas.md#dedicated-clusters).
 */
function clusterTopology(cluster: Cluster): DeploymentTopology {
  const sharded = cluster.clusterType === 'SHARDED' || cluster.clusterType === 'GEOSHARDED';
  if (!sharded) return { sharded: false, shards: 1 };
  const specs = Array.isArray(cluster.replicationSpecs) ? (cluster.replicationSpecs as unknown[]) : [];
  let shards = 0;
  for (const spec of specs) {
    const numShards = (spec as { numShards?: unknown } | null)?.numShards;
    shards += typeof numShards === 'number' && numShards > 0 ? numShards : 1;
  }
  return { sharded: true, shards: Math.max(shards, 1) };
}

export const clusterUpdateSchema = z.looseObject({
  pitEnabled: z.boolean().optional(),
  backupEnabled: z.boolean().optional(),
  providerBackupEnabled: z.boolean().optional(),
});
export type ClusterUpdate = z.infer<typeof clusterUpdateSchema>;

/**
 * Dedicated clusters: `/groups/{groupId}/clusters/{name}`. Versions from the published spec
 * (atlas-sdk-go `admin/api_clusters.go`): GET answers 2024-08-05 (2023-02-01 and 2023-01-01 deprecated),
 * PATCH is 2024-10-23; cloud-backup snapshots and restore jobs have the single version 2023-01-01.
 * A Flex cluster's name here is answered with 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API.
 */
export const clusterKind: KindAdapter<Cluster, ClusterUpdate, Snapshot, RestoreJob, RestoreJobCreate> = {
  kind: 'cluster',
  capabilities: KIND_CAPABILITIES.cluster,
  collection: 'clusters',
  apiVersions: ['v2', 'v1.0'],
  versions: { get: '2024-08-05', update: '2024-10-23', backup: '2023-01-01' },
  schemas: {
    deployment: clusterSchema,
    update: clusterUpdateSchema,
    snapshot: snapshotSchema,
    restoreJob: restoreJobSchema,
    create: restoreJobCreateSchema,
  },
  continuousBackupEnabled: (cluster) => cluster.pitEnabled === true,
  topology: clusterTopology,
  continuousBackupUpdate: (enabled, current, apiVersion) => {
    if (!enabled) return { pitEnabled: false };
    // Continuous cloud backup needs cloud backup itself: `backupEnabled` on v2, `providerBackupEnabled` on
    // v1.0 descriptions (where `backupEnabled` means the retired legacy backup).
    if (apiVersion === 'v2')
      return current.backupEnabled === true
        ? { pitEnabled: true }
        : { pitEnabled: true, backupEnabled: true };
    return current.providerBackupEnabled === true
      ? { pitEnabled: true }
      : { pitEnabled: true, providerBackupEnabled: true };
  },
  snapshotView,
  restoreJobView,
  createBody: restoreJobBody,
  notThisKind: (status, errorCode) =>
    errorCode === 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API' ||
    errorCode === 'CANNOT_USE_SERVERLESS_INSTANCE_IN_CLUSTER_API' ||
    (status === 404 && !SPECIFIC_NOT_FOUND.has(errorCode ?? '')),
  specificNotFound: SPECIFIC_NOT_FOUND,
  connectionString: connectionStringOf,
};
