import { z } from 'zod';
import { objectIdSchema } from '../../common/restore-request';
import { buildClassicRestoreJob, cancelDownloadJob, classicRestoreJobView } from '../classic-restore-jobs';
import { isoSeconds } from '../clock';
import { SimError, errors } from '../errors';
import { objectIdFor, objectIdSeconds } from '../ids';
import { writableFields, type PatchRules } from '../patch';
import { sixHourlySnapshots } from '../snapshots';
import { backupMode, type DeploymentRecord } from '../state';
import {
  connectionStrings,
  deploymentHref,
  deploymentLinks,
  deploymentStateName,
  hostLabel,
  link,
  type ViewContext,
} from '../views';
import {
  commonUpdateSchema,
  deploymentNameSchema,
  parseUpdate,
  providerNameSchema,
  seedDataField,
  seedTagSchema,
} from './common';
import type { SimKind } from './types';

/** Observed on v2023-02-01 cluster calls, errors included. */
export const CLUSTER_2023_DEPRECATION = {
  Deprecation: 'Mon, 5 Aug 2024 00:00:00 GMT',
  Sunset: 'Thu, 1 Jul 2027 00:00:00 GMT',
};

const SEGMENT = 'clusters';
const OWNER_REL = 'https://cloud.mongodb.com/cluster';

export const clusterSeedSchema = z.strictObject({
  id: objectIdSchema,
  groupId: objectIdSchema,
  name: deploymentNameSchema,
  /** Cloud backup (`backupEnabled` on v2, `providerBackupEnabled` on v1.0). */
  backupEnabled: z.boolean().default(true),
  /** Continuous cloud backup. */
  pitEnabled: z.boolean().default(false),
  mongoDBVersion: z.string().default('8.0.29'),
  instanceSize: z.string().default('M10'),
  providerName: providerNameSchema.default('AWS'),
  regionName: z.string().default('US_EAST_1'),
  terminationProtectionEnabled: z.boolean().default(false),
  tags: z.array(seedTagSchema).default([]),
  ...seedDataField,
});
type SeedEntry = z.output<typeof clusterSeedSchema>;

/**
 * A dedicated cluster in the shape of the requested API: v1.0 (`providerBackupEnabled`, `providerSettings`;
 * its `backupEnabled` is legacy backup, always false here), v2 2023-02-01 (top-level `diskSizeGB`,
 * `numShards`) or v2 2024-08-05 (sizes per region config).
 */
