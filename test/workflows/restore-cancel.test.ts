import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type DeploymentRef } from '../../src/activities';
import { createBackupApi } from '../../src/atlas/backup-api';
import { ATLAS_API_ERROR_TYPE, searchAttributes } from '../../src/common/contract';
import { statusQuery } from '../../src/workflows';
import {
  clusterRequest,
  expectCancelled,
  recordHistory,
  routeRequests,
  serverlessRequest,
  startKit,
  startRestore,
  waitFor,
  type Kit,
} from './support';

/**
 * Polling is read-only, so a cancelled restore does not wait for it: the run closes as Canceled at once.
 * The goal is 5 s to the caller; the polling activity itself stops at its next heartbeat.
 */
const CANCEL_LATENCY_LIMIT_MS = 5_000;

async function cancelWhilePolling(kit: Kit, request: Parameters<typeof startRestore>[1]) {
  kit.sim.control.setScenario({ outcome: 'never' });
  const handle = await startRestore(kit, request);
  await waitFor('polling', async () => (await handle.query(statusQuery)).phase === 'restoring');
  await waitFor('a poll', () => routeRequests(kit.requests(), 'getRestoreJob').length >= 2);
  const cancelledAt = Date.now();
  await handle.cancel();
  const cancelled = await expectCancelled(handle);
  const latency = Date.now() - cancelledAt;
  assert.equal(cancelled.status, 'CANCELLED');
  assert.equal(cancelled.outcome, 'cancelled');
  const [job] = kit.sim.control.state().restoreJobs;
  assert.equal(cancelled.restoreJobId, job!.id);
  assert.equal(job!.state, 'in_progress', 'Atlas still runs the job');
  const sa = (await handle.describe()).typedSearchAttributes;
  assert.equal(sa.get(searchAttributes.restorePhase), 'done');
  assert.equal(sa.get(searchAttributes.restoreOutcome), 'cancelled');
  const status = await handle.query(statusQuery);
  assert.equal(status.outcome, 'cancelled');
  assert.equal(status.reason, cancelled.message);
  return { handle, cancelled, job: job!, latency };
}

/** The abandoned polling activity stops at its next heartbeat: no poll of Atlas after that. */
async function assertPollingStops(kit: Kit, withinMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, withinMs));
  const polls = routeRequests(kit.requests(), 'getRestoreJob').length;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal(
    routeRequests(kit.requests(), 'getRestoreJob').length,
    polls,
    'no poll once the activity heard',
  );
}

describe('cancelling a restore, with the production heartbeat settings', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());

  it('closes a serverless restore as Canceled at once and says Atlas continues it', async () => {
    const { handle, cancelled, job, latency } = await cancelWhilePolling(
      kit,
      serverlessRequest(kit.sim.ids, { ensureContinuousBackup: false }),
    );
    assert.ok(latency < CANCEL_LATENCY_LIMIT_MS, `the caller saw the cancel ${latency} ms after asking`);
    assert.equal(
      cancelled.message,
      `restore cancelled and polling stopped, but Atlas continues restore job ${job.id} into ${kit.sim.ids.serverlessTarget}: serverless instance automated restore jobs cannot be cancelled through the Atlas API.`,
    );
    await recordHistory('serverless-cancelled', handle);
  });
});

