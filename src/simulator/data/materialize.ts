import type { IndexDescription, MongoClient } from 'mongodb';
import type { WireServerFlavour } from '../../dev/wire-server';
import {
  documentCount,
  namespaceOf,
  statsDocumentOf,
  type NamespaceModel,
  type StatsNamespace,
} from './content';
import { documentsBetween, type StatsDocument } from './documents';
import { SYSTEM_DATABASES, type IndexSpec } from './spec';

/**
 * Writes the content model into a wire server: a full rewrite when the model changed (a restore landed, the
 * world was replaced), and growth in step with the clock otherwise (the live namespaces' new documents and
 * their stats documents).
 */

/** What a server holds, as last written: the model it was written from and each namespace's count. */
export interface Materialized {
  /** The model (without the clock), so a change of model is one string comparison. */
  signature: string;
  documents: Map<string, number>;
  /** The stats documents as written, to rewrite one only when it changed. */
  stats: Map<string, string>;
}

const BATCH = 1_000;

export const signatureOf = (models: readonly NamespaceModel[]) => JSON.stringify(models);

/**
 * FerretDB 1.24 does not implement `expireAfterSeconds`, so there a TTL index is a plain index of the same
 * name and key; the model still knows it is TTL (the ALL_EXCEPT_TTL index strategy reads that).
 */
function indexDescription(index: IndexSpec, flavour: WireServerFlavour): IndexDescription {
  return {
    name: index.name,
    key: index.key,
    ...(index.unique ? { unique: true } : {}),
    ...(index.expireAfterSeconds !== undefined && flavour === 'mongod'
      ? { expireAfterSeconds: index.expireAfterSeconds }
      : {}),
  };
}

async function insertDocuments(client: MongoClient, model: NamespaceModel, from: number, to: number) {
  if (model.source.kind !== 'documents') return;
  const collection = client.db(model.database).collection(model.collection);
  for (let start = from; start < to; start += BATCH) {
    await collection.insertMany(documentsBetween(model.source.origin, start, Math.min(to, start + BATCH)), {
      ordered: true,
    });
  }
}

async function writeStats(client: MongoClient, model: StatsNamespace, atMs: number, into: Materialized) {
  const stats = statsDocumentOf(model, atMs);
  const json = JSON.stringify(stats);
  const ns = namespaceOf(model);
  if (into.stats.get(ns) === json) return;
  await client
    .db(model.database)
    .collection<StatsDocument>(model.collection)
    .replaceOne({ _id: 'stats' }, stats, { upsert: true });
  into.stats.set(ns, json);
}

/** Replaces everything but the system databases with the model's content at `atMs`. */
export async function rewrite(
  client: MongoClient,
  flavour: WireServerFlavour,
  models: readonly NamespaceModel[],
  atMs: number,
): Promise<Materialized> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases)
    if (!SYSTEM_DATABASES.includes(name)) await client.db(name).dropDatabase();
  const written: Materialized = { signature: signatureOf(models), documents: new Map(), stats: new Map() };
  for (const model of models) {
    const ns = namespaceOf(model);
    // Created explicitly so an empty namespace exists too, as it does in a restored deployment.
    await client.db(model.database).createCollection(model.collection);
    if (model.source.kind === 'stats') {
      await writeStats(client, model as StatsNamespace, atMs, written);
    } else {
      const count = documentCount(model, atMs);
      await insertDocuments(client, model, 0, count);
      written.documents.set(ns, count);
    }
    if (model.indexes.length > 0)
      await client
        .db(model.database)
        .collection(model.collection)
        .createIndexes(model.indexes.map((index) => indexDescription(index, flavour)));
  }
  return written;
}

/** Adds the documents the live namespaces gained up to `atMs` and updates their stats documents. */
export async function grow(
  client: MongoClient,
  models: readonly NamespaceModel[],
  atMs: number,
  written: Materialized,
): Promise<void> {
  for (const model of models) {
    if (model.frozenAtMs !== undefined) continue;
    if (model.source.kind === 'stats') {
      await writeStats(client, model as StatsNamespace, atMs, written);
      continue;
    }
    const ns = namespaceOf(model);
    const have = written.documents.get(ns) ?? 0;
    const want = documentCount(model, atMs);
    if (want <= have) continue;
    await insertDocuments(client, model, have, want);
    written.documents.set(ns, want);
  }
}
