import type { z } from 'zod';
import { DEPLOYMENT_KINDS, type DeploymentKind } from '../common/deployment-kinds';
import type { AtlasBackupApi, DeploymentRef, DeploymentView } from './api';
import type { AtlasApiVersion, AtlasClient, DeploymentTarget } from './client';
import { AtlasApiError } from './errors';
import {
  clusterSchema,
  clusterUpdateSchema,
  serverlessInstanceSchema,
  serverlessInstanceUpdateSchema,
  type Cluster,
  type ClusterUpdate,
  type ServerlessInstance,
  type ServerlessInstanceUpdate,
} from './schemas';

/** What every deployment description has; the rest stays as Atlas sent it. */
export type DeploymentRecord = { stateName: string } & Record<string, unknown>;

/**
 * Everything that differs between deployment kinds, so the client and `createBackupApi` stay kind-generic.
 * Adding a kind (Flex next) means adding a descriptor here and its name to `DEPLOYMENT_KINDS`.
 */
export interface DeploymentDescriptor<
  D extends DeploymentRecord = DeploymentRecord,
  U = Record<string, unknown>,
> {
  kind: DeploymentKind;
  /** Path segment under `/groups/{groupId}`. */
  collection: string;
  /** v2 media-type versions: the deployment's GET and PATCH, and its backup (snapshots, restore jobs) routes. */
  versions: { get: string; update: string; backup: string };
  schema: z.ZodType<D>;
  updateSchema: z.ZodType<U>;
  continuousBackupEnabled(deployment: D): boolean;
  /** The PATCH body that switches continuous backup on or off, given the deployment as it is now. */
  continuousBackupUpdate(enabled: boolean, current: D, apiVersion: AtlasApiVersion): U;
  /** Why this kind's restore jobs cannot be cancelled through the API; `undefined` when they can. */
  cancelUnsupported?: string;
  /** Added to the message of a 404 or 410 on this kind's routes. */
  goneHint?: string;
}

export const SERVERLESS_SUNSET_DATE = '2026-01-22';

export const serverlessDescriptor: DeploymentDescriptor<ServerlessInstance, ServerlessInstanceUpdate> = {
  kind: 'serverless',
  collection: 'serverless',
  versions: { get: '2023-01-01', update: '2023-01-01', backup: '2023-01-01' },
  schema: serverlessInstanceSchema,
  updateSchema: serverlessInstanceUpdateSchema,
  continuousBackupEnabled: (instance) =>
    instance.serverlessBackupOptions?.serverlessContinuousBackupEnabled === true,
  continuousBackupUpdate: (enabled) => ({
    serverlessBackupOptions: { serverlessContinuousBackupEnabled: enabled },
  }),
  cancelUnsupported:
    'serverless restore jobs cannot be cancelled through the Atlas Admin API (there is no cancel endpoint); the job runs to its end in Atlas',
  goneHint: `Atlas sunset the serverless endpoints on ${SERVERLESS_SUNSET_DATE} and now answers 404/410 on them; serverless instances were migrated to dedicated or Flex clusters, so use kind "cluster" for a migrated dedicated cluster`,
};

/**
 * Dedicated clusters. Versions confirmed in the published spec (atlas-sdk-go `admin/api_clusters.go`,
 * `ClustersApi.GetCluster` and `UpdateCluster`): GET answers 2024-08-05 (2023-02-01 and 2023-01-01
 * deprecated), PATCH is 2024-10-23 (2024-08-05 and older deprecated). Cloud-backup snapshots and restore
 * jobs have the single version 2023-01-01.
 */
export const clusterDescriptor: DeploymentDescriptor<Cluster, ClusterUpdate> = {
  kind: 'cluster',
  collection: 'clusters',
  versions: { get: '2024-08-05', update: '2024-10-23', backup: '2023-01-01' },
  schema: clusterSchema,
  updateSchema: clusterUpdateSchema,
  continuousBackupEnabled: (cluster) => cluster.pitEnabled === true,
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
};

export const DEPLOYMENT_DESCRIPTORS = {
  serverless: serverlessDescriptor,
  cluster: clusterDescriptor,
} as const satisfies Record<DeploymentKind, { kind: DeploymentKind }>;

/** The descriptor of a kind chosen at run time; an unknown kind is a bad request, not a crash. */
export function descriptorOf(kind: DeploymentKind): DeploymentDescriptor {
  if (!(DEPLOYMENT_KINDS as readonly string[]).includes(kind)) {
    // No method or path exists yet: both come from the descriptor that could not be found.
    throw new AtlasApiError({
      kind: 'invalid_request',
      method: 'NONE',
      path: '(not sent)',
      retryable: false,
      detail: `kind: must be one of ${DEPLOYMENT_KINDS.join(', ')} (got ${JSON.stringify(kind)})`,
    });
  }
  return DEPLOYMENT_DESCRIPTORS[kind];
}

/**
 * The kind-generic operations the activities call, on top of one client. Every failure is an
 * `AtlasApiError`; nothing here retries (Temporal does, guided by `retryable` and `retryAfterMs`).
 */
export function createBackupApi(client: AtlasClient): AtlasBackupApi {
  const target = (ref: DeploymentRef): DeploymentTarget => ({ groupId: ref.groupId, name: ref.name });
  const view = (
    ref: DeploymentRef,
    descriptor: DeploymentDescriptor,
    raw: DeploymentRecord,
  ): DeploymentView => ({
    kind: ref.kind,
    groupId: ref.groupId,
    name: ref.name,
    stateName: raw.stateName,
    continuousBackupEnabled: descriptor.continuousBackupEnabled(raw),
    raw,
  });

  return {
    async getDeployment(ref, options) {
      const descriptor = descriptorOf(ref.kind);
      return view(ref, descriptor, await client.deployment(ref.kind).get(target(ref), options));
    },
    /**
     * Reads the deployment first: the PATCH body depends on it (a cluster with cloud backup off needs it
     * turned on too), and a deployment already in the wanted state gets no PATCH, so no needless UPDATING.
     */
    async setContinuousBackup(ref, enabled, options) {
      const descriptor = descriptorOf(ref.kind);
      const operations = client.deployment(ref.kind);
      const current = await operations.get(target(ref), options);
      if (descriptor.continuousBackupEnabled(current) === enabled) return view(ref, descriptor, current);
      const body = descriptor.continuousBackupUpdate(enabled, current, client.apiVersion);
      return view(ref, descriptor, await operations.update(target(ref), body, options));
    },
    listSnapshots: async (ref, page, options) =>
      client.deployment(ref.kind).listSnapshots(target(ref), page, options),
    getSnapshot: async (ref, snapshotId, options) =>
      client.deployment(ref.kind).getSnapshot(target(ref), snapshotId, options),
    createRestoreJob: async (ref, body, options) =>
      client.deployment(ref.kind).createRestoreJob(target(ref), body, options),
    getRestoreJob: async (ref, restoreJobId, options) =>
      client.deployment(ref.kind).getRestoreJob(target(ref), restoreJobId, options),
    listRestoreJobs: async (ref, page, options) =>
      client.deployment(ref.kind).listRestoreJobs(target(ref), page, options),
    cancelRestoreJob: async (ref, restoreJobId, options) =>
      client.deployment(ref.kind).cancelRestoreJob(target(ref), restoreJobId, options),
  };
}
