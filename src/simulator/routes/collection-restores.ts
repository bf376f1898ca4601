import { buildCollectionRestoreJob } from '../collection-restore-create';
import {
  collectionRestoreEntryView,
  collectionRestoreJobView,
  collectionRestoreStatus,
} from '../collection-restores';
import { contentAt } from '../data/content';
import { errors } from '../errors';
import { listQuery, page, parseJsonBody } from '../http-util';
import { snapshotsOf } from '../kinds';
import type { SimKind } from '../kinds/types';
import { resolveSnapshot } from '../restore-jobs';
import type { CollectionRestoreJobRecord, DeploymentRecord } from '../state';
import { deploymentHref, link } from '../views';
import { ok, okList, requireDeployment, type ApiRequest, type Handler } from './context';

/**
 * The collection-restore routes of a kind that has them (dedicated clusters): the jobs under their source
 * cluster, each job's collections, and what a snapshot holds by name (docs/atlas.md#collection-restore-endpoints).
 */
export function collectionRestoreHandlers(kind: SimKind) {
  const jobsPath = (request: ApiRequest, deployment: DeploymentRecord) =>
    `${deploymentHref(kind.segment, deployment.groupId, deployment.name, request.view)}/collectionRestoreJobs`;
  const status = (request: ApiRequest, job: CollectionRestoreJobRecord) =>
    collectionRestoreStatus(request.core.world, job, request.view.nowMs);
  const jobView = (request: ApiRequest, job: CollectionRestoreJobRecord) =>
    collectionRestoreJobView(job, status(request, job).phase);

  const jobOf = (request: ApiRequest) => {
    const deployment = requireDeployment(request, kind);
    const id = request.params.jobId!;
    const job = request.core.world.findCollectionJob(id);
    if (!job || job.deploymentId !== deployment.id)
      throw errors.collectionRestoreJobNotFound(id, deployment.name);
    return { deployment, job };
  };

  const listJobs: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const items = request.core.world.collectionJobsOf(deployment.id).map((job) => jobView(request, job));
    return okList(page(items, listQuery(request.query), jobsPath(request, deployment)));
  };

  const createJob: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const { core } = request;
    const nowMs = request.view.nowMs;
    const job = buildCollectionRestoreJob(core.world, deployment, parseJsonBody(request.body), {
      nowMs,
      pointInTimeWindowMs: core.options.pointInTimeWindowMs,
      defaultDurationMs: core.options.collectionRestoreJobDurationMs,
      snapshotsOf: (d) => snapshotsOf(d, core.world.extraSnapshots, nowMs),
    });
    core.world.collectionJobs.push(job);
    core.persist();
    // The published spec answers 201 Created.
    return ok(jobView(request, job), 201);
  };

  const getJob: Handler = (request) => ok(jobView(request, jobOf(request).job));

  /** Empty while INITIALIZING; `state`, `sourceNamespace` and `targetNamespace` filter, as the spec lists. */
  const listCollections: Handler = (request) => {
    const { deployment, job } = jobOf(request);
    const { phase } = status(request, job);
    const filters = ['state', 'sourceNamespace', 'targetNamespace'] as const;
    const items = phase.entries
      .filter((entry) =>
        filters.every((name) => {
          const wanted = request.query.get(name);
          return wanted === null || entry[name] === wanted;
        }),
      )
      .map((entry) => collectionRestoreEntryView(job, entry));
    return okList(
      page(items, listQuery(request.query), `${jobsPath(request, deployment)}/${job.id}/collections`),
    );
  };

  const getCollection: Handler = (request) => {
    const { job } = jobOf(request);
    const source = request.params.sourceNamespace!;
    const entry = status(request, job).phase.entries.find((e) => e.sourceNamespace === source);
    if (!entry) throw errors.namespaceNotFound('collection', source, `collection restore job ${job.id}`);
    return ok(collectionRestoreEntryView(job, entry));
  };

  /** The snapshot named in the path (the cluster's, completed) and what it holds, by the content model. */
  const snapshotContent = (request: ApiRequest) => {
    const deployment = requireDeployment(request, kind);
    const { core } = request;
    const nowMs = request.view.nowMs;
    const snapshot = resolveSnapshot(core.world, deployment, request.params.snapshotId!, (d) =>
      snapshotsOf(d, core.world.extraSnapshots, nowMs),
    );
    const href = `${deploymentHref(kind.segment, deployment.groupId, deployment.name, request.view)}/backup/snapshots/${snapshot.id}/databases`;
    return { snapshot, href, content: contentAt(core.world, deployment, snapshot.takenMs) };
  };
  const databasesOf = (content: ReturnType<typeof snapshotContent>['content']) => [
    ...new Set(content.map((m) => m.database)),
  ];
  const collectionsOf = (request: ApiRequest) => {
    const found = snapshotContent(request);
    const database = request.params.databaseName!;
    if (!databasesOf(found.content).includes(database))
      throw errors.namespaceNotFound('database', database, `snapshot ${found.snapshot.id}`);
    const href = `${found.href}/${database}/collections`;
    return {
      ...found,
      database,
      href,
      collections: found.content.filter((m) => m.database === database).map((m) => m.collection),
    };
  };
  const named = (name: string, href: string) => ({ links: [link(href, 'self')], name });

  const listDatabases: Handler = (request) => {
    const { content, href } = snapshotContent(request);
    const items = databasesOf(content).map((name) => named(name, `${href}/${name}`));
    return okList(page(items, listQuery(request.query), href));
  };

  const getDatabase: Handler = (request) => {
    const { database, href } = collectionsOf(request);
    return ok(named(database, href.replace(/\/collections$/, '')));
  };

  const listCollectionsOfDatabase: Handler = (request) => {
    const { collections, href } = collectionsOf(request);
    const items = collections.map((name) => named(name, `${href}/${name}`));
    return okList(page(items, listQuery(request.query), href));
  };

  const getCollectionOfDatabase: Handler = (request) => {
    const { collections, href, database, snapshot } = collectionsOf(request);
    const name = request.params.collectionName!;
    if (!collections.includes(name))
      throw errors.namespaceNotFound('collection', `${database}.${name}`, `snapshot ${snapshot.id}`);
    return ok(named(name, `${href}/${name}`));
  };

  return {
    listJobs,
    createJob,
    getJob,
    listCollections,
    getCollection,
    listDatabases,
    getDatabase,
    listCollectionsOfDatabase,
    getCollectionOfDatabase,
  };
}
