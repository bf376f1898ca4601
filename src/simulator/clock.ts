/**
 * The simulator's clock. Simulated time runs `timeScale` times faster than real time from an anchor, and
 * tests can jump it forward with `advance`. Everything time-based in the simulator (timestamps, snapshot ids,
 * snapshot cadence, job durations, UPDATING windows, token expiry, the point-in-time window) reads
 * this clock; only real-world concerns (latency faults, nonce lifetime, rate-limit refill) use real time.
 */
export class SimClock {
  private readonly anchorRealMs: number;
  private readonly anchorSimMs: number;
  private advancedMs = 0;

  constructor(
    readonly timeScale: number,
    /** Simulated time at the anchor; defaults to the real time at construction. */
    anchorSimMs?: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale))
      throw new RangeError('timeScale must be a positive number');
    this.anchorRealMs = realNow();
    this.anchorSimMs = anchorSimMs ?? this.anchorRealMs;
  }

  /** Simulated now, whole milliseconds. */
  now(): number {
    return Math.floor(
      this.anchorSimMs + (this.realNow() - this.anchorRealMs) * this.timeScale + this.advancedMs,
    );
  }

  /** Jumps simulated time forward (never back) and returns the new now. */
  advance(ms: number): number {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError('clock advance must be a non-negative number of ms');
    this.advancedMs += ms;
    return this.now();
  }

  /** Simulated milliseconds that `realMs` of wall time represent. */
  toSimulated(realMs: number): number {
    return realMs * this.timeScale;
  }
}

/** Atlas timestamps: ISO-8601 UTC with `Z` and no fractional seconds (docs/atlas.md#identifiers-and-timestamps). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
