import { isoSeconds } from './clock';
import { hashHex, objectIdFor } from './ids';
import type { RestoreJobPhase } from './restore-jobs';
import type { SnapshotState } from './snapshots';
import type { DeploymentRecord, ProjectRecord, RestoreJobRecord } from './state';

/**
 * Response bodies in the shapes of the recorded Atlas responses (atlas-recordings): keys in Atlas' order
 * (alphabetical), `links` with the same `rel` values, timestamps without fractional seconds.
 */

export interface ViewContext {
  /** `http://host:port/api/atlas/v2` (or `v1.0`): the prefix of every `href`. */
  apiBase: string;
  flavour: 'v1.0' | 'v2';
  /** The negotiated media-type version on v2. */
  version?: string;
  nowMs: number;
}

const link = (href: string, rel: string) => ({ href, rel });

export function projectView(project: ProjectRecord, clusterCount: number, ctx: ViewContext) {
  return {
    clusterCount,
    created: isoSeconds(project.createdMs),
    id: project.id,
    links: [link(`${ctx.apiBase}/groups/${project.id}`, 'self')],
    name: project.name,
    orgId: project.orgId,
  };
}

export function deploymentPath(
  deployment: Pick<DeploymentRecord, 'kind' | 'groupId' | 'name'>,
  ctx: ViewContext,
) {
  const segment = deployment.kind === 'serverless' ? 'serverless' : 'clusters';
  return `${ctx.apiBase}/groups/${deployment.groupId}/${segment}/${deployment.name}`;
}

function deploymentLinks(deployment: DeploymentRecord, ctx: ViewContext) {
  const self = deploymentPath(deployment, ctx);
  return [
    link(self, 'self'),
    link(`${self}/backup/restoreJobs`, 'https://cloud.mongodb.com/restoreJobs'),
    link(`${self}/backup/snapshots`, 'https://cloud.mongodb.com/snapshots'),
  ];
}

function hostLabel(deployment: DeploymentRecord): string {
  return hashHex(`${deployment.groupId}|host`).slice(0, 7);
}

export function deploymentStateName(deployment: DeploymentRecord, nowMs: number): string {
  const update = deployment.update;
  return update && nowMs >= update.startsMs && nowMs < update.endsMs ? 'UPDATING' : 'IDLE';
}

export function serverlessView(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string) {
  return {
    connectionStrings: {
      standardSrv: `mongodb+srv://${deployment.name.toLowerCase()}.${hostLabel(deployment)}.mongodb.net`,
    },
    createDate: isoSeconds(deployment.createdMs),
    groupId: deployment.groupId,
    id: deployment.id,
    links: deploymentLinks(deployment, ctx),
    mongoDBVersion: deployment.mongoDBVersion,
    name: deployment.name,
    providerSettings: {
      backingProviderName: deployment.providerName,
      providerName: 'SERVERLESS',
      regionName: deployment.regionName,
    },
    serverlessBackupOptions: { serverlessContinuousBackupEnabled: deployment.continuousBackup },
    stateName: stateName ?? deploymentStateName(deployment, ctx.nowMs),
    tags: deployment.tags,
    terminationProtectionEnabled: deployment.terminationProtectionEnabled,
  };
}

/**
 * A dedicated cluster in the shape of the requested API: v1.0 (`providerBackupEnabled`, `providerSettings`;
 * its `backupEnabled` is legacy backup, always false here), v2 2023-02-01 (top-level `diskSizeGB`,
 * `numShards`) or v2 2024-08-05 (sizes per region config).
 */
