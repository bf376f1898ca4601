import { z } from 'zod';
import { objectIdSchema } from '../common/restore-request';
import { deriveRestoreJobState } from '../common/restore-job-state';
import { Authenticator, TokenEndpointLimiter } from './auth';
import { HOUR_MS, MINUTE_MS, SimClock, isoSeconds } from './clock';
import { DEFAULT_CREDENTIALS, DEFAULT_SEED, type SimulatorCredentials } from './default-seed';
import type { SimErrorKey } from './errors';
import {
  FaultInjector,
  TokenBuckets,
  oneShotFaultSchema,
  resolveFaultProfile,
  type FaultProfile,
  type OneShotFault,
} from './faults';
import { RequestLog, type RequestCounts, type RequestLogEntry } from './request-log';
import { simKind, snapshotsOf, worldFromSeed } from './kinds';
import { restoreJobPhase } from './restore-jobs';
import { parseSeed, seedIds, type ParsedSeed, type SeedData, type SimulatorIds } from './seed';
import type { DataPlane, DataPlaneOptions, DeploymentDataState } from './data/plane';
import {
  collectionRestoreEntryView,
  collectionRestoreJobView,
  collectionRestoreStatus,
} from './collection-restores';
import {
  RESTORE_DATA_OUTCOMES,
  RESTORE_OUTCOMES,
  SCENARIO_TARGETS,
  World,
  loadWorld,
  newestFirst,
  saveWorld,
  type ScenarioSpec,
} from './state';
import { deploymentStateName, type ViewContext } from './views';

/** Options of `startSimulator`. Every field is optional. */
export interface SimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Simulated time per real time: 60 = one simulated minute per real second. Default 1. */
  timeScale?: number;
  /** Simulated time at start (ms since the epoch or an ISO date). Default: the real time at start. */
  startTime?: number | string;
  /** The world to start with. Default `DEFAULT_SEED`. */
  seed?: SeedData;
  /** A fault profile or the name of one (`none`, `flaky`, `storm`). Default none. */
  faults?: FaultProfile | 'none' | 'flaky' | 'storm';
  /** Accepted credentials; missing fields come from `DEFAULT_CREDENTIALS`. */
  credentials?: Partial<SimulatorCredentials>;
  /** Persist the world to this JSON file after every change and reload it on start. Default: none. */
  stateFile?: string;
  /** v2 requests without a versioned `Accept` get 406 INVALID_VERSION_DATE (true, default) or the resource's oldest version (false). */
  versionedAcceptRequired?: boolean;
  /** How long a restore job runs before its outcome, simulated ms. Default 20 min. */
  restoreJobDurationMs?: number;
  /** How long a collection restore job runs before its outcome, simulated ms. Default: `restoreJobDurationMs`. */
  collectionRestoreJobDurationMs?: number;
  /** How long a PATCH keeps the deployment UPDATING, simulated ms. Default 2 min. */
  updateDurationMs?: number;
  /**
   * How long a deployment still reads IDLE after a PATCH returned before it turns UPDATING, simulated ms.
   * Default 0. Real Atlas shows this gap now and then; a poller that stops at the first IDLE is fooled by it.
   */
  idleBeforeUpdatingMs?: number;
  /** Point-in-time restore window, simulated hours. Default 72 (Serverless Continuous Backup). */
  pointInTimeWindowHours?: number;
  /** Bearer token lifetime, simulated seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** How long a Digest nonce stays valid, real ms; older ones get a `stale=true` challenge. Default 5 min. */
  nonceTtlMs?: number;
  /** Token endpoint limit per client per real minute (Atlas: 10). */
  tokenRequestsPerMinute?: number;
  /** Replaces the `errorCode` of any entry of the simulator's error table. */
  errorCodes?: Partial<Record<SimErrorKey, string>>;
  /**
   * A real MongoDB wire server per deployment holding its data (README, "Data plane"): `true`, or settings
   * (`wireServer`, `targetWarmupMs`). Default off.
   */
  dataPlane?: DataPlaneOptions;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  timeScale: number;
  versionedAcceptRequired: boolean;
  restoreJobDurationMs: number;
  collectionRestoreJobDurationMs: number;
  updateDurationMs: number;
  idleBeforeUpdatingMs: number;
  pointInTimeWindowMs: number;
  tokenTtlSeconds: number;
  nonceTtlMs: number;
  tokenRequestsPerMinute: number;
  errorCodes: Partial<Record<SimErrorKey, string>>;
  credentials: SimulatorCredentials;
  stateFile?: string;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const timeScale = options.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new RangeError('timeScale must be a positive number');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError('port must be an integer from 0 to 65535');
  const restoreJobDurationMs = nonNegative(
    'restoreJobDurationMs',
    options.restoreJobDurationMs,
    20 * MINUTE_MS,
  );
  return {
    host: options.host ?? '127.0.0.1',
    port,
    timeScale,
    versionedAcceptRequired: options.versionedAcceptRequired ?? true,
    restoreJobDurationMs,
    collectionRestoreJobDurationMs: nonNegative(
      'collectionRestoreJobDurationMs',
      options.collectionRestoreJobDurationMs,
      restoreJobDurationMs,
    ),
    updateDurationMs: nonNegative('updateDurationMs', options.updateDurationMs, 2 * MINUTE_MS),
    idleBeforeUpdatingMs: nonNegative('idleBeforeUpdatingMs', options.idleBeforeUpdatingMs, 0),
    pointInTimeWindowMs: nonNegative('pointInTimeWindowHours', options.pointInTimeWindowHours, 72) * HOUR_MS,
    tokenTtlSeconds: nonNegative('tokenTtlSeconds', options.tokenTtlSeconds, 3600),
    nonceTtlMs: nonNegative('nonceTtlMs', options.nonceTtlMs, 5 * MINUTE_MS),
    tokenRequestsPerMinute: nonNegative('tokenRequestsPerMinute', options.tokenRequestsPerMinute, 10),
    errorCodes: options.errorCodes ?? {},
    credentials: { ...DEFAULT_CREDENTIALS, ...options.credentials },
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
  };
}

