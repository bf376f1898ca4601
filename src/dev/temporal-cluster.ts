/**
 * A production-shaped Temporal on this machine, for the topology suite (test/topology): a private
 * PostgreSQL cluster (initdb in a temporary folder, its own free port, its unix socket in that folder)
 * holding the `temporal` and `temporal_visibility` databases, created and migrated by Temporal's own SQL
 * tool from the server module's schema, and Temporal's four services (frontend, history, matching, worker)
 * as separate `temporal-server` processes. Each piece can be stopped, killed and started again on the
 * same ports and data, so tests can take them away mid-run. Mirrors `dev-server.ts` for the dev server.
 *
 * Binaries come from scripts/temporal-cluster-tools.sh (go install from the Go module proxy, PostgreSQL
 * from Debian's packages), cached outside the checkout; TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH,
 * TEMPORAL_SCHEMA_DIR and POSTGRES_BIN_DIR win.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/contract';
import { freePort } from './dev-server';
import { projectRoot } from './temporal-tools';

const run = promisify(execFile);

/**
 * The settings the topology suite runs with and docker-compose.yml must match (test/repo checks it): the
 * persistence driver, the history shard count (fixed when a cluster is created) and the namespace's
 * retention of closed workflows, which bounds how long restore evidence can be read back.
 */
export const CLUSTER_SETTINGS = {
  dbPlugin: 'postgres12',
  numHistoryShards: 4,
  namespace: 'default',
  /** Retention of closed workflows in the namespace (Temporal's own duration syntax, hours). */
  namespaceRetention: '720h',
  /** PostgreSQL major version the suite is verified on (Debian bookworm's); compose's image uses it. */
  postgresMajor: 15,
  /** The dynamic config file both the suite and compose load. */
  dynamicConfigFile: 'deploy/temporal/dynamicconfig.yaml',
} as const;

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface ClusterTools {
  server: string;
  sqlTool: string;
  /** Folder holding postgresql/v12/{temporal,visibility}. */
  schemaDir: string;
  /** Folder holding initdb, pg_ctl, postgres, pg_isready. */
  postgresBin: string;
  /** The Temporal server version the script installs. */
  version: string;
  /** `postgres --version` of the binaries in use, e.g. `15.18`. */
  postgresVersion: string;
}

