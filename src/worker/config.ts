import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import type { DatabaseCredentials } from '../activities/validation';
import { formatDuration, parseDuration } from '../common/duration';
import { loadEnvironment } from '../common/env-file';
import {
  bothOrNeither,
  ConfigError,
  optional,
  problemsOf,
  secret,
  text,
  unset,
  type Presence,
} from '../common/env-rules';
import {
  TEMPORAL_DEFAULTS,
  temporalCrossProblems,
  temporalFields,
  toTemporalConfig,
  type TemporalConnectionConfig,
} from '../common/temporal-connection';

export { ConfigError };

/**
 * Configuration of the worker process, read from the environment plus an optional `.env` file and
 * validated with zod at start: its Temporal half (`common/temporal-connection.ts`, shared with the CLI),
 * Atlas, slots and cache, budgets, validation's database user. An error names the variable and the rule
 * and never contains a value, so a secret pasted into the wrong variable is not printed either.
 */

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export type AtlasCredentialsConfig =
  | { type: 'digest'; publicKey: string; privateKey: string }
  | { type: 'serviceAccount'; clientId: string; clientSecret: string };

export interface WorkerConfig {
  temporal: TemporalConnectionConfig;
  atlas: {
    /** Default `https://cloud.mongodb.com`. */
    baseUrl: string;
    /** Default `v2`. */
    apiVersion: 'v2' | 'v1.0';
    credentials: AtlasCredentialsConfig;
  };
  /** Slots per worker process. A restore in the `restoring` phase holds one activity slot while it polls. */
  concurrency: {
    maxConcurrentActivityTaskExecutions: number;
    maxConcurrentWorkflowTaskExecutions: number;
    /**
     * Workflows kept in memory between their tasks. A waiting restore gets a task only when its job shows
     * something new or a 2 h window ends, so evicting it costs one short replay then, while keeping every
     * one cached costs memory for the whole wait (the SDK's default grows with the heap). Default 20.
     */
    maxCachedWorkflows?: number;
  };
  /** Server-side cap on activity starts per second for the whole task queue (all workers). */
  taskQueueActivitiesPerSecond?: number;
  /** Client-side Atlas request budget per project (groupId) in this process; `undefined` = unlimited. */
  apiBudget?: { requestsPerSecond: number; burst: number };
  /** Prometheus `/metrics` port of the SDK runtime; `undefined` = no exporter. */
  metricsPort?: number;
  /** Default `INFO`. */
  logLevel: LogLevelName;
  /** How long in-flight activities may finish after SIGINT/SIGTERM before they are cancelled. Default 30 s. */
  shutdownGraceMs: number;
  /** A pre-built workflow bundle to load instead of the one the build writes to `dist/`. */
  workflowBundlePath?: string;
  /** The database user restore validation connects as; `undefined`: validation fails as not configured. */
  validationDatabase?: DatabaseCredentials;
}

export const WORKER_DEFAULTS = {
  ...TEMPORAL_DEFAULTS,
  atlasBaseUrl: 'https://cloud.mongodb.com',
  atlasApiVersion: 'v2',
  maxConcurrentActivities: 5_000,
  // The SDK lowers task slots to the cache size when they exceed it; both at 20 keep a worker holding
  // thousands of waiting restores near 450 MiB (README, Performance) and still keep 2 cores busy.
  maxConcurrentWorkflowTasks: 20,
  maxCachedWorkflows: 20,
  apiBudgetRps: 10,
  apiBudgetBurst: 20,
  logLevel: 'INFO',
  shutdownGrace: '30s',
  validationAuthSource: 'admin',
} as const;

const integer = (min: number, max: number) =>
  text
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const positiveNumber = (rule: string, allowZero: boolean) =>
  text
    .regex(/^\d+(\.\d+)?$/, rule)
    .transform(Number)
    .refine((n) => Number.isFinite(n) && (allowZero ? n >= 0 : n > 0), rule);

