import type { DeploymentKind } from '../common/deployment-kinds';
import type { AtlasBackupApi, CallOptions, DeploymentRef, DeploymentTarget, DeploymentView } from './api';
import type { AtlasClient } from './client';
import { collectionRestoreApi } from './collection-restore-api';
import { AtlasApiError } from './errors';
import { KIND_ADAPTERS, KIND_RESOLUTION_ORDER, type DeploymentRecord, type KindAdapter } from './kinds';
import type { Page } from './wire';

/**
 * The kind-neutral operations the activities call, on top of one client: each kind's adapter turns its
 * wire shapes into views and neutral specs into its create bodies. Every failure is an `AtlasApiError`;
 * nothing here retries (Temporal does, guided by `retryable` and `retryAfterMs`).
 */
export function createBackupApi(client: AtlasClient): AtlasBackupApi {
  const target = (ref: Pick<DeploymentRef, 'groupId' | 'name'>): DeploymentTarget => ({
    groupId: ref.groupId,
    name: ref.name,
  });
  const adapterOf = (kind: DeploymentKind): KindAdapter => {
    // Unknown kinds fail in `client.deployment` with a named field; this only picks the adapter.
    client.deployment(kind);
    return KIND_ADAPTERS[kind];
  };
  const view = (
    ref: Pick<DeploymentRef, 'groupId' | 'name'>,
    adapter: KindAdapter,
    raw: DeploymentRecord,
  ): DeploymentView => {
    const connectionString = adapter.connectionString(raw);
    return {
      kind: adapter.kind,
      groupId: ref.groupId,
      name: ref.name,
      stateName: raw.stateName,
      continuousBackupEnabled: adapter.continuousBackupEnabled(raw),
      topology: adapter.topology(raw),
      ...(connectionString !== undefined ? { connectionString } : {}),
      raw,
    };
  };
  const pageOf = <W, V>(page: Page<W>, map: (item: W) => V): Page<V> => ({
    ...page,
    results: page.results.map(map),
  });

  async function getDeployment(ref: DeploymentRef, options?: CallOptions): Promise<DeploymentView> {
    const adapter = adapterOf(ref.kind);
    const raw = (await client.deployment(ref.kind).get(target(ref), options)) as DeploymentRecord;
    return view(ref, adapter, raw);
  }

  return {
    getDeployment,

    async resolveDeployment(ref, options = {}) {
      let notFound: AtlasApiError | undefined;
      const preferred = options.preferKinds ?? [];
      const order = [...preferred, ...KIND_RESOLUTION_ORDER.filter((kind) => !preferred.includes(kind))];
      for (const kind of order) {
        const adapter = KIND_ADAPTERS[kind];
        if (!adapter.apiVersions.includes(client.apiVersion)) continue;
        try {
          return await getDeployment({ ...ref, kind }, options);
        } catch (error) {
          if (!(error instanceof AtlasApiError) || error.status === undefined) throw error;
          if (!adapter.notThisKind(error.status, error.errorCode)) throw error;
          // The first kind's "not found" is kept: it is the one a person would have asked.
          if (error.status === 404) notFound ??= error;
        }
      }
      throw new AtlasApiError({
        kind: 'http',
        method: 'GET',
        path: notFound?.path ?? `(every kind) /groups/${ref.groupId}/.../${ref.name}`,
        status: 404,
        errorCode: notFound?.errorCode ?? 'DEPLOYMENT_NOT_FOUND',
        retryable: false,
        detail: `no ${KIND_RESOLUTION_ORDER.map((kind) => KIND_ADAPTERS[kind].capabilities.label).join(', ')} named ${ref.name} exists in project ${ref.groupId}`,
      });
    },

    /**
     * Reads the deployment first: the PATCH body depends on it (a cluster with cloud backup off needs it
     * turned on too), and a deployment already in the wanted state gets no PATCH, so no needless UPDATING.
     */
    async setContinuousBackup(ref, enabled, options) {
      const adapter = adapterOf(ref.kind);
      const operations = client.deployment(ref.kind);
      const current = (await operations.get(target(ref), options)) as DeploymentRecord;
      if (adapter.continuousBackupEnabled(current) === enabled) return view(ref, adapter, current);
      if (!adapter.continuousBackupUpdate) {
        throw new AtlasApiError({
          kind: 'unsupported',
          method: 'PATCH',
          path: `/groups/${ref.groupId}/${adapter.collection}/${ref.name}`,
          retryable: false,
          detail: `${adapter.capabilities.label}s have no continuous backup to turn ${enabled ? 'on' : 'off'}`,
        });
      }
      const body = adapter.continuousBackupUpdate(enabled, current, client.apiVersion);
      return view(ref, adapter, (await operations.update(target(ref), body, options)) as DeploymentRecord);
    },

    async listSnapshots(ref, page, options) {
      const adapter = adapterOf(ref.kind);
      const raw = await client.deployment(ref.kind).listSnapshots(target(ref), page, options);
      return pageOf(raw, (snapshot) => adapter.snapshotView(snapshot));
    },

    async getSnapshot(ref, snapshotId, options) {
      const adapter = adapterOf(ref.kind);
      return adapter.snapshotView(
        await client.deployment(ref.kind).getSnapshot(target(ref), snapshotId, options),
      );
    },

    async createRestoreJob(ref, spec, options) {
      const adapter = adapterOf(ref.kind);
      const built = adapter.createBody(spec);
      if ('unsupported' in built) {
        throw new AtlasApiError({
          kind: 'unsupported',
          method: 'POST',
          path: `/groups/${ref.groupId}/${adapter.collection}/${ref.name}/backup/restoreJobs`,
          retryable: false,
          detail: built.unsupported,
        });
      }
      const job = await client.deployment(ref.kind).createRestoreJob(target(ref), built.body, options);
      return adapter.restoreJobView(job, ref);
    },

    async getRestoreJob(ref, restoreJobId, options) {
      const adapter = adapterOf(ref.kind);
      const job = await client.deployment(ref.kind).getRestoreJob(target(ref), restoreJobId, options);
      return adapter.restoreJobView(job, ref);
    },

    async listRestoreJobs(ref, page, options) {
      const adapter = adapterOf(ref.kind);
      const raw = await client.deployment(ref.kind).listRestoreJobs(target(ref), page, options);
      return pageOf(raw, (job) => adapter.restoreJobView(job, ref));
    },

    cancelRestoreJob: async (ref, restoreJobId, options) =>
      client.deployment(ref.kind).cancelRestoreJob(target(ref), restoreJobId, options),

    ...collectionRestoreApi(client),
  };
}
