import { createHash } from 'node:crypto';
import { ObjectId } from 'mongodb';

/**
 * The documents of a generated collection, as a function of simulated time: document k (its `seq`) is
 * written at anchor + (k + 1 − documents) × 3600 s / writesPerHour, whole seconds, so exactly `documents`
 * exist at the world's creation (while the rate is at most one a second), fewer earlier, none before seq 0,
 * more later. Content as of T is every document written at or before T, so a snapshot is one number per
 * collection and a copy is exact.
 */

/** One generated collection: the spec that drives it and the seeded deployment and namespace it was born in. */
export interface CollectionOrigin {
  /** The seeded deployment; ids derive from it and the namespace, so every copy keeps the same `_id`s. */
  deploymentId: string;
  database: string;
  collection: string;
  documents: number;
  writesPerHour: number;
  /** The world's creation, in whole seconds. */
  anchorSec: number;
}

/** The second document `seq` was written in. */
export function writtenSec(origin: CollectionOrigin, seq: number): number {
  return origin.anchorSec + Math.floor(((seq + 1 - origin.documents) * 3600) / origin.writesPerHour);
}

/** How many documents exist at `atMs` (written at or before it). */
export function countAt(origin: CollectionOrigin, atMs: number): number {
  const seconds = Math.floor(atMs / 1000) - origin.anchorSec;
  // writtenSec(k) <= anchor + s  <=>  (k + 1 - D) * 3600 < (s + 1) * w: every k below that bound exists.
  const bound = (origin.documents - 1) * 3600 + (seconds + 1) * origin.writesPerHour;
  let count = Math.max(0, Math.ceil(bound / 3600));
  // Guard the division's rounding with the definition itself.
  while (count > 0 && writtenSec(origin, count - 1) > seconds + origin.anchorSec) count--;
  while (writtenSec(origin, count) <= seconds + origin.anchorSec) count++;
  return count;
}

const STATUSES = ['new', 'paid', 'shipped', 'delivered'] as const;
const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;

function machineBytes(origin: CollectionOrigin): Buffer {
  return createHash('sha256')
    .update(`${origin.deploymentId}|${origin.database}.${origin.collection}`)
    .digest()
    .subarray(0, 5);
}

/**
 * An ObjectId laid out as MongoDB's own: 4 bytes of creation second, 5 per-collection bytes, a 3-byte
 * counter (the seq). Its time is the write second, so `_id` ranges select documents by when they were written.
 */
function objectIdOf(seconds: number, machine: Buffer, seq: number): ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(seconds, 0);
  machine.copy(bytes, 4);
  bytes.writeUIntBE(seq & 0xffffff, 9, 3);
  return new ObjectId(bytes);
}

export interface GeneratedDocument {
  _id: ObjectId;
  seq: number;
  writtenAt: Date;
  status: string;
  region: string;
  amount: number;
}

/** Documents `from` (inclusive) to `to` (exclusive), in seq order. */
export function documentsBetween(origin: CollectionOrigin, from: number, to: number): GeneratedDocument[] {
  const machine = machineBytes(origin);
  const docs: GeneratedDocument[] = [];
  for (let seq = from; seq < to; seq++) {
    const seconds = writtenSec(origin, seq);
    docs.push({
      _id: objectIdOf(seconds, machine, seq),
      seq,
      writtenAt: new Date(seconds * 1000),
      status: STATUSES[seq % STATUSES.length]!,
      region: REGIONS[seq % REGIONS.length]!,
      amount: ((seq * 7919) % 100_000) / 100,
    });
  }
  return docs;
}

/** The document every seeded database keeps in `meta`, updated on every write to the database. */
export interface StatsDocument {
  _id: 'stats';
  /** Documents in the database's generated collections. */
  documents: number;
  /** When the newest of them was written; null while there is none. */
  asOf: Date | null;
}

/** The stats document of a database made of `collections`, as of `atMs`. */
export function statsAt(collections: readonly CollectionOrigin[], atMs: number): StatsDocument {
  let documents = 0;
  let newest: number | undefined;
  for (const origin of collections) {
    const count = countAt(origin, atMs);
    documents += count;
    if (count > 0) newest = Math.max(newest ?? -Infinity, writtenSec(origin, count - 1));
  }
  return { _id: 'stats', documents, asOf: newest === undefined ? null : new Date(newest * 1000) };
}