/**
 * Task slots and cache size together: a workflow task needs its workflow in the cache, so the SDK silently
 * lowers slots above the cache size. A cache set alone takes the slots down with it (0 turns the cache
 * off and leaves the slots); both set against each other is an error, in `cacheCrossProblems`.
 */
function workflowTaskSettings(
  slots: number | undefined,
  cache: number | undefined,
): { maxConcurrentWorkflowTaskExecutions: number; maxCachedWorkflows: number } {
  const maxCachedWorkflows = cache ?? WORKER_DEFAULTS.maxCachedWorkflows;
  const defaultSlots =
    maxCachedWorkflows === 0
      ? WORKER_DEFAULTS.maxConcurrentWorkflowTasks
      : Math.max(2, Math.min(WORKER_DEFAULTS.maxConcurrentWorkflowTasks, maxCachedWorkflows));
  return { maxConcurrentWorkflowTaskExecutions: slots ?? defaultSlots, maxCachedWorkflows };
}

function cacheCrossProblems(env: Record<string, string | undefined>): string[] {
  const slots = Number(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS);
  const cache = Number(env.WORKER_MAX_CACHED_WORKFLOWS ?? WORKER_DEFAULTS.maxCachedWorkflows);
  if (env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS === undefined || !Number.isInteger(slots)) return [];
  if (!Number.isInteger(cache) || cache === 0 || slots <= cache) return [];
  return [
    `WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: ${slots} must not exceed WORKER_MAX_CACHED_WORKFLOWS (${cache}${env.WORKER_MAX_CACHED_WORKFLOWS === undefined ? ', the default' : ''}): a workflow task needs its workflow in the cache; raise the cache or lower the slots`,
  ];
}

function validationCrossProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const isSet: Presence = (name) => unset(env[name]) !== undefined;
  bothOrNeither(problems, isSet, 'VALIDATION_DB_USERNAME', 'VALIDATION_DB_PASSWORD');
  const password = isSet('VALIDATION_DB_USERNAME') || isSet('VALIDATION_DB_PASSWORD');
  if (password && isSet('VALIDATION_DB_X509_CERT_KEY_PATH'))
    problems.push(
      'VALIDATION_DB_X509_CERT_KEY_PATH: set either VALIDATION_DB_USERNAME + VALIDATION_DB_PASSWORD or VALIDATION_DB_X509_CERT_KEY_PATH, not both',
    );
  if (isSet('VALIDATION_DB_AUTH_SOURCE') && !password)
    problems.push(
      'VALIDATION_DB_AUTH_SOURCE: only applies with VALIDATION_DB_USERNAME + VALIDATION_DB_PASSWORD',
    );
  if (isSet('VALIDATION_DB_TLS_CA_PATH') && !isSet('VALIDATION_DB_X509_CERT_KEY_PATH'))
    problems.push('VALIDATION_DB_TLS_CA_PATH: only applies with VALIDATION_DB_X509_CERT_KEY_PATH');
  return problems;
}

function atlasCrossProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const isSet: Presence = (name) => unset(env[name]) !== undefined;
  bothOrNeither(problems, isSet, 'ATLAS_PUBLIC_KEY', 'ATLAS_PRIVATE_KEY');
  bothOrNeither(problems, isSet, 'ATLAS_CLIENT_ID', 'ATLAS_CLIENT_SECRET');
  const digest = isSet('ATLAS_PUBLIC_KEY') || isSet('ATLAS_PRIVATE_KEY');
  const serviceAccount = isSet('ATLAS_CLIENT_ID') || isSet('ATLAS_CLIENT_SECRET');
  if (digest && serviceAccount) {
    problems.push(
      'ATLAS_CLIENT_ID: set either ATLAS_PUBLIC_KEY + ATLAS_PRIVATE_KEY or ATLAS_CLIENT_ID + ATLAS_CLIENT_SECRET, not both',
    );
  } else if (!digest && !serviceAccount) {
    problems.push(
      'ATLAS_PUBLIC_KEY: Atlas credentials are required: set ATLAS_PUBLIC_KEY + ATLAS_PRIVATE_KEY (API key) or ATLAS_CLIENT_ID + ATLAS_CLIENT_SECRET (service account)',
    );
  }
  return problems;
}

