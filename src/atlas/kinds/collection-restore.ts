import { z } from 'zod';
import {
  COLLECTION_INDEX_STRATEGIES,
  COLLECTION_WRITE_STRATEGIES,
  collectionRestoreJobState,
  isoFromSeconds,
  objectIdSeconds,
  type CollectionIndexStrategy,
  type CollectionRestoreJobView,
  type CollectionRestoreNamespaceView,
  type CollectionRestoreSpec,
  type CollectionWriteStrategy,
  type NamespaceMapping,
} from '../../common/atlas-views';
import { MIN_POINT_IN_TIME_UTC_SECONDS, objectIdSchema } from '../../common/restore-request';
import { collectionNameSchema, databaseNameSchema } from '../../common/validation';
import { isoDate, links } from '../wire';

/**
 * Collection- and database-level restores of dedicated clusters (docs/atlas.md#collection-and-database-restores):
 * `/groups/{groupId}/clusters/{name}/collectionRestoreJobs`, where `{name}` is the source cluster, and the
 * namespace listings of its snapshots, all v2 only, media type 2025-03-12. Wire names from the published
 * spec: `ApiAtlasCollectionRestoreJobRequest`, `ApiAtlasCollectionRestoreJobResponse`,
 * `ApiAtlasCollectionRestoreCollectionStateResponse`, `DiskBackupDatabaseResponse`, `DiskBackupCollectionResponse`.
 */

export const COLLECTION_RESTORE_VERSION = '2025-03-12';
/** Atlas' limit on `databases[]` and on `collections[]` of one job. */
export const MAX_RESTORE_NAMESPACES = 100;

/** `database.collection`, each part by MongoDB's naming rules (docs/atlas.md#namespaces). */
export const collectionNamespaceSchema = z.string().superRefine((value, ctx) => {
  const dot = value.indexOf('.');
  const database = databaseNameSchema.safeParse(dot < 0 ? value : value.slice(0, dot));
  const collection = collectionNameSchema.safeParse(dot < 0 ? '' : value.slice(dot + 1));
  if (dot < 0 || !database.success || !collection.success)
    ctx.addIssue({ code: 'custom', message: 'must be <database>.<collection> with valid names' });
});

const restoreNamespace = <T extends z.ZodType<string>>(name: T) =>
  z.strictObject({ sourceNamespace: name, targetNamespace: name.nullish() });

/**
 * `ApiAtlasCollectionRestoreJobRequest`. The spec requires the target and both strategies; the source is one
 * of `snapshotId`, `pointInTimeUtcSeconds` or `oplogTs` + `oplogInc`. Sending no namespace at all is refused
 * here, as it could restore nothing (what Atlas does with it is undocumented).
 */
export const collectionRestoreJobCreateSchema = z
  .strictObject({
    targetClusterName: z.string().min(1, 'must not be empty'),
    targetGroupId: objectIdSchema,
    writeStrategy: z.enum(COLLECTION_WRITE_STRATEGIES),
    indexStrategy: z.enum(COLLECTION_INDEX_STRATEGIES),
    snapshotId: objectIdSchema.nullish(),
    pointInTimeUtcSeconds: z.number().int().min(MIN_POINT_IN_TIME_UTC_SECONDS).nullish(),
    oplogTs: z.number().int().positive().nullish(),
    oplogInc: z.number().int().positive().nullish(),
    databases: z
      .array(restoreNamespace(databaseNameSchema))
      .max(MAX_RESTORE_NAMESPACES, `must hold at most ${MAX_RESTORE_NAMESPACES} databases`)
      .nullish(),
    collections: z
      .array(restoreNamespace(collectionNamespaceSchema))
      .max(MAX_RESTORE_NAMESPACES, `must hold at most ${MAX_RESTORE_NAMESPACES} collections`)
      .nullish(),
    databaseSuffix: z.string().nullish(),
    collectionSuffix: z.string().nullish(),
  })
  .superRefine((body, ctx) => {
    const oplog = body.oplogTs != null || body.oplogInc != null;
    const sources = [body.snapshotId != null, body.pointInTimeUtcSeconds != null, oplog].filter(Boolean);
    if (sources.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [body.snapshotId != null ? 'snapshotId' : 'pointInTimeUtcSeconds'],
        message: 'exactly one of snapshotId, pointInTimeUtcSeconds or oplogTs + oplogInc is required',
      });
    if (oplog && (body.oplogTs == null || body.oplogInc == null))
      ctx.addIssue({
        code: 'custom',
        path: [body.oplogTs == null ? 'oplogTs' : 'oplogInc'],
        message: 'oplogTs and oplogInc go together',
      });
    if ((body.databases?.length ?? 0) + (body.collections?.length ?? 0) === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['collections'],
        message: 'must name at least one database or collection',
      });
  });
