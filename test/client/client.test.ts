import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRestoreClient,
  InvalidRestoreRequestError,
  RestoreNotFoundError,
  restoreListQuery,
  type RestoreClient,
  type RestoreInfo,
} from '../../src/client';
import { validateRestoreRequest } from '../../src/client/restore-client';
import { TypedSearchAttributes } from '@temporalio/common';
import {
  legacyRestoreWorkflowId,
  RESTORE_WORKFLOW_TYPE,
  restoreWorkflowId,
  searchAttributes,
} from '../../src/common/contract';
import { TargetBusyError } from '../../src/client/errors';
import { startRestoreStack, type RestoreStack } from './stack';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('programmatic restore client (real Temporal server, simulator, worker)', () => {
  let stack: RestoreStack;
  let restores: RestoreClient;

  before(async () => {
    stack = await startRestoreStack({ prefix: 'client', timeScale: 300 });
    restores = createRestoreClient({ client: stack.env.client, taskQueue: stack.taskQueue });
  });
  after(() => stack?.close());

  it('starts a restore, joins the running duplicate, reports progress and waits for the finished result', async () => {
    const request = stack.request('serverless');
    const first = await restores.startRestore(request);
    assert.equal(first.workflowId, restoreWorkflowId(first.request));
    assert.equal(first.attached, false);
    assert.equal(first.request.ensureContinuousBackup, undefined, 'continuous backup is left to the kind');

    const second = await restores.startRestore(request);
    assert.deepEqual(
      [second.workflowId, second.runId, second.attached],
      [first.workflowId, first.runId, true],
    );

    // Search attributes given at start, visible at once in describe.
    const description = await stack.env.client.workflow.getHandle(first.workflowId).describe();
    assert.equal(description.typedSearchAttributes.get(searchAttributes.groupId), stack.projectId);
    assert.equal(description.typedSearchAttributes.get(searchAttributes.deploymentKind), 'serverless');
    assert.equal(
      description.typedSearchAttributes.get(searchAttributes.targetCluster),
      'orders-serverless-restore',
    );
    assert.match(
      (await description.staticSummary()) ?? '',
      /^restore latest snapshot of serverless orders-serverless into orders-serverless-restore/,
    );

    const restoring: RestoreInfo = await until('the restoring phase with live polling', async () => {
      const info = await restores.getRestore(first.workflowId);
      return info.phase === 'restoring' && info.polling?.polls !== undefined ? info : undefined;
    });
    assert.equal(restoring.executionStatus, 'running');
    assert.equal(restoring.source?.name, 'orders-serverless');
    assert.match(restoring.restoreJobId ?? '', /^[0-9a-f]{24}$/);
    assert.equal(restoring.status?.phase, 'restoring');
    assert.equal(restoring.polling?.activityType, 'waitForRestoreJob');
    assert.ok(restoring.progress?.some((p) => p.activityType === 'waitForRestoreJob'));

    const outcome = await restores.waitForRestore(first.workflowId);
    assert.equal(outcome.outcome, 'finished');
    assert.equal(outcome.outcome === 'finished' && outcome.result.restoreJobId, restoring.restoreJobId);
    assert.equal(outcome.outcome === 'finished' && outcome.result.continuousBackup.changed, true);

    const done = await restores.getRestore(first.workflowId);
    assert.equal(done.executionStatus, 'completed');
    assert.equal(done.phase, 'done');
    assert.ok(done.closeTime);
    assert.equal(stack.simulator.control.state().restoreJobs.length, 1, 'one Atlas job for two starts');
  });

  it('rejects an invalid request before starting anything, naming every field', async () => {
    const bad = stack.request('cluster', { target: { groupId: 'nope', name: '-bad' } });
    await assert.rejects(restores.startRestore(bad), (error: unknown) => {
      assert.ok(error instanceof InvalidRestoreRequestError);
      assert.deepEqual(error.issues.map((i) => i.field).sort(), ['target.groupId', 'target.name']);
      assert.match(error.message, /target\.groupId: must be a 24-character lower-case hex id/);
      return true;
    });
    const listed = await restores.listRestores({ groupId: stack.projectId, target: '-bad' });
    assert.equal(listed.length, 0);
  });

  it('a restore job Atlas fails is outcome "failed", with the job id and last job', async () => {
    stack.simulator.control.setScenario({ outcome: 'failed' });
    const { workflowId } = await restores.startRestore(
      stack.request('cluster', { target: stack.target('cluster', 2) }),
    );
    const outcome = await restores.waitForRestore(workflowId);
    assert.ok(outcome.outcome === 'failed', JSON.stringify(outcome));
    assert.equal(outcome.failureType, 'RestoreFailed');
    assert.match(outcome.restoreJobId ?? '', /^[0-9a-f]{24}$/);
    assert.equal(outcome.lastJob?.id, outcome.restoreJobId);
    assert.equal(outcome.lastJob?.state, 'failed');
  });

  it('an Atlas call rejected for good is outcome "error" with status and errorCode', async () => {
    const { workflowId } = await restores.startRestore(
      stack.request('cluster', {
        snapshot: { latest: true },
        target: { groupId: stack.projectId, name: 'no-such-cluster' },
      }),
    );
    const outcome = await restores.waitForRestore(workflowId);
    assert.ok(outcome.outcome === 'error', JSON.stringify(outcome));
    assert.equal(outcome.status, 404);
    assert.equal(outcome.errorCode, 'CLUSTER_NOT_FOUND');
  });

  it('cancels a running restore; the outcome says Atlas carries on with the job', async () => {
    stack.simulator.control.setScenario({ outcome: 'never' });
    const request = stack.request('serverless', { target: stack.target('serverless', 2), deadline: '20m' });
    const { workflowId, runId } = await restores.startRestore(request);
    await until('a submitted job', async () =>
      (await restores.getRestore(workflowId)).restoreJobId ? true : undefined,
    );

    // The same restore with another deadline is refused, not attached to a run that ignores it.
    await assert.rejects(restores.startRestore({ ...request, deadline: '2h' }), (error: unknown) => {
      assert.ok(error instanceof TargetBusyError, String(error));
      assert.deepEqual([error.holder.runId, error.otherOptions], [runId, ['deadline']]);
      assert.match(error.message, /this restore with different options \(deadline\)/);
      return true;
    });
    const again = await restores.startRestore(request);
    assert.deepEqual([again.runId, again.attached], [runId, true]);

    const cancel = await restores.cancelRestore(workflowId);
    assert.deepEqual([cancel.requested, cancel.executionStatus], [true, 'running']);
    const outcome = await restores.waitForRestore(workflowId);
    assert.ok(outcome.outcome === 'cancelled', JSON.stringify(outcome));
    assert.match(outcome.message, /Atlas continues restore job/);

    const cancelledAgain = await restores.cancelRestore(workflowId);
    assert.equal(cancelledAgain.requested, false, 'nothing to cancel once closed');
    assert.equal(cancelledAgain.executionStatus, 'cancelled', 'a cancelled restore closes as Canceled');
  });

  it('lists restores by search attributes and execution status', async () => {
    const query = restoreListQuery({ groupId: stack.projectId });
    const rows = await until('four indexed restores', async () => {
      const found = await restores.listRestores({ groupId: stack.projectId });
      return found.length >= 4 ? found : undefined;
    });
    assert.ok(
      rows.every((r) => r.groupId === stack.projectId),
      query,
    );
    assert.deepEqual(
      rows.map((r) => r.startTime),
      [...rows.map((r) => r.startTime)].sort().reverse(),
      'most recent first',
    );
    const finished = await until('the completed row', async () => {
      const found = await restores.listRestores({ groupId: stack.projectId, status: 'completed' });
      return found.length === 1 ? found : undefined;
    });
    assert.equal(finished[0]!.kind, 'serverless');
    assert.equal(finished[0]!.phase, 'done');
    const clusters = await restores.listRestores({ groupId: stack.projectId, kind: 'cluster', limit: 1 });
    assert.equal(clusters.length, 1);
    assert.equal(clusters[0]!.kind, 'cluster');
  });

  it('refuses a target a first-generation restore (legacy id) still writes into, and takes it once that one ended', async () => {
    const request = stack.request('serverless', { target: stack.target('serverless', 3) });
    // A run as the first generation started it: keyed by the whole request, no TargetGroupId, on a queue
    // no worker polls (it only has to be running).
    const legacyId = legacyRestoreWorkflowId(validateRestoreRequest(request));
    const legacy = await stack.env.client.workflow.start(RESTORE_WORKFLOW_TYPE, {
      taskQueue: `${stack.taskQueue}-first-generation`,
      workflowId: legacyId,
      args: [request],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: searchAttributes.deploymentKind, value: 'serverless' },
        { key: searchAttributes.groupId, value: stack.projectId },
        { key: searchAttributes.instanceName, value: 'orders-serverless' },
        { key: searchAttributes.targetCluster, value: stack.target('serverless', 3).name },
      ]),
    });
    // Visibility is eventually consistent; the client under test scans only once it is listed.
    await until('the legacy run in visibility', async () => {
      const { count } = await stack.env.client.workflow.count(
        `WorkflowId = '${legacyId}' AND ExecutionStatus = 'Running'`,
      );
      return count > 0 ? true : undefined;
    });
    const client = createRestoreClient({ client: stack.env.client, taskQueue: stack.taskQueue });
    await assert.rejects(client.startRestore(request), (error: unknown) => {
      assert.ok(error instanceof TargetBusyError, String(error));
      assert.equal(error.holder.workflowId, legacyId);
      return true;
    });
    await legacy.terminate('test: the first-generation restore ended');
    // The same client, whose scan still lists the legacy run, looks again before refusing.
    const started = await client.startRestore(request);
    assert.equal(started.attached, false);
    assert.equal(started.workflowId, restoreWorkflowId(started.request));
    await client.cancelRestore(started.workflowId);
  });

  it('an unknown workflow id is RestoreNotFoundError everywhere', async () => {
    const id = `restore/serverless/${stack.projectId}/ghost/latest/to/${stack.projectId}/ghost`;
    await assert.rejects(restores.getRestore(id), RestoreNotFoundError);
    await assert.rejects(restores.waitForRestore(id), RestoreNotFoundError);
    await assert.rejects(restores.cancelRestore(id), RestoreNotFoundError);
  });

  it('opens and closes its own connection from connection options, via the package entry point', async () => {
    const entry = await import('../../src');
    assert.equal(typeof entry.restoreWorkflowId, 'function', 'contract helpers are exported too');
    const own = entry.createRestoreClient({
      connection: { address: stack.env.address, namespace: stack.env.namespace },
      taskQueue: stack.taskQueue,
    });
    try {
      const rows = await own.listRestores({ groupId: stack.projectId, limit: 2 });
      assert.equal(rows.length, 2);
    } finally {
      await own.close();
    }
  });
});