export const workerEnvSchema = z.looseObject({
  ...temporalFields,
  ATLAS_BASE_URL: optional(
    text.refine((value) => {
      try {
        const url = new URL(value);
        return ['http:', 'https:'].includes(url.protocol) && !url.username && !url.password && !url.search;
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without credentials or query, e.g. https://cloud.mongodb.com'),
  ),
  ATLAS_API_VERSION: optional(text.pipe(z.enum(['v2', 'v1.0'], 'must be v2 or v1.0'))),
  ATLAS_PUBLIC_KEY: optional(text.regex(/^[^\s:]+$/, 'must not contain whitespace or ":"')),
  ATLAS_PRIVATE_KEY: optional(secret),
  ATLAS_CLIENT_ID: optional(text.regex(/^[^\s:]+$/, 'must not contain whitespace or ":"')),
  ATLAS_CLIENT_SECRET: optional(secret),
  WORKER_MAX_CONCURRENT_ACTIVITIES: optional(integer(1, 100_000)),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: optional(integer(2, 10_000)),
  WORKER_MAX_CACHED_WORKFLOWS: optional(integer(0, 100_000)),
  TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: optional(positiveNumber('must be a number > 0', false)),
  ATLAS_API_BUDGET_RPS: optional(positiveNumber('must be a number >= 0 (0 turns the budget off)', true)),
  ATLAS_API_BUDGET_BURST: optional(integer(1, 100_000)),
  METRICS_PORT: optional(integer(1, 65_535)),
  LOG_LEVEL: optional(text.toUpperCase().pipe(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`))),
  SHUTDOWN_GRACE: optional(
    text
      .transform((value) => parseDuration(value) ?? -1)
      .refine((ms) => ms >= 0 && ms <= 3_600_000, 'must be a duration from 0s to 1h, e.g. 30s or 2m'),
  ),
  WORKFLOW_BUNDLE_PATH: optional(text.refine((file) => readable(file), 'must name a readable file')),
  VALIDATION_DB_USERNAME: optional(text.regex(/^\S+$/, 'must not contain whitespace')),
  VALIDATION_DB_PASSWORD: optional(secret),
  VALIDATION_DB_AUTH_SOURCE: optional(
    text.regex(/^[^\s/\\."$]{1,63}$/, 'must be a database name, e.g. admin'),
  ),
  // Paths, not contents: the driver reads the files itself when it connects.
  VALIDATION_DB_X509_CERT_KEY_PATH: optional(
    text.refine((file) => readable(file), 'must name a readable file'),
  ),
  VALIDATION_DB_TLS_CA_PATH: optional(text.refine((file) => readable(file), 'must name a readable file')),
});

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const parsed = workerEnvSchema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : problemsOf(parsed.error)),
    ...temporalCrossProblems(env),
    ...atlasCrossProblems(env),
    ...validationCrossProblems(env),
    ...cacheCrossProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const credentials: AtlasCredentialsConfig =
    e.ATLAS_PUBLIC_KEY !== undefined
      ? { type: 'digest', publicKey: e.ATLAS_PUBLIC_KEY, privateKey: e.ATLAS_PRIVATE_KEY! }
      : { type: 'serviceAccount', clientId: e.ATLAS_CLIENT_ID!, clientSecret: e.ATLAS_CLIENT_SECRET! };
  const rps = e.ATLAS_API_BUDGET_RPS ?? WORKER_DEFAULTS.apiBudgetRps;
  const config: WorkerConfig = {
    temporal: toTemporalConfig(e),
    atlas: {
      baseUrl: (e.ATLAS_BASE_URL ?? WORKER_DEFAULTS.atlasBaseUrl).replace(/\/+$/, ''),
      apiVersion: e.ATLAS_API_VERSION ?? WORKER_DEFAULTS.atlasApiVersion,
      credentials,
    },
    concurrency: {
      maxConcurrentActivityTaskExecutions:
        e.WORKER_MAX_CONCURRENT_ACTIVITIES ?? WORKER_DEFAULTS.maxConcurrentActivities,
      ...workflowTaskSettings(e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, e.WORKER_MAX_CACHED_WORKFLOWS),
    },
    logLevel: e.LOG_LEVEL ?? WORKER_DEFAULTS.logLevel,
    shutdownGraceMs: e.SHUTDOWN_GRACE ?? parseDuration(WORKER_DEFAULTS.shutdownGrace)!,
  };
  if (e.TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND !== undefined) {
    config.taskQueueActivitiesPerSecond = e.TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND;
  }
  if (rps > 0)
    config.apiBudget = {
      requestsPerSecond: rps,
      burst: e.ATLAS_API_BUDGET_BURST ?? WORKER_DEFAULTS.apiBudgetBurst,
    };
  if (e.METRICS_PORT !== undefined) config.metricsPort = e.METRICS_PORT;
  if (e.WORKFLOW_BUNDLE_PATH !== undefined) config.workflowBundlePath = e.WORKFLOW_BUNDLE_PATH;
  if (e.VALIDATION_DB_USERNAME !== undefined)
    config.validationDatabase = {
      username: e.VALIDATION_DB_USERNAME,
      password: e.VALIDATION_DB_PASSWORD!,
      authSource: e.VALIDATION_DB_AUTH_SOURCE ?? WORKER_DEFAULTS.validationAuthSource,
    };
  else if (e.VALIDATION_DB_X509_CERT_KEY_PATH !== undefined)
    config.validationDatabase = {
      x509: {
        certificateKeyFile: e.VALIDATION_DB_X509_CERT_KEY_PATH,
        ...(e.VALIDATION_DB_TLS_CA_PATH !== undefined ? { caFile: e.VALIDATION_DB_TLS_CA_PATH } : {}),
      },
    };
  return config;
}

/** `process.env` over `.env` (a variable set in the real environment wins), validated. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, envFilePath = '.env'): WorkerConfig {
  return parseWorkerConfig(loadEnvironment(env, envFilePath));
}

/** What the worker logs about its configuration at start: every setting, no secret. */
export function describeWorkerConfig(config: WorkerConfig): Record<string, unknown> {
  const { temporal, atlas } = config;
  return {
    temporal: {
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      auth: temporal.apiKey ? 'api-key' : temporal.tls?.clientCertPair ? 'mtls' : 'none',
      tls: temporal.tls !== undefined,
    },
    atlas: {
      baseUrl: atlas.baseUrl,
      apiVersion: atlas.apiVersion,
      auth: atlas.credentials.type,
      // The public half identifies the key in Atlas' access logs; it is not a secret.
      principal:
        atlas.credentials.type === 'digest' ? atlas.credentials.publicKey : atlas.credentials.clientId,
    },
    concurrency: config.concurrency,
    taskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond ?? null,
    apiBudget: config.apiBudget ?? 'unlimited',
    metricsPort: config.metricsPort ?? null,
    logLevel: config.logLevel,
    shutdownGrace: formatDuration(config.shutdownGraceMs),
    validation: describeValidation(config.validationDatabase),
  };
}

/** How validation authenticates, by user name or certificate file: never the password. */
function describeValidation(database: DatabaseCredentials | undefined): Record<string, unknown> | string {
  if (!database) return 'not configured';
  if ('x509' in database)
    return {
      auth: 'x509',
      certificateKeyFile: database.x509.certificateKeyFile,
      caFile: database.x509.caFile ?? null,
    };
  return { auth: 'password', username: database.username, authSource: database.authSource ?? 'admin' };
}
