/**
 * The real `atlas-restore worker` as a child process (configured only by environment variables), for tests
 * and benchmarks that kill it, restart it, read its output or measure it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';

const CLI_MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.ts');
/** tsx's loader by absolute URL, so the worker can run from a folder of its own. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
/** Variables of ours a developer's shell may hold; the child gets only what the caller gives. */
const OWN_VARIABLES =
  /^(TEMPORAL_|ATLAS_|WORKER_|VALIDATION_|METRICS_PORT$|LOG_LEVEL$|SHUTDOWN_GRACE$|WORKFLOW_BUNDLE_PATH$)/;

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Everything the worker wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL now: no graceful shutdown, in-flight activities are lost mid-call. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node --import tsx src/cli/main.ts worker` with exactly `env` on top of the parent's non-project
 * variables. It runs in an empty folder of its own so no `.env` file is picked up. (Not `--dotenv`, which
 * would need a file; an empty folder needs nothing.)
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-worker-'));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !OWN_VARIABLES.test(key)),
  );
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI_MAIN, 'worker'], {
    cwd,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    output: () => chunks.join(''),
    exited,
    async kill9() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 30_000) {
      if (running()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
  };
}

/** Waits until some worker polls the task queue's workflow tasks (the worker is up and connected). */
export async function waitForPoller(
  client: Client,
  namespace: string,
  taskQueue: string,
  worker: WorkerProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
      throw new Error(
        `worker exited (${worker.child.exitCode ?? worker.child.signalCode}) before polling:\n${worker.output().slice(-4000)}`,
      );
    }
    const described = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    // Pollers of a killed worker are listed for a while after it died; only a fresh poll counts.
    const fresh = (described.pollers ?? []).some((p) => {
      const seconds = Number(String(p.lastAccessTime?.seconds ?? 0));
      return seconds * 1000 >= Date.now() - 5_000 && p.identity?.includes(`${worker.pid}@`);
    });
    if (fresh) return;
    if (Date.now() > deadline)
      throw new Error(`worker did not poll ${taskQueue} in time:\n${worker.output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
