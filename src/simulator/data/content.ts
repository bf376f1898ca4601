import { restoreJobPhase } from '../restore-jobs';
import type { DeploymentRecord, RestoreJobRecord, World } from '../state';
import { countAt, statsAt, type CollectionOrigin, type StatsDocument } from './documents';
import { STATS_COLLECTION, type IndexSpec } from './spec';

/**
 * The content model: what each deployment holds at any simulated moment, per namespace. A seeded
 * deployment's namespaces are live (their content follows the clock); a restore replaces a target's
 * namespaces with the source's as of the restored moment, frozen there. Everything is derived from the seed,
 * the world's creation and the restore jobs, like snapshots are, so snapshots are free and exact, a state
 * file restores it, and a reset undoes it.
 */

export type NamespaceSource =
  /** A generated collection. */
  | { kind: 'documents'; origin: CollectionOrigin }
  /** A database's `meta` collection: its one stats document over the database's generated collections. */
  | { kind: 'stats'; collections: CollectionOrigin[] };

export interface NamespaceModel {
  database: string;
  collection: string;
  source: NamespaceSource;
  /** Besides `_id_`. */
  indexes: IndexSpec[];
  /** The moment the content is frozen at (a restored copy); absent: live, as of whenever it is read. */
  frozenAtMs?: number;
}

/** A `meta` namespace. */
export type StatsNamespace = NamespaceModel & { source: Extract<NamespaceSource, { kind: 'stats' }> };

export const namespaceOf = (model: Pick<NamespaceModel, 'database' | 'collection'>) =>
  `${model.database}.${model.collection}`;

/** The moment a namespace's content is read at, when read at `atMs`. */
const contentMomentMs = (model: NamespaceModel, atMs: number) => model.frozenAtMs ?? atMs;

/** Documents in the namespace at `atMs`. */
export function documentCount(model: NamespaceModel, atMs: number): number {
  const at = contentMomentMs(model, atMs);
  return model.source.kind === 'documents' ? countAt(model.source.origin, at) : 1;
}

/** The stats document of a `meta` namespace at `atMs`. */
export function statsDocumentOf(model: StatsNamespace, atMs: number): StatsDocument {
  return statsAt(model.source.collections, contentMomentMs(model, atMs));
}

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

/** The namespaces as a copy taken at `atMs` holds them: live ones freeze there, frozen ones stay. */
export function frozenAt(models: readonly NamespaceModel[], atMs: number): NamespaceModel[] {
  return models.map((model) => ({ ...model, frozenAtMs: contentMomentMs(model, atMs) }));
}

/** The moment whose content a restore job writes: its point in time, else its snapshot's data time. */
export function restoredMomentMs(job: RestoreJobRecord): number | undefined {
  if (job.dataAsOfMs !== undefined) return job.dataAsOfMs;
  const pointInTime = job.pointInTimeUTCSeconds ?? job.oplogTs;
  return pointInTime !== undefined ? pointInTime * 1000 : job.snapshotTakenMs;
}

/** A restore's place in the order restores land in: when it finished, then creation order. */
interface RestorePlace {
  endMs: number;
  index: number;
}

/** Finished restores into `deployment` by `atMs` (and before `before`), in the order they landed. */
function restoresInto(
  world: World,
  deployment: DeploymentRecord,
  atMs: number,
  before?: RestorePlace,
): { job: RestoreJobRecord; place: RestorePlace }[] {
  const found: { job: RestoreJobRecord; place: RestorePlace }[] = [];
  world.jobs.forEach((job, index) => {
    if (job.deliveryType === 'download') return;
    if (job.targetGroupId !== deployment.groupId || job.targetClusterName !== deployment.name) return;
    const phase = restoreJobPhase(job, atMs);
    if (phase.state !== 'finished' || phase.endMs === undefined || phase.endMs > atMs) return;
    if (before && (phase.endMs > before.endMs || (phase.endMs === before.endMs && index >= before.index)))
      return;
    found.push({ job, place: { endMs: phase.endMs, index } });
  });
  return found.sort((a, b) => a.place.endMs - b.place.endMs || a.place.index - b.place.index);
}

/** The world's creation in whole seconds: the anchor of every generated collection. */
const anchorSecOf = (world: World) => Math.floor(world.dataAnchorMs / 1000);

/**
 * What `deployment` holds at `atMs`. A whole-deployment restore replaces everything, so the newest finished
 * one that wrote something decides: its source's content as of the restored moment, frozen (`empty`: none).
 * A `stale` one reported finished but left the target as it was. The source's content is read only from
 * restores that landed before this one, so the recursion always ends.
 */
export function contentAt(
  world: World,
  deployment: DeploymentRecord,
  atMs: number,
  before?: RestorePlace,
): NamespaceModel[] {
  const restores = restoresInto(world, deployment, atMs, before);
  for (let i = restores.length - 1; i >= 0; i--) {
    const { job, place } = restores[i]!;
    const data = job.data ?? 'restored';
    if (data === 'stale') continue;
    if (data === 'empty') return [];
    const source = world.deploymentById(job.deploymentId);
    const moment = restoredMomentMs(job);
    if (!source || moment === undefined) return [];
    return frozenAt(contentAt(world, source, moment, place), moment);
  }
  return seededContent(deployment, anchorSecOf(world));
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