export type CollectionRestoreJobCreate = z.infer<typeof collectionRestoreJobCreateSchema>;

const namespaceEcho = z.looseObject({ sourceNamespace: z.string(), targetNamespace: z.string().nullish() });
/** Index builds, per job and per collection: NOT_STARTED, IN_PROGRESS, SUCCESSFUL, FAILED, NOT_RESTORED. */
const indexStatusSchema = z.looseObject({
  state: z.string().nullish(),
  failedCollectionCount: z.number().int().nullish(),
  errorMessage: z.string().nullish(),
});

/** `ApiAtlasCollectionRestoreJobResponse`; `state` stays a string, so a state Atlas adds later still parses. */
export const collectionRestoreJobSchema = z.looseObject({
  id: objectIdSchema,
  state: z.string(),
  restoredDocuments: z.number().int().nonnegative().nullish(),
  totalDocuments: z.number().int().nonnegative().nullish(),
  errorMessage: z.string().nullish(),
  createdAt: isoDate.nullish(),
  finishedAt: isoDate.nullish(),
  targetClusterName: z.string().nullish(),
  targetGroupId: objectIdSchema.nullish(),
  snapshotId: objectIdSchema.nullish(),
  pointInTimeUtcSeconds: z.number().int().nullish(),
  oplogTs: z.number().int().nullish(),
  oplogInc: z.number().int().nullish(),
  writeStrategy: z.string().nullish(),
  indexStrategy: z.string().nullish(),
  databases: z.array(namespaceEcho).nullish(),
  collections: z.array(namespaceEcho).nullish(),
  databaseSuffix: z.string().nullish(),
  collectionSuffix: z.string().nullish(),
  indexStatus: indexStatusSchema.nullish(),
  links: links.optional(),
});
export type CollectionRestoreJob = z.infer<typeof collectionRestoreJobSchema>;

/** `ApiAtlasCollectionRestoreCollectionStateResponse`: one collection of a job. */
export const collectionRestoreCollectionSchema = z.looseObject({
  sourceNamespace: z.string(),
  targetNamespace: z.string().nullish(),
  effectiveTargetNamespace: z.string().nullish(),
  state: z.string().nullish(),
  restoredDocuments: z.number().int().nonnegative().nullish(),
  totalDocuments: z.number().int().nonnegative().nullish(),
  indexStatus: indexStatusSchema.nullish(),
});
export type CollectionRestoreCollection = z.infer<typeof collectionRestoreCollectionSchema>;

/** `DiskBackupDatabaseResponse` and `DiskBackupCollectionResponse`: a name (and links), no counts. */
export const snapshotNamespaceSchema = z.looseObject({ name: z.string(), links: links.optional() });
export type SnapshotNamespace = z.infer<typeof snapshotNamespaceSchema>;

const mappingOf = (entry: {
  sourceNamespace: string;
  targetNamespace?: string | null;
}): NamespaceMapping => ({
  source: entry.sourceNamespace,
  ...(entry.targetNamespace ? { target: entry.targetNamespace } : {}),
});
const wireMapping = (mapping: NamespaceMapping) => ({
  sourceNamespace: mapping.source,
  ...(mapping.target !== undefined ? { targetNamespace: mapping.target } : {}),
});

