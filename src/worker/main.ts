import {
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  type Logger,
  type LogLevel,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import type { AtlasBackupApi } from '../atlas/api';
import { createAtlasClient } from '../atlas/client';
import { createBackupApi } from '../atlas/backup-api';
import { withApiBudget } from './budget';
import { workflowSource } from './bundle';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/contract';
import { ConfigError } from '../common/env-rules';
import { temporalConnectionOptions } from '../common/temporal-connection';
import { describeWorkerConfig, WORKER_DEFAULTS, type WorkerConfig } from './config';
import { createJsonLogger } from './logging';

export interface RuntimeSetup {
  logLevel: LogLevel;
  metricsPort?: number;
  /** Where JSON log lines go. Default: stdout. */
  write?: (line: string) => void;
}

/**
 * Installs the SDK runtime (logger, Prometheus exporter). It is a process-wide singleton that must exist
 * before any NativeConnection; a second call keeps the first runtime and returns false.
 * Signals are left to `runWorker`, which logs them and applies the grace time.
 */
export function installRuntime(setup: RuntimeSetup): boolean {
  if (Runtime._instance !== undefined) return false;
  const logger = createJsonLogger(setup.logLevel, setup.write);
  Runtime.install({
    logger,
    shutdownSignals: [],
    telemetryOptions: {
      // Core's own lines go through the same JSON logger instead of straight to the console.
      logging: { filter: makeTelemetryFilterString({ core: setup.logLevel, other: 'WARN' }), forward: {} },
      ...(setup.metricsPort !== undefined
        ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${setup.metricsPort}` } } }
        : {}),
    },
  });
  return true;
}

/**
 * The Atlas API the activities call: the real client, behind the per-project budget if one is set.
 * `close()` ends its connection pool.
 */
export function createAtlasApi(config: WorkerConfig): AtlasBackupApi & { close(): Promise<void> } {
  const { baseUrl, apiVersion, credentials } = config.atlas;
  const client = createAtlasClient({
    baseUrl,
    apiVersion,
    credentials:
      credentials.type === 'digest'
        ? { type: 'digest', publicKey: credentials.publicKey, privateKey: credentials.privateKey }
        : { type: 'serviceAccount', clientId: credentials.clientId, clientSecret: credentials.clientSecret },
  });
  const api = createBackupApi(client);
  return Object.assign(config.apiBudget ? withApiBudget(api, config.apiBudget) : api, {
    close: () => client.close(),
  });
}

/** Temporal could not be reached (or refused the credentials) when the worker started. */
export class TemporalConnectError extends Error {
  override readonly name = 'TemporalConnectError';
}

async function connectTemporal(config: WorkerConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  } catch (error) {
    // Core's transport errors are Rust debug strings; the innermost quoted reason is the readable part.
    const raw = error instanceof Error ? error.message : String(error);
    const reason = /message: "([^"]+)"/.exec(raw)?.[1] ?? raw;
    throw new TemporalConnectError(`cannot reach Temporal at ${config.temporal.address}: ${reason}`, {
      cause: error,
    });
  }
}

export interface RestoreWorker {
  worker: Worker;
  connection: NativeConnection;
  /**
   * Starts a graceful shutdown: waiting activities hand their progress back at once (so another worker
   * carries on within seconds), then the worker stops polling and drains.
   */
  shutdown(): void;
  /** Closes the connection if this module opened it. Call after `worker.run()` settles. */
  close(): Promise<void>;
}

/**
 * The SDK sends at most one heartbeat per min(0.8 × heartbeat timeout, this). Its default of 60 s would
 * cap the heartbeat interval whatever failover bound a restore asks for (`polling.failoverAfter`, up to
 * 1 h), and every heartbeat is a billable Action; so the cap sits above the longest bound.
 */
export const MAX_HEARTBEAT_THROTTLE = '48m';

/**
 * Every search attribute a restore or a drill writes must be registered in the namespace: an upsert of an
 * unknown one fails the workflow task, and the restore retries it forever without closing. A worker that
 * would wedge restores so refuses to start, naming what to register (an upgrade that adds an attribute,
 * e.g. `AtlasRestoreOutcome`, needs it registered first). Where the server does not let this identity list
 * them (some Temporal Cloud API keys), it warns and goes on.
 */
export async function checkSearchAttributes(
  connection: NativeConnection,
  namespace: string,
  logger: Logger,
): Promise<void> {
  let registered: Record<string, unknown>;
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    registered = { ...listed.customAttributes };
  } catch (error) {
    logger.warn('could not list the namespace search attributes; not checked', {
      namespace,
      error: String(error).split('\n')[0],
    });
    return;
  }
  const missing = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name).filter((name) => !(name in registered));
  if (missing.length === 0) return;
  throw new ConfigError([
    `TEMPORAL_NAMESPACE: namespace ${namespace} lacks the search attributes ${missing.join(', ')}; register each with \`temporal operator search-attribute create --namespace ${namespace} --name <name> --type Keyword\` before starting workers (README, "Running in production")`,
  ]);
}

export interface CreateRestoreWorkerOptions {
  /** Reuse a connection (the caller closes it). Default: connect with the config's Temporal settings. */
  connection?: NativeConnection;
  /** Replace the Atlas API (tests, the demo). Default: `createAtlasApi(config)`. */
  atlas?: AtlasBackupApi;
  /** Anything else for Worker.create. */
  workerOptions?: Partial<WorkerOptions>;
}

export async function createRestoreWorker(
  config: WorkerConfig,
  options: CreateRestoreWorkerOptions = {},
): Promise<RestoreWorker> {
  const logger: Logger = Runtime.instance().logger;
  const own = options.workerOptions ?? {};
  const source =
    own.workflowBundle || own.workflowsPath
      ? {}
      : workflowSource(config.workflowBundlePath, (message, meta) => logger.warn(message, meta));
  const ownConnection = options.connection === undefined;
  const connection = options.connection ?? (await connectTemporal(config));
  const draining = new AbortController();
  const ownAtlas = options.atlas ? undefined : createAtlasApi(config);
  const closeOwn = async () => {
    await ownAtlas?.close();
    if (ownConnection) await connection.close();
  };
  try {
    await checkSearchAttributes(connection, config.temporal.namespace, logger);
    const worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...source,
      activities: createActivities({
        atlas: options.atlas ?? ownAtlas!,
        draining: draining.signal,
        ...(config.validationDatabase ? { database: config.validationDatabase } : {}),
      }),
      maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
      maxConcurrentActivityTaskExecutions: config.concurrency.maxConcurrentActivityTaskExecutions,
      maxConcurrentWorkflowTaskExecutions: config.concurrency.maxConcurrentWorkflowTaskExecutions,
      maxCachedWorkflows: config.concurrency.maxCachedWorkflows ?? WORKER_DEFAULTS.maxCachedWorkflows,
      ...(config.taskQueueActivitiesPerSecond !== undefined
        ? { maxTaskQueueActivitiesPerSecond: config.taskQueueActivitiesPerSecond }
        : {}),
      shutdownGraceTime: config.shutdownGraceMs,
      // Past the grace time activities are cancelled; this bounds how long they may take to notice.
      shutdownForceTime: config.shutdownGraceMs + 15_000,
      ...own,
    });
    return {
      worker,
      connection,
      shutdown: () => {
        draining.abort();
        if (worker.getState() === 'RUNNING') worker.shutdown();
      },
      close: closeOwn,
    };
  } catch (error) {
    await closeOwn();
    throw error;
  }
}

export interface RunWorkerOptions {
  /** Signals that start a graceful shutdown. Default SIGINT and SIGTERM. */
  shutdownSignals?: NodeJS.Signals[];
}

/**
 * The `atlas-restore worker` process: runtime, connection, worker; on SIGINT/SIGTERM stops polling, lets
 * in-flight activities finish for the grace time (longer ones are cancelled and resume elsewhere from
 * their heartbeat), then closes the connection. Resolves when the worker has drained.
 */
export async function runWorker(config: WorkerConfig, options: RunWorkerOptions = {}): Promise<void> {
  installRuntime({ logLevel: config.logLevel, metricsPort: config.metricsPort });
  const logger = Runtime.instance().logger;
  logger.info('atlas-restore worker starting', { config: describeWorkerConfig(config) });
  const { worker, shutdown, close } = await createRestoreWorker(config);
  const signals = options.shutdownSignals ?? ['SIGINT', 'SIGTERM'];
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('shutdown requested: no new tasks; in-flight activities get the grace time', {
      signal,
      graceMs: config.shutdownGraceMs,
    });
    shutdown();
  };
  for (const signal of signals) process.once(signal, onSignal);
  try {
    logger.info('worker polling', {
      taskQueue: config.temporal.taskQueue,
      namespace: config.temporal.namespace,
    });
    await worker.run();
    logger.info('worker stopped');
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await close();
  }
}
