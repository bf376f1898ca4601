import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers and randomness. Atlas ids are ObjectIds whose first 8 hex digits are the
 * creation time in Unix seconds (observed; the only creation time a v2 restore job exposes), so the
 * simulator builds them from the simulated clock plus a deterministic tail.
 */

/** First 8 hex digits of an ObjectId: its creation second. */
export function objectIdSeconds(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

/** An ObjectId created at `ms` whose tail is derived from the time and `parts` (same input, same id). */
export function objectIdFor(ms: number, ...parts: (string | number)[]): string {
  const seconds = Math.floor(ms / 1000);
  return seconds.toString(16).padStart(8, '0') + hashHex([seconds, ...parts].join('|')).slice(0, 16);
}

/**
 * Hashes already made: every request that lists or resolves snapshots derives the same ids and sizes
 * again, and hashing was most of the simulator's CPU per request. Emptied when full.
 */
const hashes = new Map<string, string>();
const HASHES_KEPT = 100_000;

export function hashHex(text: string): string {
  let hash = hashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha256').update(text).digest('hex');
    if (hashes.size >= HASHES_KEPT) hashes.clear();
    hashes.set(text, hash);
  }
  return hash;
}

/** A 32-bit integer from text, to seed per-stream generators. */
export function hash32(text: string): number {
  return Number.parseInt(hashHex(text).slice(0, 8), 16);
}

/** mulberry32: a tiny seeded PRNG; uniform in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
