import { z } from 'zod';
import { hash32, mulberry32 } from './ids';

/**
 * Fault injection, deterministic from a numeric seed: each route draws from its own seeded stream, so the
 * n-th request of a route meets the same fault on every run whatever other routes do in between. One-shot
 * faults ("the next 3 getRestoreJob answer 503") come before the random ones. Faults hit authenticated
 * requests only, so a Digest client's unauthenticated first leg never consumes one and a fault count equals
 * the number of attempts the client makes.
 */

export const ROUTE_IDS = [
  'listProjects',
  'getProject',
  'listServerless',
  'getServerless',
  'updateServerless',
  'listServerlessSnapshots',
  'getServerlessSnapshot',
  'listClusters',
  'getCluster',
  'updateCluster',
  'listClusterSnapshots',
  'getClusterSnapshot',
  'listFlexClusters',
  'getFlexCluster',
  'listFlexSnapshots',
  'getFlexSnapshot',
  // Restore-job routes are shared by every kind, so one fault setting covers them all; a Flex download
  // creates a restore job and counts as createRestoreJob.
  'createRestoreJob',
  'getRestoreJob',
  'listRestoreJobs',
  'cancelRestoreJob',
  // Collection- and database-level restores and the namespace listings of snapshots (dedicated clusters).
  'listCollectionRestoreJobs',
  'createCollectionRestoreJob',
  'getCollectionRestoreJob',
  'listCollectionRestoreCollections',
  'getCollectionRestoreCollection',
  'listSnapshotDatabases',
  'getSnapshotDatabase',
  'listSnapshotCollections',
  'getSnapshotCollection',
  'token',
  'revokeToken',
] as const;
export type RouteId = (typeof ROUTE_IDS)[number];

export const FAULT_KINDS = [
  'reset',
  'error500',
  'error503',
  'rateLimited',
  'malformedJson',
  'commitThenDrop',
] as const;
/**
 * - `reset`: the socket is destroyed before anything is done or answered.
 * - `error500` / `error503`: UNEXPECTED_ERROR / SERVICE_UNAVAILABLE, nothing done.
 * - `rateLimited`: 429 RATE_LIMITED_TOKEN_BUCKET with `Retry-After`, nothing done.
 * - `malformedJson`: the request is handled, then its body is cut in half (status kept).
 * - `commitThenDrop`: the request is handled (a POST creates its job), then the socket is destroyed
 *   before the response: the case that makes naive retries create duplicates.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

const probability = z.number().min(0).max(1);
export const routeFaultsSchema = z.strictObject({
  reset: probability.optional(),
  error500: probability.optional(),
  error503: probability.optional(),
  rateLimited: probability.optional(),
  malformedJson: probability.optional(),
  commitThenDrop: probability.optional(),
  /** Added delay before handling, real milliseconds. */
  latencyMs: z.number().int().nonnegative().optional(),
  /** Up to this much more delay, drawn from the route's stream, real milliseconds. */
  latencyJitterMs: z.number().int().nonnegative().optional(),
});
/** Per-request probabilities (0..1) of each fault kind, plus latency. */
export type RouteFaults = z.infer<typeof routeFaultsSchema>;

const routeKey = z.enum([...ROUTE_IDS, '*']);

export const rateLimitSchema = z.strictObject({
  /** Bucket size (`RateLimit-Limit`). */
  capacity: z.number().int().positive(),
  /** Tokens added every `refillDurationSeconds` (real seconds), as Atlas describes its buckets. */
  refillRate: z.number().positive(),
  refillDurationSeconds: z.number().positive(),
});
export type RateLimitConfig = z.infer<typeof rateLimitSchema>;

export const faultProfileSchema = z.strictObject({
  /** Seed of the per-route random streams. Default 1. */
  seed: z.number().int().optional(),
  /** Faults per route id, or `*` for every route; a route's own entry overrides `*` field by field. */
  routes: z.partialRecord(routeKey, routeFaultsSchema).optional(),
  /** `Retry-After` (seconds) of injected 429s. Default 2. */
  retryAfterSeconds: z.number().int().positive().optional(),
  /**
   * The per-project token bucket (requests without a project use one bucket per credential). Refills in
   * real time, not simulated time, because clients wait out `Retry-After` on the wall clock.
   * Default: capacity 1200 (the observed `Ratelimit-Limit` of backup endpoints), 600 per 60 s.
   * `false` turns rate limiting (and the `RateLimit-*` headers) off.
   */
  rateLimit: z.union([rateLimitSchema, z.literal(false)]).optional(),
});
export type FaultProfile = z.infer<typeof faultProfileSchema>;

export const oneShotFaultSchema = z.strictObject({
  route: routeKey,
  kind: z.enum(FAULT_KINDS),
  /** How many of the next matching requests get it. Default 1. */
  count: z.number().int().positive().default(1),
  /** For `rateLimited`: the `Retry-After` seconds. */
  retryAfterSeconds: z.number().int().positive().optional(),
});
export type OneShotFault = z.input<typeof oneShotFaultSchema>;

export const DEFAULT_RATE_LIMIT: RateLimitConfig = {
  capacity: 1200,
  refillRate: 600,
  refillDurationSeconds: 60,
};