function view(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string) {
  const host = `${deployment.name.toLowerCase()}.${hostLabel(deployment)}.mongodb.net`;
  const majorVersion = deployment.mongoDBVersion.split('.').slice(0, 2).join('.');
  const specId = objectIdFor(deployment.createdMs, deployment.id, 'replicationSpec');
  const zoneId = objectIdFor(deployment.createdMs, deployment.id, 'zone');
  const state = stateName ?? deploymentStateName(deployment, ctx.nowMs);
  const links = deploymentLinks(deploymentHref(SEGMENT, deployment.groupId, deployment.name, ctx));
  const common = {
    connectionStrings: connectionStrings(deployment, ctx, { standardSrv: `mongodb+srv://${host}` }),
    createDate: isoSeconds(deployment.createdMs),
    groupId: deployment.groupId,
    id: deployment.id,
  };
  if (ctx.flavour === 'v1.0') {
    return {
      autoScaling: { compute: { enabled: false, scaleDownEnabled: false }, diskGBEnabled: false },
      backupEnabled: false,
      clusterType: 'REPLICASET',
      ...common,
      diskSizeGB: 30.0,
      encryptionAtRestProvider: 'NONE',
      labels: [],
      links,
      mongoDBMajorVersion: majorVersion,
      mongoDBVersion: deployment.mongoDBVersion,
      name: deployment.name,
      numShards: 1,
      paused: false,
      pitEnabled: deployment.continuousBackup,
      providerBackupEnabled: deployment.backupEnabled,
      providerSettings: {
        instanceSizeName: deployment.instanceSize,
        providerName: deployment.providerName,
        regionName: deployment.regionName,
      },
      replicationFactor: 3,
      replicationSpecs: [
        {
          id: specId,
          numShards: 1,
          regionsConfig: {
            [deployment.regionName]: { analyticsNodes: 0, electableNodes: 3, priority: 7, readOnlyNodes: 0 },
          },
          zoneName: 'Zone 1',
        },
      ],
      rootCertType: 'ISRGROOTX1',
      srvAddress: `mongodb+srv://${host}`,
      stateName: state,
      tags: deployment.tags,
      terminationProtectionEnabled: deployment.terminationProtectionEnabled,
      versionReleaseSystem: 'LTS',
    };
  }
  const legacyShape = ctx.version === '2023-02-01';
  const hardware = (nodeCount: number) => ({
    instanceSize: deployment.instanceSize,
    diskIOPS: 3000,
    ...(legacyShape ? {} : { diskSizeGB: 30.0 }),
    ebsVolumeType: 'STANDARD',
    nodeCount,
  });
  // The newer shape also carries fields of the recorded 2024-08-05 description and two defaults of the
  // published spec (configServerManagementMode, replicaSetScalingStrategy), which SDK clients send back
  // in a PATCH built from a description.
  const newer = !legacyShape;
  return {
    ...(newer
      ? {
          advancedConfiguration: {
            customOpensslCipherConfigTls12: [],
            customOpensslCipherConfigTls13: [],
            minimumEnabledTlsProtocol: 'TLS1_2',
            tlsCipherConfigMode: 'DEFAULT',
          },
        }
      : {}),
    backupEnabled: deployment.backupEnabled,
    biConnector: { enabled: false, readPreference: 'secondary' },
    clusterType: 'REPLICASET',
    ...(newer ? { configServerManagementMode: 'ATLAS_MANAGED' } : {}),
    connectionStrings: common.connectionStrings,
    createDate: common.createDate,
    ...(legacyShape ? { diskSizeGB: 30.0 } : { diskWarmingMode: 'FULLY_WARMED' }),
    encryptionAtRestProvider: 'NONE',
    ...(newer ? { featureCompatibilityVersion: majorVersion } : {}),
    globalClusterSelfManagedSharding: false,
    groupId: common.groupId,
    id: common.id,
    labels: [],
    links,
    mongoDBMajorVersion: majorVersion,
    mongoDBVersion: deployment.mongoDBVersion,
    name: deployment.name,
    paused: false,
    pitEnabled: deployment.continuousBackup,
    ...(newer ? { redactClientLogData: false, replicaSetScalingStrategy: 'WORKLOAD_TYPE' } : {}),
    replicationSpecs: [
      {
        id: specId,
        ...(legacyShape ? { numShards: 1 } : {}),
        regionConfigs: [
          {
            analyticsSpecs: hardware(0),
            electableSpecs: hardware(3),
            priority: 7,
            providerName: deployment.providerName,
            readOnlySpecs: hardware(0),
            regionName: deployment.regionName,
          },
        ],
        zoneId,
        zoneName: 'Zone 1',
      },
    ],
    rootCertType: 'ISRGROOTX1',
    stateName: state,
    tags: deployment.tags,
    terminationProtectionEnabled: deployment.terminationProtectionEnabled,
    versionReleaseSystem: 'LTS',
  };
}

/** The cloud-backup flag: `backupEnabled` on v2, `providerBackupEnabled` on v1.0 (where the other is legacy). */
const backupFieldOf = (ctx: ViewContext) =>
  ctx.flavour === 'v2' ? 'backupEnabled' : 'providerBackupEnabled';

function patchRules(backupField: string): PatchRules {
  return {
    writable: ['pitEnabled', backupField, 'terminationProtectionEnabled', 'tags'],
    readOnly: [
      'connectionStrings',
      'createDate',
      'featureCompatibilityVersion',
      'groupId',
      'id',
      'mongoDBVersion',
      'name',
      'srvAddress',
    ],
    readOnlyErrors: {
      name: () =>
        new SimError('clusterCannotChangeName', 'Cannot change name of cluster during an update.', []),
    },
    volatile: ['links', 'stateName'],
  };
}