/** The create body for a neutral spec; the spec's one source (snapshot or point in time) is sent as is. */
export function collectionRestoreBody(spec: CollectionRestoreSpec): CollectionRestoreJobCreate {
  const body: CollectionRestoreJobCreate = {
    targetClusterName: spec.target.name,
    targetGroupId: spec.target.groupId,
    writeStrategy: spec.writeStrategy,
    indexStrategy: spec.indexStrategy,
  };
  if (spec.snapshotId !== undefined) body.snapshotId = spec.snapshotId;
  if (spec.pointInTimeUtcSeconds !== undefined) body.pointInTimeUtcSeconds = spec.pointInTimeUtcSeconds;
  if (spec.databases?.length) body.databases = spec.databases.map(wireMapping);
  if (spec.collections?.length) body.collections = spec.collections.map(wireMapping);
  if (spec.databaseSuffix) body.databaseSuffix = spec.databaseSuffix;
  if (spec.collectionSuffix) body.collectionSuffix = spec.collectionSuffix;
  return body;
}

export function collectionRestoreNamespaceView(
  entry: CollectionRestoreCollection,
): CollectionRestoreNamespaceView {
  const view: CollectionRestoreNamespaceView = {
    source: entry.sourceNamespace,
    target: entry.effectiveTargetNamespace ?? entry.targetNamespace ?? entry.sourceNamespace,
    state: entry.state ?? 'NOT_STARTED',
  };
  if (typeof entry.restoredDocuments === 'number') view.restoredDocuments = entry.restoredDocuments;
  if (typeof entry.totalDocuments === 'number') view.totalDocuments = entry.totalDocuments;
  return view;
}

/**
 * The neutral view of a job. `createdAt` is Atlas' own, else the second in the job's id; the target falls
 * back to the source cluster (a restore into itself) when Atlas leaves it out.
 */
export function collectionRestoreJobView(
  job: CollectionRestoreJob,
  source: { groupId: string; name: string },
  collections?: readonly CollectionRestoreCollection[],
): CollectionRestoreJobView {
  const view: CollectionRestoreJobView = {
    id: job.id,
    state: collectionRestoreJobState(job.state),
    atlasState: job.state,
    createdAt: job.createdAt ?? isoFromSeconds(objectIdSeconds(job.id)),
    target: { groupId: job.targetGroupId ?? source.groupId, name: job.targetClusterName ?? source.name },
    writeStrategy: (job.writeStrategy ?? 'CREATE_NEW') as CollectionWriteStrategy,
    indexStrategy: (job.indexStrategy ?? 'ALL') as CollectionIndexStrategy,
  };
  if (typeof job.restoredDocuments === 'number') view.restoredDocuments = job.restoredDocuments;
  if (typeof job.totalDocuments === 'number') view.totalDocuments = job.totalDocuments;
  if (job.errorMessage) view.errorMessage = job.errorMessage;
  if (job.finishedAt) view.finishedAt = job.finishedAt;
  if (job.snapshotId) view.snapshotId = job.snapshotId;
  if (typeof job.pointInTimeUtcSeconds === 'number') view.pointInTimeUtcSeconds = job.pointInTimeUtcSeconds;
  else if (typeof job.oplogTs === 'number') view.pointInTimeUtcSeconds = job.oplogTs;
  if (job.databases?.length) view.databases = job.databases.map(mappingOf);
  if (job.collections?.length) view.collections = job.collections.map(mappingOf);
  if (job.databaseSuffix) view.databaseSuffix = job.databaseSuffix;
  if (job.collectionSuffix) view.collectionSuffix = job.collectionSuffix;
  if (collections) view.namespaces = collections.map(collectionRestoreNamespaceView);
  return view;
}
