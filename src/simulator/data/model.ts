import { countAt, statsAt, type CollectionOrigin, type StatsDocument } from './documents';
import type { IndexSpec } from './spec';

/**
 * The namespaces of the content model and what can be read off one: its documents at a moment, its stats
 * document, a frozen copy. `content.ts` decides which namespaces a deployment holds when.
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

/** The namespaces as a copy taken at `atMs` holds them: live ones freeze there, frozen ones stay. */
export function frozenAt(models: readonly NamespaceModel[], atMs: number): NamespaceModel[] {
  return models.map((model) => ({ ...model, frozenAtMs: contentMomentMs(model, atMs) }));
}
