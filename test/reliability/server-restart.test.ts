/**
 * The Temporal server itself goes away mid-run: a file-backed dev server (SQLite) of this file's own is
 * stopped and started again on the same port, twice, while restores are submitting and polling. The
 * worker and the client reconnect by themselves; every restore finishes with exactly one Atlas job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { createRestoreClient, type StartedRestore } from '../../src/client';
import { freePort, startDevServer, type DevServer } from '../../src/dev/dev-server';
import { startSimulator } from '../../src/simulator';
import { createRestoreWorker } from '../../src/worker/main';
import { uniqueTaskQueue, workflowBundle } from '../harness';
import {
  closeAfter,
  duplicateJobs,
  outcomesOf,
  printSummary,
  quietRuntime,
  reliabilitySeed,
  reliabilityWorld,
  restoreRequest,
  scaled,
  seededRandom,
} from './support';

const RESTORES = scaled(20, 4);
const RESTARTS = 2;

test(
  `${RESTORES} restores finish across ${RESTARTS} restarts of a file-backed Temporal server`,
  { timeout: 10 * 60_000 },
  async () => {
    // While the server is down core warns on every retried call, which is this test's point.
    quietRuntime();
    const random = seededRandom(reliabilitySeed());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-restart-'));
    closeAfter(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const dbFilename = path.join(dir, 'temporal.db');
    let server: DevServer = await startDevServer({ port, dbFilename });
    closeAfter(() => server.stop());

    const { seed, slots } = reliabilityWorld(RESTORES, (i) => i % 4 === 0);
    const sim = await startSimulator({
      seed,
      timeScale: 60,
      restoreJobDurationMs: 10 * 60_000,
      updateDurationMs: 2 * 60_000,
    });
    closeAfter(() => sim.close());
    const taskQueue = uniqueTaskQueue('reliability-restart');
    const { worker, close } = await createRestoreWorker(
      {
        temporal: { address: server.address, namespace: server.namespace, taskQueue },
        atlas: {
          baseUrl: sim.url,
          apiVersion: 'v2',
          credentials: {
            type: 'digest',
            publicKey: sim.credentials.publicKey,
            privateKey: sim.credentials.privateKey,
          },
        },
        concurrency: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 10 },
        logLevel: 'WARN',
        shutdownGraceMs: 1_000,
      },
      { workerOptions: { workflowBundle: await workflowBundle() } },
    );
    const running = worker.run();
    closeAfter(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await close();
    });
    const connection = await Connection.connect({ address: server.address });
    closeAfter(() => connection.close());
    const restores = createRestoreClient({
      client: new Client({ connection, namespace: server.namespace }),
      taskQueue,
    });

    const started: StartedRestore[] = [];
    for (const slot of slots) started.push(await restores.startRestore(restoreRequest(slot)));
    const downtimes: number[] = [];
    for (let restart = 0; restart < RESTARTS; restart++) {
      await sleep(2_000 + Math.floor(random() * 4_000));
      const down = Date.now();
      await server.stop();
      await sleep(1_000 + Math.floor(random() * 3_000));
      server = await startDevServer({ port, dbFilename });
      downtimes.push(Date.now() - down);
    }

    const outcomes = await outcomesOf(restores, started, 6 * 60_000);
    const finished = outcomes.filter((o) => o.outcome === 'finished').length;
    const { jobs, duplicates } = duplicateJobs(sim);
    printSummary('server restart', {
      restores: RESTORES,
      faults: `${RESTARTS} restarts (down ${downtimes.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')})`,
      duplicates,
      lost: RESTORES - finished,
      atlasJobs: jobs,
    });
    assert.deepEqual(
      outcomes.filter((o) => o.outcome !== 'finished').map((o) => `${o.workflowId}: ${o.outcome}`),
      [],
      'every restore finishes',
    );
    assert.equal(duplicates, 0, 'no second job for any restore');
    assert.equal(jobs, RESTORES, 'one Atlas job per restore');
  },
);