export const scenarioSchema = z.strictObject({
  outcome: z.enum(RESTORE_OUTCOMES),
  /**
   * What a `finished` job does to the target's data: `restored` (default), `stale` (left as it was) or
   * `empty` (emptied).
   */
  data: z.enum(RESTORE_DATA_OUTCOMES).optional(),
  /** Simulated ms from the job's creation until its outcome. Default: the `restoreJobDurationMs` option. */
  durationMs: z.number().int().nonnegative().optional(),
  /** Applies to this existing job (a restore or a collection restore job) instead of the next one created. */
  jobId: objectIdSchema.optional(),
  /** Applies to the next job restoring into this target (by project and name) instead of the next job. */
  target: z.strictObject({ groupId: objectIdSchema, name: z.string().min(1) }).optional(),
  /**
   * Which family the queued scenario waits for: `restoreJob` (whole-deployment restores, downloads included)
   * or `collectionRestoreJob`. Default: the next job of either.
   */
  appliesTo: z.enum(SCENARIO_TARGETS).optional(),
});
export type ScenarioRequest = z.input<typeof scenarioSchema>;

export const reachableSchema = z.strictObject({
  groupId: objectIdSchema,
  name: z.string().min(1),
  reachable: z.boolean(),
});
export type ReachableRequest = z.input<typeof reachableSchema>;

