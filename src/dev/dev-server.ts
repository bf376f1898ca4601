import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../common/contract';
import { ensureTemporalCli } from './temporal-tools';

export interface DevServerOptions {
  /** gRPC port; default: any free port. */
  port?: number;
  /** Serve the Web UI. Default false. */
  ui?: boolean;
  /** Web UI port; default: any free port when `ui` is on. */
  uiPort?: number;
  /** SQLite file so workflows survive a server restart; default: in memory. */
  dbFilename?: string;
  namespace?: string;
  /** Where the server's own output goes; default: discarded unless it fails to start. */
  log?: 'inherit' | 'ignore';
  /**
   * How long to wait for the server to answer. Default 5 min: the first start after a build, on a busy
   * 2-core machine, has taken over a minute (the OS pages in a fresh 200 MB binary, SQLite schema set-up).
   */
  startTimeoutMs?: number;
  /** Where a "still waiting" line goes while a slow start goes on; default stderr. */
  onSlowStart?: (message: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 5 * 60_000;
/** A healthy start takes 1–3 s; after this long, say what we are waiting for. */
const SLOW_START_NOTICE_MS = 10_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `temporal server start-dev` with our search attributes registered, and resolves once its
 * frontend answers. Same flags the SDK's own ephemeral server passes (docs/temporal.md#dev-server), so tests,
 * the demo and a person running the CLI see the same server.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const executable = await ensureTemporalCli();
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--log-format', 'pretty', '--log-level', 'warn');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true');
  let uiUrl: string | undefined;
  if (options.ui) {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://localhost:${uiPort}`;
  } else {
    args.push('--headless');
  }
  // The CLI persists a cluster id in a config file under $HOME; a scratch HOME keeps parallel runs apart.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-temporal-'));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=Keyword`);

  const child = spawn(executable, args, {
    stdio: [
      'ignore',
      options.log === 'inherit' ? 'inherit' : 'pipe',
      options.log === 'inherit' ? 'inherit' : 'pipe',
    ],
    env: { ...process.env, HOME: scratch },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const begun = Date.now();
  const deadline = begun + startTimeoutMs;
  const onSlowStart = options.onSlowStart ?? ((message: string) => process.stderr.write(`${message}\n`));
  let nextNotice = begun + SLOW_START_NOTICE_MS;
  for (;;) {
    if (Date.now() >= nextNotice) {
      const waited = Math.round((Date.now() - begun) / 1000);
      onSlowStart(
        `waiting for the Temporal dev server on ${address} (${waited} s of up to ${Math.round(startTimeoutMs / 1000)} s; a first start after a build is slow on a busy machine)`,
      );
      nextNotice += SLOW_START_NOTICE_MS * 2;
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(
        `temporal dev server exited with code ${child.exitCode} before it was ready:\n${output}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return { address, namespace, uiUrl, process: child, stop };
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `temporal dev server did not answer on ${address} within ${Math.round(startTimeoutMs / 1000)} s: ${String(error)}\n${output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
