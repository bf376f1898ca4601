import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import type { WireServerBinary } from '../../dev/wire-server';

/**
 * One wire-server process holding one simulated deployment's data, in a state folder of its own, with the
 * deployments' database user. FerretDB (SQLite backend) creates the user at start; mongod gets it through
 * the localhost exception. The password travels in the environment or over the wire, never on a command
 * line (which `ps` shows), and is never logged.
 */

export interface DatabaseUser {
  username: string;
  password: string;
}

export interface WireBackend {
  /** The loopback port the server listens on (behind the deployment's proxy). */
  port: number;
  /** A client authenticated as the database user, for the simulator's own writes. */
  client: MongoClient;
  stop(): Promise<void>;
}

const READY_WITHIN_MS = 120_000;
/** Lines of the server's stderr kept for an error message if it dies at start. */
const STDERR_LINES = 20;

/** Children still running, killed if the process exits without closing the simulator. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

let deathSignal: boolean | undefined;
/**
 * Whether util-linux's `setpriv` can start the servers with a parent-death signal: the exit hook above does
 * not run when this process is killed, and without it the servers would outlive it.
 */
function canSetDeathSignal(): boolean {
  deathSignal ??= spawnSync('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true']).status === 0;
  return deathSignal;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function commandFor(binary: WireServerBinary, dir: string, port: number, user: DatabaseUser) {
  if (binary.flavour === 'ferretdb') {
    return {
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`,
        '--telemetry=disable',
        '--debug-addr=-',
        '--log-level=error',
        '--test-enable-new-auth',
        '--setup-database=admin',
      ],
      // FerretDB reads every flag from FERRETDB_<FLAG> too: the credentials go there.
      env: { FERRETDB_SETUP_USERNAME: user.username, FERRETDB_SETUP_PASSWORD: user.password },
    };
  }
  return {
    args: [
      '--dbpath',
      dir,
      '--port',
      String(port),
      '--bind_ip',
      '127.0.0.1',
      '--auth',
      '--quiet',
      // One small server per simulated deployment: cap the cache that otherwise takes half the RAM each.
      '--wiredTigerCacheSizeGB',
      '0.25',
      '--setParameter',
      'diagnosticDataCollectionEnabled=false',
    ],
    env: {},
  };
}

function authenticated(port: number, user: DatabaseUser): MongoClient {
  return new MongoClient(`mongodb://127.0.0.1:${port}/?authSource=admin`, {
    auth: { username: user.username, password: user.password },
    directConnection: true,
    serverSelectionTimeoutMS: 5_000,
    maxPoolSize: 4,
    appName: 'atlas-restore-simulator',
  });
}

/** The localhost exception: with no user yet, a loopback client may create the first one. */
async function createFirstUser(port: number, user: DatabaseUser): Promise<void> {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, {
    directConnection: true,
    serverSelectionTimeoutMS: 5_000,
  });
  try {
    await client.db('admin').command({ createUser: user.username, pwd: user.password, roles: ['root'] });
  } finally {
    await client.close();
  }
}

async function startOnce(binary: WireServerBinary, dir: string, user: DatabaseUser): Promise<WireBackend> {
  const port = await freePort();
  const { args, env } = commandFor(binary, dir, port, user);
  const [command, argv] = canSetDeathSignal()
    ? ['setpriv', ['--pdeathsig', 'SIGKILL', '--', binary.path, ...args]]
    : [binary.path, args];
  const child = spawn(command, argv, {
    // Only what a server needs: no credential of ours from the parent's environment goes along.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, TMPDIR: dir, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackForExit(child);
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n').filter((line) => line.trim() !== ''));
    stderr.splice(0, Math.max(0, stderr.length - STDERR_LINES));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5_000, false, { ref: false })]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  };
  const died = () => child.exitCode !== null || child.signalCode !== null;
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!(await accepts(port))) {
    if (died() || Date.now() > deadline) {
      await stop();
      throw new Error(
        `${binary.flavour} (${binary.path}) did not start on port ${port}${died() ? ` (exit ${child.exitCode ?? child.signalCode})` : ''}: ${stderr.join(' | ') || 'no output'}`,
      );
    }
    await sleep(25);
  }
  try {
    if (binary.flavour === 'mongod') await createFirstUser(port, user);
    const client = authenticated(port, user);
    await client.connect();
    return {
      port,
      client,
      stop: async () => {
        await client.close(true);
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts a wire server in `dir` (created, and removed by `stop`). A port taken between choosing and
 * binding it makes the server exit at once; that is retried on another port.
 */
export async function startWireBackend(
  binary: WireServerBinary,
  dir: string,
  user: DatabaseUser,
): Promise<WireBackend> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      const backend = await startOnce(binary, dir, user);
      return {
        ...backend,
        stop: async () => {
          await backend.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}