export const faultsUpdateSchema = z.strictObject({
  /** Replaces the fault profile (a profile or a profile name) and restarts its random streams. */
  profile: z.unknown().optional(),
  /** One-shot faults to queue. */
  oneShot: z.union([oneShotFaultSchema, z.array(oneShotFaultSchema)]).optional(),
  /** Drops every queued one-shot fault first. */
  clearOneShots: z.boolean().optional(),
});
export interface FaultsUpdate {
  profile?: FaultProfile | 'none' | 'flaky' | 'storm';
  oneShot?: OneShotFault | OneShotFault[];
  clearOneShots?: boolean;
}

/** A problem with a control request (bad scenario, unknown job, bad fault profile). */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function parseControl<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'} ${i.message}`);
  throw new ControlError(`invalid ${what}: ${problems.join('; ')}`);
}

/** The operations of the `/__sim/` control surface, also available in-process as `RunningSimulator.control`. */
export interface SimulatorControl {
  /** Everything: clock, projects, deployments with their snapshots, restore jobs, queued scenarios, faults. */
  state(): SimulatorStateDump;
  /** Replaces the world with a seed (jobs and queued scenarios are dropped). */
  seed(seed: SeedData): void;
  /** Back to the seed the simulator started with; clears jobs, scenarios, one-shot faults, rate-limit buckets and the request log. The clock keeps running forward. */
  reset(): void;
  /** How the next restore or collection restore job (or the given one) ends and after how long. */
  setScenario(scenario: ScenarioRequest): void;
  /** Replaces the fault profile and/or queues one-shot faults. */
  setFaults(update: FaultsUpdate): void;
  /** Jumps simulated time forward; returns the new simulated now (ms). */
  advanceClock(ms: number): number;
  /** The request log and its counts per route, status and fault. */
  requests(): { entries: RequestLogEntry[]; counts: RequestCounts };
  clearRequests(): void;
  /** With the data plane: makes a deployment's data unreachable, or reachable again. */
  setReachable(request: ReachableRequest): ReachableRequest;
}

export interface SimulatorStateDump {
  now: string;
  nowMs: number;
  timeScale: number;
  projects: { id: string; name: string; orgId: string }[];
  deployments: {
    kind: string;
    groupId: string;
    name: string;
    id: string;
    stateName: string;
    backupEnabled: boolean;
    continuousBackup: boolean;
    update?: { startsAt: string; endsAt: string };
    snapshots: { id: string; status: string; createdAt: string; frequencyType: string; expiresAt?: string }[];
    /** With the data plane: where its data is and what its server holds. */
    data?: DeploymentDataState;
  }[];
  restoreJobs: (Record<string, unknown> & {
    kind: string;
    groupId: string;
    deploymentName: string;
    state: string;
    createdAt: string;
    scenario: ScenarioSpec;
  })[];
  /** Newest first, each with its collections as `…/collections` lists them. */
  collectionRestoreJobs: (Record<string, unknown> & {
    groupId: string;
    deploymentName: string;
    state: string;
    scenario: ScenarioSpec;
    namespaces: Record<string, unknown>[];
  })[];
  pendingScenarios: ScenarioSpec[];
  faults: { profile: FaultProfile; oneShots: unknown[] };
}

/** The simulator's state and machinery, shared by the HTTP layer and the control surface. */
export class SimulatorCore implements SimulatorControl {
  readonly options: ResolvedOptions;
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  readonly buckets = new TokenBuckets();
  readonly log = new RequestLog();
  readonly auth: Authenticator;
  readonly tokenLimiter: TokenEndpointLimiter;
  readonly ids: SimulatorIds;
  world: World;
  /** Set once listening: the base of every `href`. */
  url = '';
  /** Set once started, when the simulator runs with its data plane. */
  dataPlane?: DataPlane;
  private readonly startSeed: ParsedSeed;

