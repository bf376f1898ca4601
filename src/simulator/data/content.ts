import { restoreJobPhase } from '../restore-jobs';
import type { CollectionRestoreJobRecord, DeploymentRecord, RestoreJobRecord, World } from '../state';
import type { CollectionOrigin, StatsDocument } from './documents';
import {
  documentCount,
  frozenAt,
  namespaceOf,
  statsDocumentOf,
  type NamespaceModel,
  type StatsNamespace,
} from './model';
import { applyNamespaceRestore, NamespaceRestoreError } from './namespace-restore';
import { STATS_COLLECTION } from './spec';

export {
  documentCount,
  frozenAt,
  namespaceOf,
  statsDocumentOf,
  type NamespaceModel,
  type NamespaceSource,
  type StatsNamespace,
} from './model';

/**
 * The content model: what each deployment holds at any simulated moment, per namespace. A seeded
 * deployment's namespaces are live (their content follows the clock); a restore replaces a target's
 * namespaces with the source's as of the restored moment, frozen there, and a collection restore replaces
 * only the namespaces it names. Everything is derived from the seed, the world's creation and the restore
 * jobs, like snapshots are, so snapshots are free and exact, a state file restores it, and a reset undoes it.
 */

/** A seeded deployment's own namespaces: its generated collections and a `meta` per database. */
function seededContent(deployment: DeploymentRecord, anchorSec: number): NamespaceModel[] {
  const models: NamespaceModel[] = [];
  for (const database of deployment.data?.databases ?? []) {
    const origins = database.collections.map((spec): CollectionOrigin => ({
      deploymentId: deployment.id,
      database: database.name,
      collection: spec.name,
      documents: spec.documents,
      writesPerHour: spec.writesPerHour,
      anchorSec,
    }));
    database.collections.forEach((spec, i) =>
      models.push({
        database: database.name,
        collection: spec.name,
        source: { kind: 'documents', origin: origins[i]! },
        indexes: spec.indexes,
      }),
    );
    models.push({
      database: database.name,
      collection: STATS_COLLECTION,
      source: { kind: 'stats', collections: origins },
      indexes: [],
    });
  }
  return models;
}

/** The moment whose content a restore job writes: its point in time, else its snapshot's data time. */
export function restoredMomentMs(job: RestoreJobRecord): number | undefined {
  if (job.dataAsOfMs !== undefined) return job.dataAsOfMs;
  const pointInTime = job.pointInTimeUTCSeconds ?? job.oplogTs;
  return pointInTime !== undefined ? pointInTime * 1000 : job.snapshotTakenMs;
}

/**
 * A restore's place in the order restores land in: when it finished, then when it was created, whole
 * restores before collection restores of the same moment, then creation order within its family.
 */
interface RestorePlace {
  endMs: number;
  createdMs: number;
  family: 0 | 1;
  index: number;
}

const placeOrder = (a: RestorePlace, b: RestorePlace) =>
  a.endMs - b.endMs || a.createdMs - b.createdMs || a.family - b.family || a.index - b.index;

type Landed =
  | { family: 'whole'; job: RestoreJobRecord; place: RestorePlace }
  | {
      family: 'collection';
      job: CollectionRestoreJobRecord;
      place: RestorePlace;
      plan: CollectionRestorePlan;
    };

/** Where a collection restore job falls in the landing order (it lands at creation + duration, if at all). */
function collectionPlace(world: World, job: CollectionRestoreJobRecord): RestorePlace {
  return {
    endMs: job.createdMs + job.durationMs,
    createdMs: job.createdMs,
    family: 1,
    index: world.collectionJobs.indexOf(job),
  };
}

/**
 * Restores into `deployment` that had landed by `atMs` (and before `before`), in landing order: finished
 * whole-deployment restores, and collection restores that succeeded (their scenario finished them and
 * nothing in their plan failed them).
 */
function restoresInto(
  world: World,
  deployment: DeploymentRecord,
  atMs: number,
  before?: RestorePlace,
): Landed[] {
  const found: Landed[] = [];
  const into = (job: { targetGroupId?: string; targetClusterName?: string }) =>
    job.targetGroupId === deployment.groupId && job.targetClusterName === deployment.name;
  const earlier = (place: RestorePlace) => place.endMs <= atMs && (!before || placeOrder(place, before) < 0);
  world.jobs.forEach((job, index) => {
    if (job.deliveryType === 'download' || !into(job)) return;
    const phase = restoreJobPhase(job, atMs);
    if (phase.state !== 'finished' || phase.endMs === undefined) return;
    const place: RestorePlace = { endMs: phase.endMs, createdMs: job.createdMs, family: 0, index };
    if (earlier(place)) found.push({ family: 'whole', job, place });
  });
  for (const job of world.collectionJobs) {
    if (job.outcome !== 'finished' || !into(job)) continue;
    const place = collectionPlace(world, job);
    if (!earlier(place)) continue;
    const plan = collectionRestorePlan(world, job);
    if (plan.failure === undefined) found.push({ family: 'collection', job, place, plan });
  }
  return found.sort((a, b) => placeOrder(a.place, b.place));
}