export const clusterKind: SimKind<SeedEntry> = {
  kind: 'cluster',
  segment: SEGMENT,
  flavours: ['v1.0', 'v2'],
  versions: {
    deployment: ['2023-02-01', '2024-08-05'],
    // The published spec gives the cluster PATCH one more version than the GET: 2024-10-23.
    update: ['2023-02-01', '2024-08-05', '2024-10-23'],
    backup: ['2023-01-01'],
  },
  // The published spec has one version of the collection restore and snapshot namespace routes.
  collectionRestores: { versions: ['2025-03-12'] },
  routeIds: {
    list: 'listClusters',
    get: 'getCluster',
    update: 'updateCluster',
    listSnapshots: 'listClusterSnapshots',
    getSnapshot: 'getClusterSnapshot',
  },
  headers: (resource, version) =>
    resource === 'deployment' && version === '2023-02-01' ? CLUSTER_2023_DEPRECATION : {},

  seedKey: 'clusters',
  fromSeed(c) {
    const createdMs = objectIdSeconds(c.id) * 1000;
    return {
      kind: 'cluster',
      id: c.id,
      groupId: c.groupId,
      name: c.name,
      createdMs,
      mongoDBVersion: c.mongoDBVersion,
      providerName: c.providerName,
      regionName: c.regionName,
      instanceSize: c.instanceSize,
      terminationProtectionEnabled: c.terminationProtectionEnabled,
      tags: c.tags,
      backupEnabled: c.backupEnabled,
      continuousBackup: c.pitEnabled,
      backupHistory: [{ fromMs: createdMs, mode: backupMode(c.backupEnabled, c.pitEnabled) }],
    };
  },

  deploymentView: view,
  /**
   * The backup switches, termination protection and tags are applied; a PATCH carrying the rest of the
   * description (as SDKs send it back) is accepted as long as it repeats it.
   */
  update(deployment, body, ctx) {
    const backupField = backupFieldOf(ctx);
    const fields = writableFields(body, view(deployment, ctx), patchRules(backupField));
    const update = parseUpdate(
      commonUpdateSchema.extend({
        pitEnabled: z.boolean().optional(),
        [backupField]: z.boolean().optional(),
      }),
      fields,
    ) as z.output<typeof commonUpdateSchema> & Record<string, boolean | undefined>;
    const backupEnabled = update[backupField] ?? deployment.backupEnabled;
    const pitEnabled = update.pitEnabled ?? deployment.continuousBackup;
    if (pitEnabled && !backupEnabled)
      throw new SimError(
        'pitRequiresBackup',
        `pitEnabled: continuous cloud backup needs cloud backup (${backupField}) on.`,
        ['pitEnabled', backupField],
      );
    deployment.backupEnabled = backupEnabled;
    deployment.continuousBackup = pitEnabled;
    if (update.terminationProtectionEnabled !== undefined)
      deployment.terminationProtectionEnabled = update.terminationProtectionEnabled;
    if (update.tags) deployment.tags = update.tags;
  },

  snapshots: sixHourlySnapshots,
  snapshotListOrder: 'newestFirst',
  snapshotView(snapshot, deployment, ctx) {
    const owner = deploymentHref(SEGMENT, deployment.groupId, deployment.name, ctx);
    // Recorded snapshots gain `createdAt` only once they are no longer in flight.
    const settled = snapshot.status === 'completed' || snapshot.status === 'failed';
    return {
      cloudProvider: deployment.providerName,
      copyRegions: [],
      ...(settled ? { createdAt: isoSeconds(snapshot.takenMs) } : {}),
      ...(snapshot.expiresMs !== undefined ? { expiresAt: isoSeconds(snapshot.expiresMs) } : {}),
      frequencyType: snapshot.frequencyType,
      id: snapshot.id,
      links: [link(`${owner}/backup/snapshots/${snapshot.id}`, 'self'), link(owner, OWNER_REL)],
      mongodVersion: deployment.mongoDBVersion,
      policyItems: [],
      replicaSetName: deployment.name,
      snapshotType: 'scheduled',
      status: snapshot.status,
      storageSizeBytes: snapshot.storageSizeBytes,
      type: 'replicaSet',
    };
  },

  createRestoreJob: (world, source, body, settings) =>
    buildClassicRestoreJob(world, source, body, settings, {
      targetKinds: ['cluster'],
      targetNotFound: errors.clusterNotFound,
    }),
  // Atlas answers 200 on create (recorded on v2); the legacy v1.0 documentation shows 201 Created.
  createStatus: (flavour) => (flavour === 'v2' ? 200 : 201),
  restoreJobView: (job, phase, ctx) =>
    classicRestoreJobView(job, phase, ctx, { segment: SEGMENT, rel: OWNER_REL }),
  cancel: cancelDownloadJob,

  notFound: errors.clusterNotFound,
  otherKindError: (name, _groupId, other) =>
    other === 'flex' ? errors.flexInClusterApi(name) : errors.serverlessInClusterApi(name),
};
