import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createRestoreClient, type RestoreClient, type RestoreOutcome } from '../client';
import { SEARCH_ATTRIBUTE_KEYS, restoreWorkflowId } from '../common/contract';
import type { DeploymentKind } from '../common/deployment-kinds';
import type { RestoreRequestInput } from '../common/restore-request';
import { startDevServer, type DevServer } from '../dev/dev-server';
import { startSimulator, type RunningSimulator, type SimulatorIds } from '../simulator';
import { WORKER_DEFAULTS, type WorkerConfig } from '../worker/config';
import { createRestoreWorker } from '../worker/main';
import { EXIT } from './exit-codes';
import { followRestore, outcomeLine, type Output } from './render';

export interface DemoOptions {
  /** Leave Temporal (and its Web UI), the simulator and the worker running until Ctrl-C. */
  keep: boolean;
  /** Headless, own server on random ports, shortest timings: what CI runs. */
  fast: boolean;
  kind: DeploymentKind;
  json: boolean;
  /** Temporal frontend port of a server the demo starts. Default 7233 if free, else any free port. */
  port?: number;
  uiPort?: number;
  /** An existing Temporal server to use instead of starting one. */
  address?: string;
  output: Output;
  signal: AbortSignal;
}

/** Task queues the demo's own workers poll; a run left on one of them by an earlier demo has no worker anymore. */
const DEMO_QUEUE_PREFIX = 'atlas-restore-demo-';

/**
 * Simulated minutes per real second. The simulator's restore jobs take 20 simulated minutes and updates 2,
 * so a restore takes about 10 s (normal) or 2 s (`--fast`) of real time.
 */
const TIME_SCALE = { normal: 120, fast: 600 };

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function answersTemporal(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

async function answersHttp(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** A server the demo did not start may lack our search attributes; start-dev registers them only at boot. */
async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    // 2 = INDEXED_VALUE_TYPE_KEYWORD; every key of ours is a Keyword.
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, 2])),
  });
}

interface TemporalTarget {
  address: string;
  uiUrl?: string;
  server?: DevServer;
}

async function provisionTemporal(options: DemoOptions, say: (line: string) => void): Promise<TemporalTarget> {
  if (options.address) {
    say(`using the Temporal server at ${options.address}`);
    return { address: options.address };
  }
  if (!options.fast) {
    if (options.port === undefined && (await answersTemporal('127.0.0.1:7233'))) {
      const ui = (await answersHttp('http://localhost:8233/')) ? 'http://localhost:8233' : undefined;
      say(`reusing the Temporal server already running on localhost:7233${ui ? ` (Web UI ${ui})` : ''}`);
      return { address: '127.0.0.1:7233', uiUrl: ui };
    }
  }
  const port = options.port ?? (!options.fast && (await portIsFree(7233)) ? 7233 : undefined);
  const uiPort = options.fast ? undefined : (options.uiPort ?? ((await portIsFree(8233)) ? 8233 : undefined));
  say(`starting a Temporal dev server${options.fast ? ' (headless)' : ' with its Web UI'} ...`);
  const started = Date.now();
  const server = await startDevServer({ port, ui: !options.fast, uiPort });
  say(
    `Temporal dev server on ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''} (${Date.now() - started} ms)`,
  );
  return { address: server.address, uiUrl: server.uiUrl, server };
}

/** Which seeded deployment each kind restores, and into which sibling of the same kind. */
const DEMO_DEPLOYMENTS = {
  serverless: { source: 'serverlessSource', target: 'serverlessTarget' },
  cluster: { source: 'clusterSource', target: 'clusterTarget' },
  flex: { source: 'flexSource', target: 'flexTarget' },
} as const satisfies Record<DeploymentKind, { source: keyof SimulatorIds; target: keyof SimulatorIds }>;

/** The default seed's deployments: a source of the kind, restored into its sibling. */
export function demoRequest(
  simulator: RunningSimulator,
  kind: DeploymentKind,
  fast: boolean,
): RestoreRequestInput {
  const { ids } = simulator;
  const source = ids[DEMO_DEPLOYMENTS[kind].source];
  const target = ids[DEMO_DEPLOYMENTS[kind].target];
  return {
    source: { kind, groupId: ids.projectId, name: source },
    snapshot: { latest: true },
    target: { groupId: ids.projectId, name: target },
    deadline: '10m',
    polling: { initialInterval: '1s', maxInterval: fast ? '1s' : '2s' },
    // What a restore proves about its data: the seed's sources hold these databases (src/simulator/default-seed.ts).
    validate: {
      connectTimeout: '2m',
      checks: [
        { kind: 'exists', name: 'shop database', database: 'shop' },
        {
          kind: 'count',
          name: 'shop.orders as the source had them at the snapshot',
          database: 'shop',
          collection: 'orders',
          ofSource: {},
        },
        {
          kind: 'count',
          name: 'shop.customers not empty',
          database: 'shop',
          collection: 'customers',
          min: 1,
        },
        {
          kind: 'query',
          name: 'paid orders',
          database: 'shop',
          collection: 'orders',
          filter: { status: 'paid' },
          minResults: 1,
        },
        { kind: 'exists', name: 'analytics.events', database: 'analytics', collection: 'events' },
      ],
    },
  };
}

