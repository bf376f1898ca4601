import { z } from 'zod';
import { serverlessInstanceUpdateSchema } from '../../atlas/schemas';
import { objectIdSchema } from '../../common/restore-request';
import { buildClassicRestoreJob, classicRestoreJobView } from '../classic-restore-jobs';
import { isoSeconds } from '../clock';
import { SimError, errors } from '../errors';
import { objectIdSeconds } from '../ids';
import { writableFields, type PatchRules } from '../patch';
import { sixHourlySnapshots } from '../snapshots';
import type { DeploymentRecord } from '../state';
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
  deploymentNameSchema,
  parseUpdate,
  providerNameSchema,
  seedDataField,
  seedTagSchema,
} from './common';
import type { SimKind } from './types';

/** Observed on serverless calls in Dec 2025, errors included. */
export const SERVERLESS_DEPRECATION = {
  Deprecation: 'Wed, 10 Dec 2025 00:00:00 GMT',
  Sunset: 'Thu, 15 Jan 2026 00:00:00 GMT',
};

const SEGMENT = 'serverless';
const OWNER_REL = 'https://cloud.mongodb.com/serverlessInstance';

export const serverlessSeedSchema = z.strictObject({
  id: objectIdSchema,
  groupId: objectIdSchema,
  name: deploymentNameSchema,
  /** Serverless Continuous Backup (true) or Basic Backup (false). */
  continuousBackup: z.boolean().default(false),
  mongoDBVersion: z.string().default('8.0.17'),
  backingProviderName: providerNameSchema.default('AWS'),
  regionName: z.string().default('US_EAST_1'),
  terminationProtectionEnabled: z.boolean().default(false),
  tags: z.array(seedTagSchema).default([]),
  ...seedDataField,
});
type SeedEntry = z.output<typeof serverlessSeedSchema>;

function view(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string) {
  return {
    connectionStrings: connectionStrings(deployment, ctx, {
      standardSrv: `mongodb+srv://${deployment.name.toLowerCase()}.${hostLabel(deployment)}.mongodb.net`,
    }),
    createDate: isoSeconds(deployment.createdMs),
    groupId: deployment.groupId,
    id: deployment.id,
    links: deploymentLinks(deploymentHref(SEGMENT, deployment.groupId, deployment.name, ctx)),
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

/** `ServerlessInstanceDescriptionUpdate` is the PATCH body; the rest of the description is read-only. */
const PATCH_RULES: PatchRules = {
  writable: ['serverlessBackupOptions', 'terminationProtectionEnabled', 'tags'],
  readOnly: [
    'connectionStrings',
    'createDate',
    'groupId',
    'id',
    'mongoDBVersion',
    'name',
    'providerSettings',
  ],
  volatile: ['links', 'stateName'],
};

export const serverlessKind: SimKind<SeedEntry> = {
  kind: 'serverless',
  segment: SEGMENT,
  flavours: ['v1.0', 'v2'],
  versions: { deployment: ['2023-01-01'], backup: ['2023-01-01'] },
  routeIds: {
    list: 'listServerless',
    get: 'getServerless',
    update: 'updateServerless',
    listSnapshots: 'listServerlessSnapshots',
    getSnapshot: 'getServerlessSnapshot',
  },
  headers: () => SERVERLESS_DEPRECATION,

  seedKey: 'serverless',
  fromSeed(s) {
    const createdMs = objectIdSeconds(s.id) * 1000;
    return {
      kind: 'serverless',
      id: s.id,
      groupId: s.groupId,
      name: s.name,
      createdMs,
      mongoDBVersion: s.mongoDBVersion,
      providerName: s.backingProviderName,
      regionName: s.regionName,
      instanceSize: 'SERVERLESS',
      terminationProtectionEnabled: s.terminationProtectionEnabled,
      tags: s.tags,
      // Serverless backup cannot be turned off; only its mode changes.
      backupEnabled: true,
      continuousBackup: s.continuousBackup,
      backupHistory: [{ fromMs: createdMs, mode: s.continuousBackup ? 'continuous' : 'basic' }],
    };
  },

  deploymentView: view,
  update(deployment, body, ctx) {
    const fields = writableFields(body, view(deployment, ctx), PATCH_RULES);
    const update = parseUpdate(serverlessInstanceUpdateSchema, fields);
    if (update.serverlessBackupOptions)
      deployment.continuousBackup = update.serverlessBackupOptions.serverlessContinuousBackupEnabled;
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
      ...(settled ? { createdAt: isoSeconds(snapshot.takenMs) } : {}),
      ...(snapshot.expiresMs !== undefined ? { expiresAt: isoSeconds(snapshot.expiresMs) } : {}),
      frequencyType: snapshot.frequencyType,
      id: snapshot.id,
      links: [link(`${owner}/backup/snapshots/${snapshot.id}`, 'self'), link(owner, OWNER_REL)],
      mongodVersion: deployment.mongoDBVersion,
      serverlessInstanceName: deployment.name,
      snapshotType: 'scheduled',
      status: snapshot.status,
      storageSizeBytes: snapshot.storageSizeBytes,
    };
  },

  createRestoreJob: (world, source, body, settings) =>
    buildClassicRestoreJob(world, source, body, settings, {
      targetKinds: ['serverless'],
      targetNotFound: errors.serverlessNotFound,
      refuse(request) {
        if (request.deliveryType === 'download')
          return new SimError(
            'deliveryTypeUnsupported',
            'deliveryType: download is not supported for serverless instances; use automated or pointInTime.',
            ['deliveryType', 'download'],
          );
        if (request.oplogTs !== undefined || request.oplogInc !== undefined)
          return new SimError(
            'deliveryTypeUnsupported',
            'oplogTs/oplogInc: serverless instances restore to a date and time only; use pointInTimeUTCSeconds.',
            ['oplogTs'],
          );
        return undefined;
      },
    }),
  // The v2 spec answers 200; the legacy v1.0 documentation shows 201 Created.
  createStatus: (flavour) => (flavour === 'v2' ? 200 : 201),
  restoreJobView: (job, phase, ctx) =>
    classicRestoreJobView(job, phase, ctx, { segment: SEGMENT, rel: OWNER_REL }),

  notFound: errors.serverlessNotFound,
  // MongoDB's tools name this code for any cluster met through the serverless API, Flex ones included.
  otherKindError: (name) => errors.clusterInServerlessApi(name),
};