async function script(which: string): Promise<string[]> {
  const file = path.join(projectRoot(), 'scripts', 'temporal-cluster-tools.sh');
  // A first-time build reports its progress on our stderr as it goes; only paths come back on stdout.
  const child = run('bash', [file, which], { maxBuffer: 1 << 20 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  return stdout.trim().split('\n');
}

let tools: Promise<ClusterTools> | undefined;

/** Resolves (and on first use builds or installs) everything a cluster needs, once per process. */
export function ensureClusterTools(): Promise<ClusterTools> {
  tools ??= (async () => {
    const lines = await script('all');
    const [server, sqlTool, schemaDir, postgresBin] = lines.slice(-4);
    if (!server || !sqlTool || !schemaDir || !postgresBin)
      throw new Error(`scripts/temporal-cluster-tools.sh all printed ${lines.length} lines, not 4 paths`);
    const [version] = await script('version');
    const { stdout } = await run(path.join(postgresBin, 'postgres'), ['--version']);
    const postgresVersion = /(\d+(?:\.\d+)*)/.exec(stdout)?.[1] ?? stdout.trim();
    return { server, sqlTool, schemaDir, postgresBin, version: version!, postgresVersion };
  })();
  return tools;
}

/** Generated database passwords: whatever a process prints goes through `redact` before any message. */
const secrets = new Set<string>();
function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** A child process with the tail of its output kept for error messages (never printed otherwise). */
class Managed {
  child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly name: string) {}

  start(
    command: string,
    args: string[],
    options: { env: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string },
  ) {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-6000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return redact(this.output);
  }

  get pid(): number | undefined {
    return this.running() ? this.child!.pid : undefined;
  }

  /** `signal` first, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
    if (!this.running()) return;
    this.child!.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, detail: () => string) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what} not ready after ${timeoutMs / 1000} s${last ? ` (${String(last)})` : ''}\n${detail()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** uid/gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

export interface PrivatePostgres {
  host: string;
  port: number;
  user: string;
  /** Generated per cluster; goes to Temporal through the environment, never into a file or a log. */
  password: string;
  /** Fast shutdown (SIGINT): clients are disconnected, committed work is kept. */
  stop(): Promise<void>;
  start(): Promise<void>;
  pid(): number | undefined;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
}

/**
 * initdb in a temporary folder and a postmaster on a free loopback port with its socket in that folder.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user the Debian package
 * creates (POSTGRES_RUN_AS names another).
 */
export async function startPrivatePostgres(binDir: string): Promise<PrivatePostgres> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  mkdirSync(socketDir);
  const as = process.getuid?.() === 0 ? systemUser(process.env.POSTGRES_RUN_AS ?? 'postgres') : undefined;
  if (process.getuid?.() === 0 && !as)
    throw new Error(
      `running as root and there is no '${process.env.POSTGRES_RUN_AS ?? 'postgres'}' user to run PostgreSQL as`,
    );
  if (as) {
    chownSync(root, as.uid, as.gid);
    chownSync(socketDir, as.uid, as.gid);
  }
  const user = 'temporal';
  const password = randomBytes(18).toString('base64url');
  secrets.add(password);
  const pwfile = path.join(root, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (as) chownSync(pwfile, as.uid, as.gid);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', HOME: root };
  const owner = as ? { uid: as.uid, gid: as.gid } : {};
  try {
    await run(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=trust'],
      { env, ...owner, cwd: root, maxBuffer: 1 << 20 },
    ).catch((error: { stdout?: string; stderr?: string }) => {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`initdb failed:\n${redact(`${error.stdout ?? ''}${error.stderr ?? ''}`)}`);
    });
  } finally {
    rmSync(pwfile, { force: true });
  }
  const port = await freePort();
  const postmaster = new Managed('postgres');
  const start = async () => {
    postmaster.start(
      path.join(binDir, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        socketDir,
        '-c',
        'listen_addresses=127.0.0.1',
        // 4 services x (20 + 2) connections, the SQL tool and headroom.
        '-c',
        'max_connections=200',
      ],
      { env, ...owner, cwd: root },
    );
    await waitFor(
      'PostgreSQL',
      async () => {
        if (!postmaster.running()) throw new Error(`postgres exited:\n${postmaster.tail()}`);
        await run(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)], { env });
        return true;
      },
      60_000,
      () => postmaster.tail(),
    );
  };
  try {
    await start();
  } catch (error) {
    await postmaster.stop('SIGKILL', 5_000);
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    start,
    stop: () => postmaster.stop('SIGINT', 30_000),
    pid: () => postmaster.pid,
    async remove() {
      await postmaster.stop('SIGINT', 30_000);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Creates `temporal` and `temporal_visibility` and migrates both to the newest schema version shipped. */
export async function setupTemporalSchema(tools: ClusterTools, pg: PrivatePostgres): Promise<void> {
  const env = {
    ...process.env,
    SQL_PLUGIN: CLUSTER_SETTINGS.dbPlugin,
    SQL_HOST: pg.host,
    SQL_PORT: String(pg.port),
    SQL_USER: pg.user,
    SQL_PASSWORD: pg.password,
  };
  const schema = path.join(tools.schemaDir, 'postgresql', 'v12');
  for (const [database, folder] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    const sql = (args: string[]) =>
      run(tools.sqlTool, ['--db', database, ...args], {
        env: { ...env, SQL_DATABASE: database },
        maxBuffer: 8 << 20,
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(
          `temporal-sql-tool ${args[0]} (${database}) failed:\n${redact(`${error.stdout ?? ''}${error.stderr ?? ''}`)}`,
        );
      });
    await sql(['create-database']);
    await sql(['setup-schema', '-v', '0.0']);
    await sql(['update-schema', '-d', path.join(schema, folder, 'versioned')]);
  }
}

/**
 * A free loopback port below 32768: Temporal's SQL schema keeps membership ports in a smallint, so the
 * kernel's ephemeral range (from 32768 up) is out.
 */
const handedOut = new Set<number>();
async function lowFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}

interface ServicePorts {
  grpc: number;
  membership: number;
  http?: number;
}

/** The server's config: the module's development-postgres12.yaml, adapted (ports, database, no archival). */
function serverConfig(
  pg: PrivatePostgres,
  ports: Record<TemporalService, ServicePorts>,
  dynamicConfig: string,
): string {
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: "${CLUSTER_SETTINGS.dbPlugin}"
        databaseName: "${database}"
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: "tcp"
        user: "${pg.user}"
        password: {{ env "TEMPORAL_TOPOLOGY_DB_PASSWORD" | quote }}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (name: TemporalService) => {
    const p = ports[name];
    return `  ${name}:
    rpc:
      grpcPort: ${p.grpc}
      membershipPort: ${p.membership}
      bindOnLocalHost: true${p.http ? `\n      httpPort: ${p.http}` : ''}`;
  };
  return `# enable-template (the database password comes from the environment, never from this file)
log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${CLUSTER_SETTINGS.numHistoryShards}
  datastores:
    postgres-default:
${store('temporal', 20)}
    postgres-visibility:
${store('temporal_visibility', 2)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"

services:
${TEMPORAL_SERVICES.map(service).join('\n')}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend.grpc}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${JSON.stringify(dynamicConfig)}
  pollInterval: "10s"
`;
}

export interface TemporalClusterOptions {
  /**
   * How long the services may take to answer (and the namespace to be usable). Default 120 s. Their output
   * is kept in memory and shown only in the error when they do not.
   */
  startTimeoutMs?: number;
}

export interface TemporalCluster {
  /** Frontend `host:port`. */
  address: string;
  namespace: string;
  tools: ClusterTools;
  postgres: PrivatePostgres;
  /** Pid of a service's process while it runs. */
  pid(service: TemporalService): number | undefined;
  /** SIGTERM (graceful) or SIGKILL one service; `start` brings it back on the same ports. */
  stopService(service: TemporalService, signal?: NodeJS.Signals): Promise<void>;
  startService(service: TemporalService): Promise<void>;
  restartService(service: TemporalService, signal?: NodeJS.Signals): Promise<number>;
  /** Fast shutdown of PostgreSQL and start again on the same port and data; resolves with the downtime (ms). */
  restartPostgres(): Promise<number>;
  /** Output tail of a service (for failure messages). */
  tail(service: TemporalService): string;
  /** Waits until the frontend, history and matching answer. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Stops every process and removes every temporary folder. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL, the schema, the four services, the namespace (CLUSTER_SETTINGS.namespaceRetention) and our
 * search attributes. Resolves once a workflow can be started and a task queue described.
 */
export async function startTemporalCluster(options: TemporalClusterOptions = {}): Promise<TemporalCluster> {
  const found = await ensureClusterTools();
  const postgres = await startPrivatePostgres(found.postgresBin);
  const configRoot = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-temporal-cluster-'));
  const services = new Map<TemporalService, Managed>(TEMPORAL_SERVICES.map((s) => [s, new Managed(s)]));
  const stopAll = async () => {
    await Promise.all([...services.values()].map((m) => m.stop('SIGTERM', 10_000)));
    await postgres.remove();
    rmSync(configRoot, { recursive: true, force: true });
  };
  try {
    await setupTemporalSchema(found, postgres);
    const ports = {} as Record<TemporalService, ServicePorts>;
    for (const service of TEMPORAL_SERVICES) {
      ports[service] = { grpc: await lowFreePort(), membership: await lowFreePort() };
    }
    ports.frontend.http = await lowFreePort();
    mkdirSync(path.join(configRoot, 'config'));
    const dynamicConfig = path.join(projectRoot(), CLUSTER_SETTINGS.dynamicConfigFile);
    writeFileSync(
      path.join(configRoot, 'config', 'topology.yaml'),
      serverConfig(postgres, ports, dynamicConfig),
    );
    const address = `127.0.0.1:${ports.frontend.grpc}`;
    const env = { ...process.env, TEMPORAL_TOPOLOGY_DB_PASSWORD: postgres.password };

    const startService = async (service: TemporalService) => {
      const managed = services.get(service)!;
      if (managed.running()) return;
      managed.start(
        found.server,
        [
          '--root',
          configRoot,
          '--config',
          'config',
          '--env',
          'topology',
          '--allow-no-auth',
          'start',
          '--service',
          service,
        ],
        { env, cwd: configRoot },
      );
      // A service that cannot start (bad config, ports) exits within a second or two.
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (!managed.running()) throw new Error(`temporal ${service} exited at start:\n${managed.tail()}`);
    };
    const stopService = (service: TemporalService, signal: NodeJS.Signals = 'SIGTERM') =>
      services.get(service)!.stop(signal, 15_000);

    const waitReady = async (timeoutMs = options.startTimeoutMs ?? 120_000) => {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => undefined);
      let conn = connection;
      try {
        await waitFor(
          'Temporal cluster',
          async () => {
            conn ??= await Connection.connect({ address, connectTimeout: 2_000 });
            for (const [service, managed] of services)
              if (!managed.running())
                throw new Error(`temporal ${service} is not running:\n${managed.tail()}`);
            // History: a start of a workflow nobody runs, terminated at once. Matching: describing its queue.
            const workflowId = `topology-probe-${randomBytes(4).toString('hex')}`;
            const taskQueue = { name: 'topology-probe' };
            await conn.workflowService.startWorkflowExecution({
              namespace: CLUSTER_SETTINGS.namespace,
              workflowId,
              workflowType: { name: 'topologyProbe' },
              taskQueue,
              requestId: randomBytes(8).toString('hex'),
            });
            await conn.workflowService.terminateWorkflowExecution({
              namespace: CLUSTER_SETTINGS.namespace,
              workflowExecution: { workflowId },
              reason: 'readiness probe',
            });
            await conn.workflowService.describeTaskQueue({
              namespace: CLUSTER_SETTINGS.namespace,
              taskQueue,
            });
            return true;
          },
          timeoutMs,
          () => TEMPORAL_SERVICES.map((s) => `--- ${s}\n${services.get(s)!.tail().slice(-1500)}`).join('\n'),
        );
      } finally {
        await conn?.close();
      }
    };

    for (const service of TEMPORAL_SERVICES) await startService(service);
    await registerNamespace(address, options.startTimeoutMs ?? 120_000, () =>
      TEMPORAL_SERVICES.map((s) => `--- ${s}\n${services.get(s)!.tail().slice(-1500)}`).join('\n'),
    );
    await waitReady();
    return {
      address,
      namespace: CLUSTER_SETTINGS.namespace,
      tools: found,
      postgres,
      pid: (service) => services.get(service)!.pid,
      stopService,
      startService,
      async restartService(service, signal = 'SIGTERM') {
        const down = Date.now();
        await stopService(service, signal);
        await startService(service);
        return Date.now() - down;
      },
      async restartPostgres() {
        const down = Date.now();
        await postgres.stop();
        await postgres.start();
        return Date.now() - down;
      },
      tail: (service) => services.get(service)!.tail(),
      waitReady,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `temporal operator namespace create` and `search-attribute create` for ours, through the frontend. */
async function registerNamespace(address: string, timeoutMs: number, detail: () => string): Promise<void> {
  const namespace = CLUSTER_SETTINGS.namespace;
  const hours = Number(/^(\d+)h$/.exec(CLUSTER_SETTINGS.namespaceRetention)![1]);
  let connection: Connection | undefined;
  try {
    await waitFor(
      'namespace registration',
      async () => {
        connection ??= await Connection.connect({ address, connectTimeout: 2_000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } catch {
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: msToTs(hours * 3_600_000),
          });
        }
        const existing = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = SEARCH_ATTRIBUTE_KEYS.filter(
          (key) => !(key.name in (existing.customAttributes ?? {})),
        );
        if (missing.length > 0) {
          await connection.operatorService.addSearchAttributes({
            namespace,
            // INDEXED_VALUE_TYPE_KEYWORD
            searchAttributes: Object.fromEntries(missing.map((key) => [key.name, 2])),
          });
          return false;
        }
        // The frontend's search-attribute cache lags the registration: a query naming one must pass.
        await connection.workflowService.countWorkflowExecutions({
          namespace,
          query: `${SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name} = 'probe'`).join(' OR ')}`,
        });
        return true;
      },
      timeoutMs,
      detail,
    );
  } finally {
    await connection?.close();
  }
}