/** Profiles for the command's `--faults` flag. */
export const FAULT_PROFILES: Record<'none' | 'flaky' | 'storm', FaultProfile> = {
  none: {},
  flaky: {
    seed: 7,
    routes: {
      '*': {
        error500: 0.02,
        error503: 0.04,
        reset: 0.02,
        rateLimited: 0.03,
        malformedJson: 0.01,
        latencyMs: 20,
        latencyJitterMs: 150,
      },
      createRestoreJob: { commitThenDrop: 0.25 },
      updateServerless: { commitThenDrop: 0.1 },
      updateCluster: { commitThenDrop: 0.1 },
    },
  },
  storm: {
    seed: 13,
    routes: {
      '*': {
        error500: 0.1,
        error503: 0.2,
        reset: 0.05,
        rateLimited: 0.25,
        latencyMs: 100,
        latencyJitterMs: 400,
      },
      createRestoreJob: { commitThenDrop: 0.3 },
    },
    retryAfterSeconds: 3,
    rateLimit: { capacity: 30, refillRate: 1, refillDurationSeconds: 1 },
  },
};

export interface FaultDecision {
  kind?: FaultKind;
  /** Where it came from, for the request log. */
  source?: 'oneShot' | 'random';
  retryAfterSeconds?: number;
  latencyMs: number;
}

interface PendingOneShot {
  route: RouteId | '*';
  kind: FaultKind;
  remaining: number;
  retryAfterSeconds?: number;
}

export class FaultInjector {
  private profile: FaultProfile = {};
  private streams = new Map<string, () => number>();
  private oneShots: PendingOneShot[] = [];

  constructor(profile: FaultProfile = {}) {
    this.setProfile(profile);
  }

  /** Replaces the profile and restarts every random stream from the seed. */
  setProfile(profile: FaultProfile): void {
    this.profile = faultProfileSchema.parse(profile);
    this.streams.clear();
  }

  getProfile(): FaultProfile {
    return this.profile;
  }

  addOneShot(fault: OneShotFault): void {
    const parsed = oneShotFaultSchema.parse(fault);
    this.oneShots.push({
      route: parsed.route,
      kind: parsed.kind,
      remaining: parsed.count,
      ...(parsed.retryAfterSeconds !== undefined ? { retryAfterSeconds: parsed.retryAfterSeconds } : {}),
    });
  }

  pendingOneShots(): readonly PendingOneShot[] {
    return this.oneShots.map((o) => ({ ...o }));
  }

  clearOneShots(): void {
    this.oneShots = [];
  }

  rateLimit(): RateLimitConfig | false {
    return this.profile.rateLimit ?? DEFAULT_RATE_LIMIT;
  }

  private stream(route: RouteId): () => number {
    let next = this.streams.get(route);
    if (!next) {
      next = mulberry32(hash32(`${this.profile.seed ?? 1}|${route}`));
      this.streams.set(route, next);
    }
    return next;
  }

  private settings(route: RouteId): RouteFaults {
    return { ...this.profile.routes?.['*'], ...this.profile.routes?.[route] };
  }

  /** The fault (if any) and latency for the next authenticated request of `route`. */
  decide(route: RouteId): FaultDecision {
    const settings = this.settings(route);
    // Two draws per request, always, so a stream's position depends only on how many requests it served.
    const next = this.stream(route);
    const pick = next();
    const jitter = next();
    const latencyMs = (settings.latencyMs ?? 0) + Math.floor(jitter * (settings.latencyJitterMs ?? 0));
    const retryAfter = this.profile.retryAfterSeconds ?? 2;

    const oneShot = this.oneShots.find((o) => o.route === route || o.route === '*');
    if (oneShot) {
      oneShot.remaining -= 1;
      if (oneShot.remaining <= 0) this.oneShots.splice(this.oneShots.indexOf(oneShot), 1);
      return {
        kind: oneShot.kind,
        source: 'oneShot',
        latencyMs,
        ...(oneShot.kind === 'rateLimited'
          ? { retryAfterSeconds: oneShot.retryAfterSeconds ?? retryAfter }
          : {}),
      };
    }
    let cumulative = 0;
    for (const kind of FAULT_KINDS) {
      cumulative += settings[kind] ?? 0;
      if (pick < cumulative) {
        return {
          kind,
          source: 'random',
          latencyMs,
          ...(kind === 'rateLimited' ? { retryAfterSeconds: retryAfter } : {}),
        };
      }
    }
    return { latencyMs };
  }
}

/** Token buckets per key (project, or credential for project-less routes), refilled in real time. */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Takes one token; returns what is left, or how long to wait when the bucket is empty. */
  take(
    key: string,
    config: RateLimitConfig,
  ): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
    const now = this.realNow();
    const perMs = config.refillRate / (config.refillDurationSeconds * 1000);
    const bucket = this.buckets.get(key) ?? { tokens: config.capacity, atMs: now };
    bucket.tokens = Math.min(config.capacity, bucket.tokens + (now - bucket.atMs) * perMs);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** A profile from a name (`none`, `flaky`, `storm`) or from parsed JSON, with the rule that failed. */
export function resolveFaultProfile(value: unknown): FaultProfile {
  if (typeof value === 'string') {
    const profile = (FAULT_PROFILES as Record<string, FaultProfile>)[value];
    if (!profile)
      throw new Error(`unknown fault profile "${value}" (known: ${Object.keys(FAULT_PROFILES).join(', ')})`);
    return profile;
  }
  const result = faultProfileSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(profile)'} ${i.message}`);
    throw new Error(`invalid fault profile: ${problems.join('; ')}`);
  }
  return result.data;
}
