import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createRestoreClient, type RestoreClient } from '../../src/client';
import { DEFAULT_IDS } from '../../src/simulator/default-seed';
import { uniqueSeed } from '../client/stack';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { getTestEnv, uniqueTaskQueue, type TestEnv } from '../harness';
import { repoRoot, workflowBundleFile } from '../cli/run-cli';

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

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'main.ts'), 'worker'],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null)
          throw new Error(`worker exited (${child.exitCode}) before ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} in worker output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

describe('atlas-restore worker as a process', () => {
  let env: TestEnv;
  let simulator: RunningSimulator;
  let restores: RestoreClient;
  let taskQueue: string;
  let workerEnv: NodeJS.ProcessEnv;
  let metricsPort: number;
  let projectId: string;
  const workers: WorkerProcess[] = [];

  before(async () => {
    env = await getTestEnv();
    const unique = uniqueSeed();
    projectId = unique.projectId;
    simulator = await startSimulator({ seed: unique.seed, timeScale: 600 });
    taskQueue = uniqueTaskQueue('worker-process');
    restores = createRestoreClient({ client: env.client, taskQueue });
    metricsPort = await freePort();
    workerEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ATLAS_BASE_URL: simulator.url,
      ATLAS_PUBLIC_KEY: simulator.credentials.publicKey,
      ATLAS_PRIVATE_KEY: simulator.credentials.privateKey,
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'INFO',
      SHUTDOWN_GRACE: '2s',
      WORKFLOW_BUNDLE_PATH: await workflowBundleFile(),
    };
  });
  after(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await simulator?.close();
  });

  it('runs a restore, serves Prometheus metrics, logs JSON lines without secrets, and drains on SIGTERM', async () => {
    const worker = startWorkerProcess(workerEnv);
    workers.push(worker);
    await worker.waitFor(/"msg":"worker polling"/);

    const { workflowId } = await restores.startRestore({
      source: { kind: 'cluster', groupId: projectId, name: DEFAULT_IDS.clusterSource },
      snapshot: { latest: true },
      target: { groupId: projectId, name: DEFAULT_IDS.clusterTarget },
      polling: { initialInterval: '1s', maxInterval: '1s' },
    });
    const outcome = await restores.waitForRestore(workflowId);
    assert.equal(outcome.outcome, 'finished', JSON.stringify(outcome));

    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    assert.match(metrics, /^temporal_activity_execution_latency/m);
    assert.match(metrics, /task_queue="worker-process-/);

    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0);
    const lines = worker.output().split('\n').filter(Boolean);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as { level: string; msg: string; time: string; [key: string]: unknown };
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    assert.ok(
      entries.every(
        (e) => typeof e.time === 'string' && typeof e.level === 'string' && typeof e.msg === 'string',
      ),
    );
    const start = entries.find((e) => e.msg === 'atlas-restore worker starting');
    assert.equal(
      (start?.config as { atlas: { principal: string } }).atlas.principal,
      simulator.credentials.publicKey,
    );
    assert.ok(entries.some((e) => e.msg.startsWith('shutdown requested') && e.signal === 'SIGTERM'));
    assert.equal(entries.at(-1)?.msg, 'worker stopped');
    assert.ok(
      !worker.output().includes(simulator.credentials.privateKey),
      'the private key never reaches the logs',
    );
  });

  it('stops mid-restore within its grace time and another worker process finishes the same restore', async () => {
    simulator.control.setScenario({ outcome: 'finished', durationMs: 40 * 60_000 });
    const first = startWorkerProcess(workerEnv);
    workers.push(first);
    await first.waitFor(/"msg":"worker polling"/);
    const { workflowId } = await restores.startRestore({
      source: { kind: 'serverless', groupId: projectId, name: DEFAULT_IDS.serverlessSource },
      snapshot: { latest: true },
      target: { groupId: projectId, name: DEFAULT_IDS.serverlessTarget },
      polling: { initialInterval: '1s', maxInterval: '1s' },
    });
    for (let i = 0; i < 100 && (await restores.getRestore(workflowId)).phase !== 'restoring'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const stopping = Date.now();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.ok(Date.now() - stopping < 15_000, `drained in ${Date.now() - stopping} ms`);

    const second = startWorkerProcess(workerEnv);
    workers.push(second);
    const outcome = await restores.waitForRestore(workflowId);
    assert.equal(outcome.outcome, 'finished', JSON.stringify(outcome));
    const jobs = simulator.control
      .state()
      .restoreJobs.filter((j) => j.deploymentName === DEFAULT_IDS.serverlessSource);
    assert.equal(jobs.length, 1, 'the second worker resumed the restore, it did not submit another job');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });

  it('an unreachable Temporal stops it at start with exit 4 and one readable line', async () => {
    const worker = startWorkerProcess({ ...workerEnv, TEMPORAL_ADDRESS: '127.0.0.1:1', METRICS_PORT: '' });
    workers.push(worker);
    assert.equal(await worker.exited, 4);
    assert.match(
      worker.output(),
      /^atlas-restore: error: cannot reach Temporal at 127\.0\.0\.1:1: Connection refused$/m,
    );
  });
});