/** The world's creation in whole seconds: the anchor of every generated collection. */
const anchorSecOf = (world: World) => Math.floor(world.dataAnchorMs / 1000);

/**
 * What `deployment` holds at `atMs`. A whole-deployment restore replaces everything, so the newest finished
 * one that wrote something is the base: its source's content as of the restored moment, frozen (`empty`:
 * none); without one, the seeded content. A `stale` one reported finished but left the target as it was.
 * Collection restores that landed after the base then rewrite only their namespaces, in order. A source's
 * content is read only from restores that landed before the one reading it, so the recursion always ends.
 */
export function contentAt(
  world: World,
  deployment: DeploymentRecord,
  atMs: number,
  before?: RestorePlace,
): NamespaceModel[] {
  const restores = restoresInto(world, deployment, atMs, before);
  let content: NamespaceModel[] | undefined;
  let from = 0;
  for (let i = restores.length - 1; i >= 0 && content === undefined; i--) {
    const restore = restores[i]!;
    if (restore.family !== 'whole') continue;
    const { job, place } = restore;
    const data = job.data ?? 'restored';
    if (data === 'stale') continue;
    from = i + 1;
    const source = world.deploymentById(job.deploymentId);
    const moment = restoredMomentMs(job);
    content =
      data === 'empty' || !source || moment === undefined
        ? []
        : frozenAt(contentAt(world, source, moment, place), moment);
  }
  content ??= seededContent(deployment, anchorSecOf(world));
  for (const restore of restores.slice(from))
    if (restore.family === 'collection') content = landCollectionRestore(world, restore, content);
  return content;
}

/** One collection restore written over `target`: only its planned namespaces change. */
function landCollectionRestore(
  world: World,
  { job, place, plan }: Extract<Landed, { family: 'collection' }>,
  target: NamespaceModel[],
): NamespaceModel[] {
  const data = job.data ?? 'restored';
  const source = world.deploymentById(job.deploymentId);
  if (data === 'stale' || !source) return target;
  try {
    const { content, restored } = applyNamespaceRestore({
      target,
      source: contentAt(world, source, job.dataAsOfMs, place),
      restoredAtMs: job.dataAsOfMs,
      request: {
        writeStrategy: job.writeStrategy,
        indexStrategy: job.indexStrategy,
        collections: plan.entries.map(({ sourceNamespace, targetNamespace }) => ({
          sourceNamespace,
          targetNamespace,
        })),
      },
    });
    if (data !== 'empty') return content;
    // Written, but holding none of their documents: frozen before any was written.
    const emptied = new Set(restored.map((r) => r.targetNamespace));
    return content.map((m) => (emptied.has(namespaceOf(m)) ? { ...m, frozenAtMs: 0 } : m));
  } catch (error) {
    // The plan said it could land; if the target changed under it since, it changes nothing.
    if (error instanceof NamespaceRestoreError) return target;
    throw error;
  }
}

/** One collection a collection restore job writes: where from, where to, how many documents. */
export interface CollectionRestorePlanEntry {
  /** `database.collection`, or the database's name for a database the snapshot lacks. */
  sourceNamespace: string;
  targetNamespace: string;
  /** At the restored moment. */
  documents: number;
  /** What fails the job at this entry: not in the snapshot, or (CREATE_NEW) already on the target. */
  problem?: 'NOT_FOUND' | 'TARGET_EXISTS';
}

export interface CollectionRestorePlan {
  entries: CollectionRestorePlanEntry[];
  /** Atlas-style `errorMessage` of a job that cannot run; undefined when it can. */
  failure?: string;
}

/**
 * Where a namespace of the snapshot goes: a target of its own entry wins; otherwise the database takes
 * `databaseSuffix` and the collection `collectionSuffix` (docs/atlas.md#collection-restore-renames).
 */
