import { z } from 'zod';
import { deploymentNameSchema, objectIdSchema } from '../common/restore-request';
import { databaseNameSchema } from '../common/validation';
import type { CollectionRestoreOperations, DeploymentTarget, PageRequest } from './api';
import { AtlasApiError } from './errors';
import type { KindAdapter } from './kinds';
import {
  COLLECTION_RESTORE_VERSION,
  collectionNamespaceSchema,
  collectionRestoreCollectionSchema,
  collectionRestoreJobCreateSchema,
  collectionRestoreJobSchema,
  snapshotNamespaceSchema,
  type CollectionRestoreCollection,
  type CollectionRestoreJob,
  type CollectionRestoreJobCreate,
  type SnapshotNamespace,
} from './kinds/collection-restore';
import { pageRequestSchema, validated, type OperationsContext } from './operations';
import { pageSchema } from './wire';

export type ClusterCollectionRestoreOperations = CollectionRestoreOperations<
  CollectionRestoreJob,
  CollectionRestoreCollection,
  CollectionRestoreJobCreate,
  SnapshotNamespace
>;

const targetSchema = z.object({ groupId: objectIdSchema, name: deploymentNameSchema });

/**
 * The wire operations of collection- and database-level restores (docs/atlas.md#collection-restore-endpoints)
 * for one kind. Only kinds whose capabilities have `collectionRestore` serve them, on v2 only; on any other
 * kind or API flavour every call rejects with kind `unsupported` and nothing is sent. Bad input is refused
 * before anything is sent, naming the field.
 */
export function collectionRestoreOperations(
  adapter: KindAdapter,
  { call, apiVersion, shownPrefix }: OperationsContext,
): ClusterCollectionRestoreOperations {
  const { capabilities } = adapter;

  /** Checks the kind, the flavour, the target and each id, and builds the encoded path. */
  const pathOf = (
    method: string,
    target: DeploymentTarget,
    segments: { value: string; field?: string; schema?: z.ZodType<string> }[],
  ) => {
    const tail = segments.map((s) => `/${encodeURIComponent(String(s.value))}`).join('');
    const display = `${shownPrefix}/groups/${encodeURIComponent(String(target?.groupId))}/${adapter.collection}/${encodeURIComponent(String(target?.name))}${tail}`;
    const unsupported = (detail: string) =>
      new AtlasApiError({ kind: 'unsupported', method, path: display, retryable: false, detail });
    if (!capabilities.collectionRestore)
      throw unsupported(
        `Atlas restores single databases and collections of dedicated clusters only, not of ${capabilities.label}s`,
      );
    if (apiVersion !== 'v2')
      throw unsupported(`collection restores are served by the Atlas Admin API v2 only, not ${apiVersion}`);
    const { groupId, name } = validated(targetSchema, target, method, display, '');
    for (const segment of segments)
      if (segment.field && segment.schema)
        validated(segment.schema, segment.value, method, display, segment.field);
    return { path: `/groups/${groupId}/${adapter.collection}/${encodeURIComponent(name)}${tail}`, display };
  };
  const pageQuery = (display: string, page: PageRequest | undefined) =>
    validated(pageRequestSchema, page ?? {}, 'GET', display, '');
  const jobs = { value: 'collectionRestoreJobs' };
  const jobId = (value: string) => ({ value, field: 'jobId', schema: objectIdSchema });
  const snapshot = (value: string) => [
    { value: 'backup' },
    { value: 'snapshots' },
    { value, field: 'snapshotId', schema: objectIdSchema },
    { value: 'databases' },
  ];
  const version = COLLECTION_RESTORE_VERSION;

  return {
    createCollectionRestoreJob: async (target, body, options) => {
      const { path, display } = pathOf('POST', target, [jobs]);
      return call({
        method: 'POST',
        path,
        version,
        body: validated(collectionRestoreJobCreateSchema, body, 'POST', display, 'body'),
        response: collectionRestoreJobSchema,
        signal: options?.signal,
      });
    },
    getCollectionRestoreJob: async (target, id, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, [jobs, jobId(id)]).path,
        version,
        response: collectionRestoreJobSchema,
        signal: options?.signal,
      }),
    listCollectionRestoreJobs: async (target, page, options) => {
      const { path, display } = pathOf('GET', target, [jobs]);
      return call({
        method: 'GET',
        path,
        version,
        query: pageQuery(display, page),
        response: pageSchema(collectionRestoreJobSchema),
        signal: options?.signal,
      });
    },
    listCollectionRestoreCollections: async (target, id, page, options) => {
      const { path, display } = pathOf('GET', target, [jobs, jobId(id), { value: 'collections' }]);
      return call({
        method: 'GET',
        path,
        version,
        query: pageQuery(display, page),
        response: pageSchema(collectionRestoreCollectionSchema),
        signal: options?.signal,
      });
    },
    getCollectionRestoreCollection: async (target, id, sourceNamespace, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, [
          jobs,
          jobId(id),
          { value: 'collections' },
          { value: sourceNamespace, field: 'sourceNamespace', schema: collectionNamespaceSchema },
        ]).path,
        version,
        response: collectionRestoreCollectionSchema,
        signal: options?.signal,
      }),
    listSnapshotDatabases: async (target, snapshotId, page, options) => {
      const { path, display } = pathOf('GET', target, snapshot(snapshotId));
      return call({
        method: 'GET',
        path,
        version,
        query: pageQuery(display, page),
        response: pageSchema(snapshotNamespaceSchema),
        signal: options?.signal,
      });
    },
    listSnapshotCollections: async (target, snapshotId, database, page, options) => {
      const { path, display } = pathOf('GET', target, [
        ...snapshot(snapshotId),
        { value: database, field: 'databaseName', schema: databaseNameSchema },
        { value: 'collections' },
      ]);
      return call({
        method: 'GET',
        path,
        version,
        query: pageQuery(display, page),
        response: pageSchema(snapshotNamespaceSchema),
        signal: options?.signal,
      });
    },
  };
}
