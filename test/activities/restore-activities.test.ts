/**
 * The restore activities on their own (no workflow): the real Atlas client against the simulator, run in
 * a mock activity context so heartbeats, retries' heartbeat details and cancellation can be driven.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createActivities,
  type DeploymentRef,
  type RestoreJobMatch,
  type RestoreWaitInput,
  type RestoreWaitProgress,
} from '../../src/activities';
import { objectIdSeconds } from '../../src/activities/restore-jobs';
import { createAtlasClient, type AtlasClient } from '../../src/atlas/client';
import { createBackupApi } from '../../src/atlas/backup-api';
import { ATLAS_API_ERROR_TYPE, type AtlasErrorInfo } from '../../src/common/contract';
import { startSimulator, type RunningSimulator } from '../../src/simulator';

/** `MockActivityEnvironment.run` loses the activity's result type; this keeps it. */
function runIn<A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

describe('restore activities against the simulator', () => {
  let sim: RunningSimulator;
  let client: AtlasClient;
  let ref: DeploymentRef;
  before(async () => {
    sim = await startSimulator({ timeScale: 60 });
    client = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
    ref = { kind: 'serverless', groupId: sim.ids.projectId, name: sim.ids.serverlessSource };
  });
  after(async () => {
    await client?.close();
    await sim?.close();
  });
  beforeEach(() => {
    sim.control.reset();
    sim.control.setFaults({ clearOneShots: true });
  });

  const activities = (progressWindowMs = 60_000) =>
    createActivities({ atlas: createBackupApi(client), progressWindowMs });
  const fresh = (intervalMs: number): RestoreWaitProgress => ({
    polls: 0,
    intervalMs,
    nextPollAt: 0,
    consecutiveErrors: 0,
  });

  async function newJob(): Promise<string> {
    const snapshot = sim.control.state().deployments.find((d) => d.name === ref.name)!.snapshots[0]!;
    const job = await client.serverless.createRestoreJob(ref, {
      deliveryType: 'automated',
      snapshotId: snapshot.id,
      targetClusterName: sim.ids.serverlessTarget,
      targetGroupId: sim.ids.projectId,
    });
    return job.id;
  }

  function waitInput(
    restoreJobId: string,
    intervalMs: number,
    deadlineInMs = 60_000,
    progress = fresh(intervalMs),
  ): RestoreWaitInput {
    return {
      deployment: ref,
      restoreJobId,
      schedule: {
        initialIntervalMs: intervalMs,
        maxIntervalMs: intervalMs * 2,
        deadlineAt: Date.now() + deadlineInMs,
      },
      progress,
    };
  }

  it('resumes counting from the heartbeat of a failed attempt', async () => {
    sim.control.setScenario({ outcome: 'finished', durationMs: 0 });
    const jobId = await newJob();
    const beat: RestoreWaitProgress = { polls: 7, intervalMs: 100, nextPollAt: 0, consecutiveErrors: 0 };
    const env = new MockActivityEnvironment({
      attempt: 2,
      heartbeatDetails: beat,
      heartbeatTimeoutMs: 20_000,
    });
    const result = await runIn(
      env,
      activities().waitForRestoreJob,
      waitInput(jobId, 100, 60_000, { ...fresh(100), polls: 2 }),
    );
    assert.equal(result.outcome, 'terminal');
    assert.equal(result.progress.polls, 8);
  });

  it('returns its progress when the window ends, heartbeating every poll', async () => {
    sim.control.setScenario({ outcome: 'never' });
    const jobId = await newJob();
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
    const beats: RestoreWaitProgress[] = [];
    env.on('heartbeat', (d: RestoreWaitProgress) => beats.push(d));
    const started = Date.now();
    const result = await runIn(env, activities(1_500).waitForRestoreJob, waitInput(jobId, 200));
    assert.equal(result.outcome, 'window');
    assert.ok(Date.now() - started < 3_000);
    assert.ok(result.progress.polls >= 3, `${result.progress.polls} polls`);
    assert.equal(result.progress.jobState, 'in_progress');
    assert.equal(result.progress.lastJob?.id, jobId);
    assert.ok(
      beats.some((b) => b.polls === result.progress.polls),
      'the last poll was heartbeated',
    );
  });

  it('stops at the deadline', async () => {
    sim.control.setScenario({ outcome: 'never' });
    const jobId = await newJob();
    const result = await runIn(
      new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }),
      activities().waitForRestoreJob,
      waitInput(jobId, 300, 1_000),
    );
    assert.equal(result.outcome, 'deadline');
    assert.ok(result.progress.polls >= 2);
  });

  it('retries transient poll errors inside the loop and clears them on success', async () => {
    sim.control.setScenario({ outcome: 'finished', durationMs: 0 });
    const jobId = await newJob();
    sim.control.setFaults({ oneShot: [{ route: 'getRestoreJob', kind: 'error503', count: 2 }] });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
    const beats: RestoreWaitProgress[] = [];
    env.on('heartbeat', (d: RestoreWaitProgress) => beats.push(d));
    const result = await runIn(env, activities().waitForRestoreJob, waitInput(jobId, 100));
    assert.equal(result.outcome, 'terminal');
    assert.equal(result.progress.polls, 3);
    assert.equal(result.progress.consecutiveErrors, 0);
    assert.equal(result.progress.lastError, undefined);
    assert.ok(
      beats.some((b) => b.consecutiveErrors === 2 && /HTTP 503/.test(b.lastError ?? '')),
      'failed polls were reported',
    );
  });

  it('waits at least Retry-After after a 429 inside the loop', async () => {
    sim.control.setScenario({ outcome: 'finished', durationMs: 0 });
    const jobId = await newJob();
    sim.control.setFaults({
      oneShot: [{ route: 'getRestoreJob', kind: 'rateLimited', count: 1, retryAfterSeconds: 2 }],
    });
    sim.control.clearRequests();
    await new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }).run(
      activities().waitForRestoreJob,
      waitInput(jobId, 100),
    );
    const gets = sim.control.requests().entries.filter((e) => e.route === 'getRestoreJob' && e.authenticated);
    assert.equal(gets[0]!.status, 429);
    assert.ok(gets[1]!.at - gets[0]!.at >= 2_000, `next poll ${gets[1]!.at - gets[0]!.at} ms after the 429`);
  });

  it('fails for good, with the Atlas error as details, when a poll is rejected', async () => {
    const error = await new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 })
      .run(activities().waitForRestoreJob, waitInput('dddddddddddddddddddddddd', 100))
      .then(
        () => assert.fail('expected a failure'),
        (e: unknown) => e,
      );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, ATLAS_API_ERROR_TYPE);
    assert.equal(error.nonRetryable, true);
    const info = error.details?.[0] as AtlasErrorInfo;
    assert.equal(info.status, 404);
    assert.ok(info.errorCode);
  });

  it('marks a thin call retryable with the Retry-After as the next retry delay', async () => {
    sim.control.setFaults({
      oneShot: [{ route: 'getServerless', kind: 'rateLimited', count: 1, retryAfterSeconds: 3 }],
    });
    const error = await new MockActivityEnvironment().run(activities().getDeployment, ref).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.nonRetryable, false);
    assert.equal(error.nextRetryDelay, 3_000);
    assert.match(error.message, /HTTP 429 RATE_LIMITED_TOKEN_BUCKET/);
  });

  it('finds only the job this submission could have created', async () => {
    const jobId = await newJob();
    const job = sim.control.state().restoreJobs.find((j) => j.id === jobId)!;
    const match: RestoreJobMatch = {
      delivery: 'automated',
      snapshotId: String(job.snapshotId),
      target: { groupId: sim.ids.projectId, name: sim.ids.serverlessTarget },
      createdAtOrAfterSeconds: objectIdSeconds(jobId),
    };
    const find = (m: RestoreJobMatch) =>
      runIn(new MockActivityEnvironment(), activities().findRestoreJob, ref, m);
    assert.equal((await find(match))?.id, jobId);
    assert.equal(
      await find({ ...match, createdAtOrAfterSeconds: objectIdSeconds(jobId) + 1 }),
      null,
      'created before the workflow began',
    );
    assert.equal(
      await find({ ...match, target: { ...match.target, name: 'elsewhere' } }),
      null,
      'another target',
    );
    assert.equal(await find({ ...match, snapshotId: 'eeeeeeeeeeeeeeeeeeeeeeee' }), null, 'another snapshot');
    assert.equal(await find({ ...match, delivery: 'pointInTime' }), null, 'another delivery type');
    assert.equal((await find({ ...match, inProgressOnly: true }))?.id, jobId, 'still running');
    sim.control.advanceClock(24 * 3_600_000);
    assert.equal(await find({ ...match, inProgressOnly: true }), null, 'ended before our first POST');
    assert.equal((await find(match))?.id, jobId, 'after our POST, an ended job is still ours');
  });
});