export function restoredName(
  job: Pick<CollectionRestoreJobRecord, 'databaseSuffix' | 'collectionSuffix'>,
  database: string,
  collection: string,
  explicit?: { database?: string; collection?: string },
): string {
  const db = explicit?.database ?? `${database}${job.databaseSuffix ?? ''}`;
  const coll = explicit?.collection ?? `${collection}${job.collectionSuffix ?? ''}`;
  return `${db}.${coll}`;
}

/**
 * What a collection restore job restores, read from the content model: each database entry expands to the
 * collections the snapshot holds in it, each collection entry is itself. The source is read as of the
 * restored moment and the target as of the job's creation, both from restores that landed before the job.
 */
export function collectionRestorePlan(world: World, job: CollectionRestoreJobRecord): CollectionRestorePlan {
  const place = collectionPlace(world, job);
  const source = world.deploymentById(job.deploymentId);
  const target = world.findDeployment(job.targetGroupId, job.targetClusterName);
  if (!source || !target)
    return { entries: [], failure: 'Restore failed: the source or target cluster no longer exists' };
  const snapshot = frozenAt(contentAt(world, source, job.dataAsOfMs, place), job.dataAsOfMs);
  const count = (model: NamespaceModel) => documentCount(model, job.dataAsOfMs);
  const entries: CollectionRestorePlanEntry[] = [];
  for (const { sourceNamespace: db, targetNamespace } of job.databases) {
    const found = snapshot.filter((m) => m.database === db);
    const explicit = targetNamespace ? { database: targetNamespace } : undefined;
    if (found.length === 0)
      entries.push({
        sourceNamespace: db,
        targetNamespace: targetNamespace ?? `${db}${job.databaseSuffix ?? ''}`,
        documents: 0,
        problem: 'NOT_FOUND',
      });
    for (const model of found)
      entries.push({
        sourceNamespace: namespaceOf(model),
        targetNamespace: restoredName(job, model.database, model.collection, explicit),
        documents: count(model),
      });
  }
  for (const { sourceNamespace, targetNamespace } of job.collections) {
    const dot = sourceNamespace.indexOf('.');
    const [db, coll] = [sourceNamespace.slice(0, dot), sourceNamespace.slice(dot + 1)];
    const model = snapshot.find((m) => m.database === db && m.collection === coll);
    entries.push({
      sourceNamespace,
      targetNamespace: targetNamespace ?? restoredName(job, db, coll),
      documents: model ? count(model) : 0,
      ...(model ? {} : { problem: 'NOT_FOUND' as const }),
    });
  }
  if (job.writeStrategy === 'CREATE_NEW') {
    const existing = new Set(contentAt(world, target, job.createdMs, place).map(namespaceOf));
    for (const entry of entries)
      if (!entry.problem && existing.has(entry.targetNamespace)) entry.problem = 'TARGET_EXISTS';
  }
  const reasons = entries.flatMap((entry) => {
    if (entry.problem === 'NOT_FOUND')
      return entry.sourceNamespace.includes('.')
        ? [`collection was not found in the snapshot: ${entry.sourceNamespace}`]
        : [`database was not found in the snapshot: ${entry.sourceNamespace}`];
    if (entry.problem === 'TARGET_EXISTS')
      return [
        `target namespace ${entry.targetNamespace} already exists on ${job.targetClusterName} (writeStrategy CREATE_NEW)`,
      ];
    return [];
  });
  return { entries, ...(reasons.length > 0 ? { failure: `Restore failed: ${reasons.join('; ')}` } : {}) };
}

/** What a deployment should hold at a moment, in figures a test or a tool can compare with a driver's. */
export interface ExpectedContent {
  atMs: number;
  /** Every namespace (`db.collection`, `meta` included): its documents and index names (`_id_` first). */
  namespaces: Record<string, { documents: number; indexes: string[]; frozenAt?: string }>;
  /** The stats document of each `meta` namespace. */
  stats: Record<string, StatsDocument>;
}

export function expectedContentOf(models: readonly NamespaceModel[], atMs: number): ExpectedContent {
  const expected: ExpectedContent = { atMs, namespaces: {}, stats: {} };
  for (const model of models) {
    const ns = namespaceOf(model);
    expected.namespaces[ns] = {
      documents: documentCount(model, atMs),
      indexes: ['_id_', ...model.indexes.map((index) => index.name)],
      ...(model.frozenAtMs !== undefined ? { frozenAt: new Date(model.frozenAtMs).toISOString() } : {}),
    };
    if (model.source.kind === 'stats') expected.stats[ns] = statsDocumentOf(model as StatsNamespace, atMs);
  }
  return expected;
}