function waitForSignal(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * One restore end to end on the embedded default: a Temporal dev server (reused if one answers on 7233),
 * the Atlas simulator with its default seed, a worker, then start → follow → result → clean shutdown.
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const { output } = options;
  const say = (line: string) => (options.json ? output.err(line) : output.out(line));
  const started = Date.now();
  // Quiet SDK logs: the demo's own lines are the interesting output. Signals are the CLI's to handle.
  if (Runtime._instance === undefined)
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: unknown) =>
        output.err(`cleanup: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  };
  try {
    const temporal = await provisionTemporal(options, say);
    if (temporal.server) cleanups.push(() => temporal.server!.stop());

    say('starting the Atlas simulator with its data plane (a wire server per deployment) ...');
    const simulator = await startSimulator({
      timeScale: options.fast ? TIME_SCALE.fast : TIME_SCALE.normal,
      dataPlane: true,
    });
    cleanups.push(() => simulator.close());
    say(
      `Atlas simulator on ${simulator.url} (default seed, ${options.fast ? TIME_SCALE.fast : TIME_SCALE.normal}x time, ${simulator.data?.flavour ?? 'no'} data plane)`,
    );

    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    await ensureSearchAttributes(connection, 'default');
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    cleanups.push(() => nativeConnection.close());

    const taskQueue = `${DEMO_QUEUE_PREFIX}${randomUUID().slice(0, 8)}`;
    const config: WorkerConfig = {
      temporal: { address: temporal.address, namespace: 'default', taskQueue },
      atlas: {
        baseUrl: simulator.url,
        apiVersion: 'v2',
        credentials: {
          type: 'digest',
          publicKey: simulator.credentials.publicKey,
          privateKey: simulator.credentials.privateKey,
        },
      },
      concurrency: {
        maxConcurrentActivityTaskExecutions: WORKER_DEFAULTS.maxConcurrentActivities,
        maxConcurrentWorkflowTaskExecutions: WORKER_DEFAULTS.maxConcurrentWorkflowTasks,
      },
      logLevel: 'WARN',
      shutdownGraceMs: 2_000,
      // The simulator's database user: the worker checks the restored data as it.
      validationDatabase: {
        username: simulator.credentials.databaseUsername,
        password: simulator.credentials.databasePassword,
      },
      workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH || undefined,
    };
    const { worker } = await createRestoreWorker(config, { connection: nativeConnection });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    say(`worker polling task queue ${taskQueue}`);

    const restores: RestoreClient = createRestoreClient({
      client: new Client({ connection, namespace: 'default' }),
      taskQueue,
    });
    const request = demoRequest(simulator, options.kind, options.fast);
    await terminateLeftover(restores, request);
    const start = await restores.startRestore(request);
    say(`started restore ${start.workflowId}`);
    const link = temporal.uiUrl
      ? `${temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(start.workflowId)}`
      : undefined;
    if (link) say(`Web UI: ${link}`);

    const outcome: RestoreOutcome | undefined = await Promise.race([
      followRestore(restores, start.workflowId, {
        intervalMs: 500,
        output,
        json: false,
        signal: options.signal,
      }),
      running.then(() => {
        throw new Error('the worker stopped before the restore ended');
      }),
    ]);
    if (!outcome) {
      say('interrupted');
      return EXIT.interrupted;
    }
    if (options.json) {
      output.out(JSON.stringify({ ...outcome, webUi: link ?? null, temporalAddress: temporal.address }));
    } else {
      say(outcomeLine(outcome));
      if (outcome.outcome === 'finished') {
        const job = outcome.result.restoreJob;
        const fields = [
          `${job.delivery} restore`,
          job.snapshotId && `of snapshot ${job.snapshotId}`,
          job.target && `into ${job.target.name}`,
          job.finishedAt && `finished at ${job.finishedAt}`,
        ].filter(Boolean);
        say(`restore job ${job.id}: ${fields.join(', ')}`);
        for (const check of outcome.result.validation?.checks ?? [])
          say(`  ${check.ok ? 'checked' : 'FAILED'}: ${check.name}: ${check.summary}`);
      } else if (outcome.validation) {
        for (const check of outcome.validation.checks)
          say(`  ${check.ok ? 'checked' : 'FAILED'}: ${check.name}: ${check.summary}`);
      }
      if (link) say(`see it in the Web UI: ${link}`);
      say(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (options.keep) {
      say('--keep: Temporal, the Web UI, the simulator and the worker stay up; press Ctrl-C to stop them');
      await waitForSignal(options.signal);
    }
    return outcome.outcome === 'finished' ? EXIT.ok : EXIT.notFinished;
  } finally {
    await cleanup();
  }
}

/**
 * The workflow id is derived from the request, so an earlier demo's run that was left running (its worker
 * gone with that demo's process) would be joined instead of started. Only runs on a demo task queue are
 * touched: a real restore with the same id is never terminated by the demo.
 */
async function terminateLeftover(restores: RestoreClient, request: RestoreRequestInput): Promise<void> {
  const handle = restores.client.workflow.getHandle(
    restoreWorkflowId(request as Parameters<typeof restoreWorkflowId>[0]),
  );
  const description = await handle.describe().catch(() => undefined);
  if (description?.status.name === 'RUNNING' && description.taskQueue.startsWith(DEMO_QUEUE_PREFIX)) {
    await handle.terminate('left running by an earlier atlas-restore demo');
  }
}