  constructor(options: SimulatorOptions) {
    this.options = resolveOptions(options);
    this.startSeed = parseSeed(options.seed ?? DEFAULT_SEED);
    this.ids = seedIds(this.startSeed);
    const saved = this.options.stateFile ? loadWorld(this.options.stateFile) : undefined;
    const startMs =
      options.startTime === undefined
        ? undefined
        : typeof options.startTime === 'number'
          ? options.startTime
          : Date.parse(options.startTime);
    if (startMs !== undefined && Number.isNaN(startMs))
      throw new RangeError('startTime must be a time or an ISO date');
    // Time never runs backwards across a restart: resume from the saved simulated now if it is ahead.
    const anchor = saved ? Math.max(saved.simNowMs, startMs ?? Date.now()) : startMs;
    this.clock = new SimClock(this.options.timeScale, anchor);
    this.world = saved ? World.fromPersisted(saved) : worldFromSeed(this.startSeed, this.clock.now());
    this.faults = new FaultInjector(resolveFaultProfile(options.faults ?? 'none'));
    this.auth = new Authenticator({
      credentials: this.options.credentials,
      nonceTtlMs: this.options.nonceTtlMs,
      tokenTtlSeconds: this.options.tokenTtlSeconds,
      simNow: () => this.clock.now(),
      realNow: Date.now,
      timeScale: this.options.timeScale,
    });
    this.tokenLimiter = new TokenEndpointLimiter(this.options.tokenRequestsPerMinute);
    if (!saved) this.persist();
  }

  now(): number {
    return this.clock.now();
  }

  persist(): void {
    if (this.options.stateFile) saveWorld(this.options.stateFile, this.world.toPersisted(this.clock.now()));
  }

  state(): SimulatorStateDump {
    const nowMs = this.now();
    const view = (versions: readonly string[]): ViewContext => ({
      apiBase: `${this.url}/api/atlas/v2`,
      flavour: 'v2',
      version: versions[versions.length - 1]!,
      nowMs,
      ...this.connectionStrings(),
    });
    const plane = this.dataPlane;
    const world = this.world;
    return {
      now: isoSeconds(nowMs),
      nowMs,
      timeScale: this.options.timeScale,
      projects: world.projects.map((p) => ({ id: p.id, name: p.name, orgId: p.orgId })),
      deployments: world.deployments.map((d) => ({
        kind: d.kind,
        groupId: d.groupId,
        name: d.name,
        id: d.id,
        stateName: deploymentStateName(d, nowMs),
        backupEnabled: d.backupEnabled,
        continuousBackup: d.continuousBackup,
        ...(d.update
          ? { update: { startsAt: isoSeconds(d.update.startsMs), endsAt: isoSeconds(d.update.endsMs) } }
          : {}),
        snapshots: snapshotsOf(d, world.extraSnapshots, nowMs).map((s) => ({
          id: s.id,
          status: s.status,
          createdAt: isoSeconds(s.takenMs),
          frequencyType: s.frequencyType,
          ...(s.expiresMs !== undefined ? { expiresAt: isoSeconds(s.expiresMs) } : {}),
        })),
        ...(plane ? { data: plane.describe(d, nowMs) } : {}),
      })),
      restoreJobs: newestFirst(world.jobs).map((job) => {
        const kind = simKind(job.kind);
        const jobView = kind.restoreJobView(job, restoreJobPhase(job, nowMs), view(kind.versions.backup));
        return {
          ...jobView,
          kind: job.kind,
          groupId: job.groupId,
          deploymentName: job.deploymentName,
          state: deriveRestoreJobState(jobView),
          createdAt: isoSeconds(job.createdMs),
          scenario: { outcome: job.outcome, durationMs: job.durationMs, data: job.data ?? 'restored' },
        };
      }),
      collectionRestoreJobs: newestFirst(world.collectionJobs).map((job) => {
        const { phase } = collectionRestoreStatus(world, job, nowMs);
        return {
          ...collectionRestoreJobView(job, phase),
          groupId: job.groupId,
          deploymentName: job.deploymentName,
          state: phase.state,
          scenario: { outcome: job.outcome, durationMs: job.durationMs, data: job.data ?? 'restored' },
          namespaces: phase.entries.map((entry) => collectionRestoreEntryView(job, entry)),
        };
      }),
      pendingScenarios: world.pendingScenarios.map((s) => ({ ...s })),
      faults: { profile: this.faults.getProfile(), oneShots: [...this.faults.pendingOneShots()] },
    };
  }

