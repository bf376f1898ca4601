import type { CollectionRestoreSpec } from '../common/atlas-views';
import type { AtlasBackupApi, CallOptions, DeploymentRef, DeploymentTarget } from './api';
import type { AtlasClient } from './client';
import { AtlasApiError } from './errors';
import { KIND_ADAPTERS } from './kinds';
import { collectionRestoreBody, collectionRestoreJobView } from './kinds/collection-restore';
import type { Page } from './wire';

/** Atlas' maximum page size (docs/atlas.md#pagination). */
const PAGE_SIZE = 500;

type CollectionRestoreApi = Pick<
  AtlasBackupApi,
  | 'createCollectionRestoreJob'
  | 'getCollectionRestoreJob'
  | 'listCollectionRestoreJobs'
  | 'listSnapshotNamespaces'
>;

/** Every item of a list, page after page, until a page comes back short. */
async function everyPage<T>(fetch: (pageNum: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let pageNum = 1; ; pageNum++) {
    const page = await fetch(pageNum);
    items.push(...page.results);
    if (page.results.length < PAGE_SIZE) return items;
  }
}

/**
 * The kind-neutral collection- and database-level restore operations (docs/atlas.md#collection-and-database-restores)
 * on top of one client. Only kinds whose capabilities have `collectionRestore` get a request sent; the
 * others reject with kind `unsupported`. Every Atlas failure stays an `AtlasApiError` with its status,
 * `errorCode` and `detail`; nothing here retries.
 */
export function collectionRestoreApi(client: AtlasClient): CollectionRestoreApi {
  const target = (ref: DeploymentRef): DeploymentTarget => ({ groupId: ref.groupId, name: ref.name });
  const operations = (ref: DeploymentRef) => {
    // Unknown kinds fail with a named field before anything is sent.
    client.deployment(ref.kind);
    return client.collectionRestores(ref.kind);
  };
  /** What a spec gets wrong that its type cannot say; nothing is sent. */
  const refuse = (ref: DeploymentRef, spec: CollectionRestoreSpec): string | undefined => {
    const capabilities = KIND_ADAPTERS[ref.kind].capabilities;
    if (!capabilities.collectionRestore)
      return `Atlas restores single databases and collections of dedicated clusters only, not of ${capabilities.label}s`;
    if ((spec.snapshotId === undefined) === (spec.pointInTimeUtcSeconds === undefined))
      return 'spec: give exactly one of snapshotId and pointInTimeUtcSeconds';
    if ((spec.databases?.length ?? 0) + (spec.collections?.length ?? 0) === 0)
      return 'spec: name at least one database or collection';
    return undefined;
  };

  return {
    async createCollectionRestoreJob(ref, spec, options?: CallOptions) {
      const ops = operations(ref);
      const why = refuse(ref, spec);
      if (why !== undefined) {
        const adapter = KIND_ADAPTERS[ref.kind];
        throw new AtlasApiError({
          kind: adapter.capabilities.collectionRestore ? 'invalid_request' : 'unsupported',
          method: 'POST',
          path: `/groups/${ref.groupId}/${adapter.collection}/${ref.name}/collectionRestoreJobs`,
          retryable: false,
          detail: why,
        });
      }
      const job = await ops.createCollectionRestoreJob(target(ref), collectionRestoreBody(spec), options);
      return collectionRestoreJobView(job, ref);
    },

    async getCollectionRestoreJob(ref, jobId, options = {}) {
      const ops = operations(ref);
      const job = await ops.getCollectionRestoreJob(target(ref), jobId, options);
      if (options.namespaces === false) return collectionRestoreJobView(job, ref);
      const collections = await everyPage((pageNum) =>
        ops.listCollectionRestoreCollections(
          target(ref),
          jobId,
          { pageNum, itemsPerPage: PAGE_SIZE },
          options,
        ),
      );
      return collectionRestoreJobView(job, ref, collections);
    },

    async listCollectionRestoreJobs(ref, page, options) {
      const raw = await operations(ref).listCollectionRestoreJobs(target(ref), page, options);
      return { ...raw, results: raw.results.map((job) => collectionRestoreJobView(job, ref)) };
    },

    async listSnapshotNamespaces(ref, snapshotId, database, options) {
      const ops = operations(ref);
      if (database === undefined) {
        const databases = await everyPage((pageNum) =>
          ops.listSnapshotDatabases(target(ref), snapshotId, { pageNum, itemsPerPage: PAGE_SIZE }, options),
        );
        return { snapshotId, databases: databases.map((db) => ({ name: db.name })) };
      }
      const collections = await everyPage((pageNum) =>
        ops.listSnapshotCollections(
          target(ref),
          snapshotId,
          database,
          { pageNum, itemsPerPage: PAGE_SIZE },
          options,
        ),
      );
      return { snapshotId, databases: [{ name: database, collections: collections.map((c) => c.name) }] };
    },
  };
}