describe('cancelling a restore', () => {
  let kit: Kit;
  before(async () => {
    // Heartbeats reach the server every second, so a cancellation reaches the activity at once; these
    // tests are about what the workflow does then, not how long delivery takes.
    kit = await startKit({
      simulator: { updateDurationMs: 30 * 60_000 },
      workerOptions: { maxHeartbeatThrottleInterval: '1s' },
    });
  });
  after(() => kit?.close());
  beforeEach(() => kit.sim.control.reset());

  it('stops polling a dedicated automated restore without asking Atlas to cancel it', async () => {
    const { cancelled, job } = await cancelWhilePolling(
      kit,
      clusterRequest(kit.sim.ids, { ensureContinuousBackup: false }),
    );
    await assertPollingStops(kit, 2_000);
    assert.match(
      cancelled.message,
      new RegExp(
        `Atlas continues restore job ${job.id} .*dedicated cluster automated restore jobs cannot be cancelled`,
      ),
    );
    assert.equal(routeRequests(kit.requests(), 'cancelRestoreJob').length, 0);
  });

  it('cancels while waiting for the backup change, before any job exists', async () => {
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids));
    await waitFor(
      'the wait for IDLE',
      async () => (await handle.query(statusQuery)).phase === 'waiting_for_idle',
    );
    await handle.cancel();
    const cancelled = await expectCancelled(handle);
    assert.equal(
      cancelled.message,
      'restore cancelled before a restore job was submitted; nothing runs in Atlas. Continuous backup stays on.',
    );
    assert.equal(cancelled.restoreJobId, undefined);
    assert.equal(routeRequests(kit.requests(), 'createRestoreJob').length, 0);
    assert.equal(kit.sim.control.state().restoreJobs.length, 0);
  });
});

describe('the activities under cancellation', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());

  it('cancels a dedicated download job in Atlas', async () => {
    const { ids } = kit.sim;
    const snapshot = kit.sim.control.state().deployments.find((d) => d.name === ids.clusterSource)!
      .snapshots[0]!;
    const job = await kit.atlasClient.clusters.createRestoreJob(
      { groupId: ids.projectId, name: ids.clusterSource },
      { deliveryType: 'download', snapshotId: snapshot.id },
    );
    const activities = createActivities({ atlas: createBackupApi(kit.atlasClient) });
    const ref: DeploymentRef = { kind: 'cluster', groupId: ids.projectId, name: ids.clusterSource };
    await new MockActivityEnvironment().run(activities.cancelRestoreJob, ref, job.id);
    assert.equal(kit.sim.control.state().restoreJobs.find((j) => j.id === job.id)?.state, 'cancelled');
  });

  it('fails for good when asked to cancel a serverless job', async () => {
    const activities = createActivities({ atlas: createBackupApi(kit.atlasClient) });
    const { ids } = kit.sim;
    const ref: DeploymentRef = { kind: 'serverless', groupId: ids.projectId, name: ids.serverlessSource };
    const error = await new MockActivityEnvironment()
      .run(activities.cancelRestoreJob, ref, 'cccccccccccccccccccccccc')
      .then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, ATLAS_API_ERROR_TYPE);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, /cannot be cancelled/);
  });

  it('stops a long sleep between polls at once when the activity is cancelled', async () => {
    kit.sim.control.setScenario({ outcome: 'never' });
    const { ids } = kit.sim;
    const ref = { kind: 'serverless' as const, groupId: ids.projectId, name: ids.serverlessSource };
    const snapshot = kit.sim.control.state().deployments.find((d) => d.name === ids.serverlessSource)!
      .snapshots[0]!;
    const job = await kit.atlasClient.serverless.createRestoreJob(
      { groupId: ids.projectId, name: ids.serverlessSource },
      {
        deliveryType: 'automated',
        snapshotId: snapshot.id,
        targetClusterName: ids.serverlessTarget,
        targetGroupId: ids.projectId,
      },
    );
    const activities = createActivities({
      atlas: createBackupApi(kit.atlasClient),
      progressWindowMs: 3_600_000,
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
    const waiting = env.run(activities.waitForRestoreJob, {
      deployment: ref,
      restoreJobId: job.id,
      schedule: { initialIntervalMs: 600_000, maxIntervalMs: 600_000, deadlineAt: Date.now() + 3_600_000 },
      progress: { polls: 0, intervalMs: 600_000, nextPollAt: 0, consecutiveErrors: 0 },
    });
    await waitFor('the first poll', () => routeRequests(kit.requests(), 'getRestoreJob').length === 1);
    const cancelledAt = Date.now();
    env.cancel();
    const error = await waiting.then(
      () => assert.fail('expected a cancellation'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CancelledFailure, String(error));
    assert.ok(Date.now() - cancelledAt < 1_000);
  });
});