export function clusterView(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string) {
  const host = `${deployment.name.toLowerCase()}.${hostLabel(deployment)}.mongodb.net`;
  const majorVersion = deployment.mongoDBVersion.split('.').slice(0, 2).join('.');
  const specId = objectIdFor(deployment.createdMs, deployment.id, 'replicationSpec');
  const zoneId = objectIdFor(deployment.createdMs, deployment.id, 'zone');
  const state = stateName ?? deploymentStateName(deployment, ctx.nowMs);
  const common = {
    connectionStrings: { standardSrv: `mongodb+srv://${host}` },
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
      links: deploymentLinks(deployment, ctx),
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
  return {
    backupEnabled: deployment.backupEnabled,
    biConnector: { enabled: false, readPreference: 'secondary' },
    clusterType: 'REPLICASET',
    ...common,
    ...(legacyShape ? { diskSizeGB: 30.0 } : {}),
    encryptionAtRestProvider: 'NONE',
    ...(legacyShape ? {} : { featureCompatibilityVersion: majorVersion }),
    globalClusterSelfManagedSharding: false,
    labels: [],
    links: deploymentLinks(deployment, ctx),
    mongoDBMajorVersion: majorVersion,
    mongoDBVersion: deployment.mongoDBVersion,
    name: deployment.name,
    paused: false,
    pitEnabled: deployment.continuousBackup,
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

export function snapshotView(snapshot: SnapshotState, deployment: DeploymentRecord, ctx: ViewContext) {
  const owner = deploymentPath(deployment, ctx);
  // Recorded dedicated snapshots gain `createdAt` only once they are no longer in flight.
  const settled = snapshot.status === 'completed' || snapshot.status === 'failed';
  const createdAt = settled ? { createdAt: isoSeconds(snapshot.takenMs) } : {};
  const expiresAt = snapshot.expiresMs !== undefined ? { expiresAt: isoSeconds(snapshot.expiresMs) } : {};
  if (deployment.kind === 'serverless') {
    return {
      ...createdAt,
      ...expiresAt,
      frequencyType: snapshot.frequencyType,
      id: snapshot.id,
      links: [
        link(`${owner}/backup/snapshots/${snapshot.id}`, 'self'),
        link(owner, 'https://cloud.mongodb.com/serverlessInstance'),
      ],
      mongodVersion: deployment.mongoDBVersion,
      serverlessInstanceName: deployment.name,
      snapshotType: 'scheduled',
      status: snapshot.status,
      storageSizeBytes: snapshot.storageSizeBytes,
    };
  }
  return {
    cloudProvider: deployment.providerName,
    copyRegions: [],
    ...createdAt,
    ...expiresAt,
    frequencyType: snapshot.frequencyType,
    id: snapshot.id,
    links: [
      link(`${owner}/backup/snapshots/${snapshot.id}`, 'self'),
      link(owner, 'https://cloud.mongodb.com/cluster'),
    ],
    mongodVersion: deployment.mongoDBVersion,
    policyItems: [],
    replicaSetName: deployment.name,
    snapshotType: 'scheduled',
    status: snapshot.status,
    storageSizeBytes: snapshot.storageSizeBytes,
    type: 'replicaSet',
  };
}

const DOWNLOAD_LINK_LIFETIME_MS = 3_600_000;

/**
 * A restore job as Atlas shows it: no status field, only flags and timestamps (atlas-api.md §4). Created
 * with every flag false and no `finishedAt`; a finished download gets `deliveryUrl` and an `expiresAt`
 * one hour later but no `finishedAt` (as recorded).
 */
export function restoreJobView(job: RestoreJobRecord, phase: RestoreJobPhase, ctx: ViewContext) {
  const owner = deploymentPath({ kind: job.kind, groupId: job.groupId, name: job.deploymentName }, ctx);
  const download = job.deliveryType === 'download';
  const ended = phase.endMs;
  const pit = job.pointInTimeUTCSeconds ?? job.oplogTs;
  const timestampMs = pit !== undefined ? pit * 1000 : job.snapshotTakenMs;
  let expiresAt: string | undefined;
  let finishedAt: string | undefined;
  if (ended !== undefined) {
    if (phase.state === 'finished' && download) expiresAt = isoSeconds(ended + DOWNLOAD_LINK_LIFETIME_MS);
    else if (phase.state === 'expired') expiresAt = isoSeconds(ended);
    else finishedAt = isoSeconds(ended);
  }
  const links = [link(`${owner}/backup/restoreJobs/${job.id}`, 'self')];
  if (job.snapshotId)
    links.push(link(`${owner}/backup/snapshots/${job.snapshotId}`, 'https://cloud.mongodb.com/snapshot'));
  links.push(
    link(
      owner,
      job.kind === 'serverless'
        ? 'https://cloud.mongodb.com/serverlessInstance'
        : 'https://cloud.mongodb.com/cluster',
    ),
    link(`${ctx.apiBase}/groups/${job.groupId}`, 'https://cloud.mongodb.com/group'),
  );
  return {
    cancelled: phase.state === 'cancelled',
    deliveryType: job.deliveryType,
    deliveryUrl:
      phase.state === 'finished' && download
        ? [
            `https://restore-${job.id}.${hashHex(job.groupId).slice(0, 6)}.mongodb.net:27017/${hashHex(`${job.id}|url`).slice(0, 32)}/restore-${job.snapshotId}.tar.gz`,
          ]
        : [],
    desiredTimestamp:
      pit !== undefined
        ? { increment: job.oplogInc ?? null, time: job.oplogTs ?? null, date: isoSeconds(pit * 1000) }
        : { increment: null, time: null, date: null },
    expired: phase.state === 'expired',
    ...(expiresAt ? { expiresAt } : {}),
    failed: phase.state === 'failed',
    ...(finishedAt ? { finishedAt } : {}),
    id: job.id,
    links,
    ...(job.oplogInc !== undefined ? { oplogInc: job.oplogInc } : {}),
    ...(job.oplogTs !== undefined ? { oplogTs: job.oplogTs } : {}),
    ...(job.pointInTimeUTCSeconds !== undefined ? { pointInTimeUTCSeconds: job.pointInTimeUTCSeconds } : {}),
    ...(job.snapshotId ? { snapshotId: job.snapshotId } : {}),
    ...(job.targetClusterName ? { targetClusterName: job.targetClusterName } : {}),
    ...(job.targetDeploymentItemName ? { targetDeploymentItemName: job.targetDeploymentItemName } : {}),
    ...(job.targetGroupId ? { targetGroupId: job.targetGroupId } : {}),
    ...(timestampMs !== undefined ? { timestamp: isoSeconds(timestampMs) } : {}),
  };
}