  seed(seed: SeedData): void {
    let parsed: ParsedSeed;
    try {
      parsed = parseSeed(seed);
    } catch (error) {
      throw new ControlError((error as Error).message);
    }
    this.world = worldFromSeed(parsed, this.now());
    this.persist();
    this.dataPlane?.worldReplaced(false);
  }

  reset(): void {
    this.world = worldFromSeed(this.startSeed, this.now());
    this.faults.clearOneShots();
    this.buckets.clear();
    this.log.clear();
    this.persist();
    this.dataPlane?.worldReplaced(true);
  }

  setScenario(input: ScenarioRequest): void {
    const scenario = parseControl(scenarioSchema, input, 'scenario');
    const spec: ScenarioSpec = {
      outcome: scenario.outcome,
      ...(scenario.durationMs !== undefined ? { durationMs: scenario.durationMs } : {}),
      ...(scenario.data !== undefined ? { data: scenario.data } : {}),
      ...(scenario.target !== undefined ? { target: scenario.target } : {}),
      ...(scenario.appliesTo !== undefined ? { appliesTo: scenario.appliesTo } : {}),
    };
    if (scenario.jobId !== undefined) {
      const job = this.world.findJob(scenario.jobId) ?? this.world.findCollectionJob(scenario.jobId);
      if (!job) throw new ControlError(`no restore job with id ${scenario.jobId}`, 404);
      job.outcome = spec.outcome;
      if (spec.durationMs !== undefined) job.durationMs = spec.durationMs;
      if (spec.data !== undefined) job.data = spec.data;
    } else {
      this.world.pendingScenarios.push(spec);
    }
    this.persist();
  }

  setFaults(input: FaultsUpdate): void {
    const update = parseControl(faultsUpdateSchema, input, 'faults');
    let profile: FaultProfile | undefined;
    if (update.profile !== undefined) {
      try {
        profile = resolveFaultProfile(update.profile);
      } catch (error) {
        throw new ControlError((error as Error).message);
      }
    }
    if (update.clearOneShots) this.faults.clearOneShots();
    if (profile) this.faults.setProfile(profile);
    const oneShots =
      update.oneShot === undefined ? [] : Array.isArray(update.oneShot) ? update.oneShot : [update.oneShot];
    for (const fault of oneShots) this.faults.addOneShot(fault);
  }

  advanceClock(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
      throw new ControlError('invalid clock advance: ms must be a non-negative number');
    const now = this.clock.advance(ms);
    this.persist();
    this.dataPlane?.clockAdvanced();
    return now;
  }

  requests() {
    return this.log.dump();
  }

  /**
   * Makes a deployment's data unreachable (its gate refuses every connection and cuts the open ones) or
   * reachable again. Needs the data plane.
   */
  setReachable(input: ReachableRequest): ReachableRequest {
    const request = parseControl(reachableSchema, input, 'reachability');
    if (!this.dataPlane) throw new ControlError('the simulator runs without its data plane', 409);
    const deployment = this.world.findDeployment(request.groupId, request.name);
    if (!deployment)
      throw new ControlError(`no deployment ${request.name} in project ${request.groupId}`, 404);
    this.dataPlane.setReachable(deployment.id, request.reachable);
    return request;
  }

  /** The views' `connectionStrings.standard`: the deployment's gate, with the data plane. */
  connectionStrings(): Pick<ViewContext, 'standardConnectionString'> {
    const plane = this.dataPlane;
    return plane ? { standardConnectionString: (d) => plane.connectionString(d.id) } : {};
  }

  clearRequests(): void {
    this.log.clear();
  }
}
