/**
 * Bad restore requests (bad-inputs.ts): each is refused with a message that names the field, through
 * every door (the CLI, the programmatic client, the workflow itself when someone starts it raw), and nothing
 * is left half done: no workflow still running, no write (POST/PATCH/DELETE) reaching Atlas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { main as cli } from '../../src/cli/main';
import { EXIT } from '../../src/cli/exit-codes';
import { createRestoreClient, InvalidRestoreRequestError } from '../../src/client';
import { RESTORE_WORKFLOW_TYPE, RestoreFailureType } from '../../src/common/contract';
import { startSimulator } from '../../src/simulator';
import { createRestoreWorker } from '../../src/worker/main';
import { getTestEnv, uniqueTaskQueue, workflowBundle } from '../harness';
import { badInputs, validRequest, type World } from './bad-inputs';
import { closeAfter, objectId, printSummary, quietRuntime } from './support';

test(
  'bad restore requests are refused naming the field, with nothing started half-way',
  { timeout: 10 * 60_000 },
  async () => {
    quietRuntime();
    const env = await getTestEnv();
    const groupId = objectId();
    const sim = await startSimulator({
      restoreJobDurationMs: 5_000,
      seed: {
        projects: [{ id: groupId, name: 'bad-inputs' }],
        serverless: [
          { id: objectId(), groupId, name: 'orders', continuousBackup: true },
          { id: objectId(), groupId, name: 'orders-copy' },
        ],
        clusters: [{ id: objectId(), groupId, name: 'orders-cluster', backupEnabled: true }],
      },
    });
    closeAfter(() => sim.close());
    const taskQueue = uniqueTaskQueue('reliability-bad-inputs');
    const { worker } = await createRestoreWorker(
      {
        temporal: { address: env.address, namespace: env.namespace, taskQueue },
        atlas: {
          baseUrl: sim.url,
          apiVersion: 'v2',
          credentials: {
            type: 'digest',
            publicKey: sim.credentials.publicKey,
            privateKey: sim.credentials.privateKey,
          },
        },
        concurrency: { maxConcurrentActivityTaskExecutions: 50, maxConcurrentWorkflowTaskExecutions: 10 },
        logLevel: 'WARN',
        shutdownGraceMs: 1_000,
      },
      { connection: env.nativeConnection, workerOptions: { workflowBundle: await workflowBundle() } },
    );
    const running = worker.run();
    closeAfter(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const snapshot = sim.control
      .state()
      .deployments.find((d) => d.name === 'orders')!
      .snapshots.find((s) => s.status === 'completed')!;
    const world: World = {
      groupId,
      instance: 'orders',
      cluster: 'orders-cluster',
      target: 'orders-copy',
      snapshotId: snapshot.id,
      nowSeconds: Math.floor(sim.now() / 1000),
    };
    const inputs = badInputs(world);
    const shapeInputs = inputs.filter((b) => b.stage === 'shape');
    const atlasInputs = inputs.filter((b) => b.stage === 'atlas');
    assert.ok(inputs.length >= 30, `at least 30 bad inputs (have ${inputs.length})`);
    const restores = createRestoreClient({ client: env.client, taskQueue });
    const problems: string[] = [];
    const expectNamed = (door: string, name: string, field: string, message: string) => {
      if (!message.includes(field))
        problems.push(`${door} / ${name}: message does not name ${field}: ${message}`);
    };

    // Door 1: the CLI, given the request as a file.
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bad-'));
    try {
      for (const [i, bad] of shapeInputs.entries()) {
        const file = path.join(scratch, `${i}.json`);
        writeFileSync(file, JSON.stringify(bad.input));
        const out: string[] = [];
        const code = await cli(
          [
            'start',
            '--file',
            file,
            '--address',
            env.address,
            '--namespace',
            env.namespace,
            '--task-queue',
            taskQueue,
          ],
          { out: (t) => out.push(t), err: (t) => out.push(t), tty: false, redraw: () => undefined },
          {},
        );
        if (code !== EXIT.usage)
          problems.push(`cli / ${bad.name}: exit code ${code}, expected ${EXIT.usage}`);
        expectNamed('cli', bad.name, bad.field, out.join('\n'));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }

    // Door 2: the programmatic client.
    for (const bad of shapeInputs) {
      const error = await restores.startRestore(bad.input as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof InvalidRestoreRequestError)) {
        problems.push(`client / ${bad.name}: expected InvalidRestoreRequestError, got ${String(error)}`);
        continue;
      }
      expectNamed('client', bad.name, bad.field, error.message);
    }
    const startedByDoors = await env.client.workflow.count(`TaskQueue = '${taskQueue}'`);
    assert.equal(startedByDoors.count, 0, 'the CLI and the client started no workflow for a bad request');

    // Door 3: the workflow itself, started raw with a bad argument (a caller that skips the client).
    await Promise.all(
      shapeInputs.map(async (bad) => {
        const handle = await env.client.workflow.start(RESTORE_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: `bad-input-${randomUUID()}`,
          args: [bad.input],
        });
        const error = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
        if (
          !(cause instanceof ApplicationFailure) ||
          cause.type !== RestoreFailureType.InvalidRestoreRequest
        ) {
          problems.push(
            `workflow / ${bad.name}: expected an InvalidRestoreRequest failure, got ${String(cause ?? error)}`,
          );
          return;
        }
        expectNamed('workflow', bad.name, bad.field, cause.message);
      }),
    );

    // Well-formed but wrong about Atlas: accepted, then refused by the workflow before any write. One
    // after another: most share a target, and one restore holds a target at a time.
    for (const bad of atlasInputs) {
      const started = await restores.startRestore(bad.input as never);
      const outcome = await restores.waitForRestore(started.workflowId, { runId: started.runId });
      if (outcome.outcome === 'finished') {
        problems.push(`atlas / ${bad.name}: the restore finished`);
        continue;
      }
      expectNamed('atlas', bad.name, bad.field, outcome.message);
    }

    // The valid twin of every input passes, so the table tests the rule and not a broken fixture.
    const control = await restores.startRestore({
      ...validRequest(world),
      polling: { initialInterval: '1s', maxInterval: '1s' },
    });
    const controlOutcome = await restores.waitForRestore(control.workflowId, { runId: control.runId });

    // Visibility lags a close by a moment: a run that closed just now may still count as running, so the
    // count is read until it drops to 0 or 10 s pass (a run really left running keeps it above 0).
    const runningQuery = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`;
    let stillRunning = await env.client.workflow.count(runningQuery);
    for (const settleBy = Date.now() + 10_000; stillRunning.count > 0 && Date.now() < settleBy;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      stillRunning = await env.client.workflow.count(runningQuery);
    }
    const writes = sim.control.requests().entries.filter((e) => e.authenticated && e.method !== 'GET');
    const controlJobs = sim.control.state().restoreJobs.length;
    printSummary('bad inputs', {
      restores: inputs.length,
      faults: `${shapeInputs.length} malformed (cli, client, raw workflow) + ${atlasInputs.length} wrong for Atlas`,
      duplicates: controlJobs - 1,
      // A bad input that was not refused, or refused without naming its field.
      lost: problems.length,
      running: stillRunning.count,
      atlasWrites: writes.length - 1,
    });
    assert.deepEqual(problems, [], 'every bad input is refused with a message naming its field');
    assert.equal(controlOutcome.outcome, 'finished', 'the valid request restores');
    assert.equal(stillRunning.count, 0, 'no workflow is left running');
    assert.deepEqual(
      writes.map((e) => `${e.method} ${e.path}`),
      [`POST /api/atlas/v2/groups/${groupId}/serverless/orders/backup/restoreJobs`],
      'the only Atlas write is the valid request',
    );
  },
);
