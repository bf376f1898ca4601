import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statusQuery } from '../../src/workflows';
import {
  clusterRequest,
  expectSuccess,
  newWorker,
  recordHistory,
  routeRequests,
  serverlessRequest,
  startKit,
  startRestore,
  waitFor,
  type Kit,
} from './support';

describe('restores through Atlas faults', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());
  beforeEach(() => {
    kit.sim.control.reset();
    kit.sim.control.setFaults({ clearOneShots: true });
  });

  it('waits out every Retry-After of a 429 storm, on thin calls, the POST and the polls', async () => {
    const retryAfterSeconds = 2;
    kit.sim.control.setFaults({
      oneShot: [
        { route: 'getServerless', kind: 'rateLimited', count: 2, retryAfterSeconds },
        { route: 'listRestoreJobs', kind: 'rateLimited', count: 1, retryAfterSeconds },
        { route: 'createRestoreJob', kind: 'rateLimited', count: 1, retryAfterSeconds },
        { route: 'getRestoreJob', kind: 'rateLimited', count: 2, retryAfterSeconds },
      ],
    });
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids, { ensureContinuousBackup: false }));
    const result = await expectSuccess(handle);
    assert.equal(result.outcome, 'finished');

    const log = kit.requests().filter((e) => e.authenticated);
    const limited = log.filter((e) => e.status === 429);
    assert.equal(limited.length, 6, 'every injected 429 was met');
    // The preflight reads run side by side, so other calls may overlap a 429; what must wait out the
    // Retry-After is the retry of the call that got it (the same method and path).
    for (const e of limited) {
      const retry = log.find(
        (later) => later.at > e.at && later.method === e.method && later.path === e.path,
      );
      assert.ok(retry, `the call that got a 429 on ${e.route} was retried`);
      assert.ok(
        retry.at - e.at >= retryAfterSeconds * 1000,
        `${e.method} ${e.route} retried ${retry.at - e.at} ms after its 429 (Retry-After ${retryAfterSeconds} s)`,
      );
    }
    assert.equal(kit.sim.control.state().restoreJobs.length, 1);
    await recordHistory('serverless-rate-limited', handle);
  });

  it('rides out 5xx bursts, resets and a malformed answer', async () => {
    kit.sim.control.setFaults({
      oneShot: [
        { route: 'getCluster', kind: 'error503', count: 1 },
        { route: 'listClusterSnapshots', kind: 'error500', count: 1 },
        { route: 'listRestoreJobs', kind: 'malformedJson', count: 1 },
        { route: 'getRestoreJob', kind: 'error503', count: 2 },
        { route: 'getRestoreJob', kind: 'reset', count: 1 },
      ],
    });
    const handle = await startRestore(kit, clusterRequest(kit.sim.ids, { ensureContinuousBackup: false }));
    const result = await expectSuccess(handle);
    assert.equal(result.outcome, 'finished');
    const { counts } = kit.sim.control.requests();
    assert.deepEqual(counts.byFault, { error503: 3, error500: 1, malformedJson: 1, reset: 1 });
    // Poll failures are retried inside the waiting activity: they cost no history events.
    assert.ok(result.polls >= 4, `failed polls are counted (${result.polls})`);
    assert.equal(kit.sim.control.state().restoreJobs.length, 1);
  });

  it('creates exactly one job when the POST commits and the connection drops (commit-then-drop)', async () => {
    kit.sim.control.setFaults({ oneShot: { route: 'createRestoreJob', kind: 'commitThenDrop', count: 1 } });
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids, { ensureContinuousBackup: false }));
    const result = await expectSuccess(handle);
    const jobs = kit.sim.control.state().restoreJobs;
    assert.equal(jobs.length, 1, 'one job in Atlas, not two');
    assert.equal(result.restoreJobId, jobs[0]!.id, 'the dropped POST job was adopted');
    const log = kit.requests();
    assert.equal(routeRequests(log, 'createRestoreJob').length, 1, 'no second POST');
    assert.equal(
      routeRequests(log, 'listRestoreJobs').length,
      2,
      'looked before the POST and after the drop',
    );
    await recordHistory('serverless-commit-then-drop', handle);
  });

  it('posts again after a 500 that created nothing, still one job', async () => {
    kit.sim.control.setFaults({ oneShot: { route: 'createRestoreJob', kind: 'error500', count: 1 } });
    const result = await expectSuccess(
      await startRestore(kit, clusterRequest(kit.sim.ids, { ensureContinuousBackup: false })),
    );
    assert.equal(kit.sim.control.state().restoreJobs.length, 1);
    assert.equal(result.restoreJobId, kit.sim.control.state().restoreJobs[0]!.id);
    const log = kit.requests();
    assert.equal(routeRequests(log, 'createRestoreJob').length, 2);
    assert.equal(routeRequests(log, 'listRestoreJobs').length, 2);
  });
});

describe('a worker stopped in the middle of a restore', () => {
  let kit: Kit;
  before(async () => {
    // Short progress windows so the workflow has seen polls when the worker stops.
    kit = await startKit({ progressWindowMs: 2_000 });
  });
  after(() => kit?.close());

  it('is finished by another worker, from where the first one stopped, with one job', async () => {
    kit.sim.control.setScenario({ outcome: 'finished', durationMs: 15 * 60_000 });
    const handle = await startRestore(kit, clusterRequest(kit.sim.ids, { ensureContinuousBackup: false }));
    await waitFor('a few polls', async () => (await handle.query(statusQuery)).polls >= 3);
    await kit.stopWorker();
    const stoppedAt = Date.now();
    const pollsAtStop = routeRequests(kit.requests(), 'getRestoreJob').length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.equal(
      routeRequests(kit.requests(), 'getRestoreJob').length,
      pollsAtStop,
      'nothing polls while no worker runs',
    );

    const second = await newWorker({
      atlasClient: kit.atlasClient,
      taskQueue: kit.taskQueue,
      progressWindowMs: 2_000,
    });
    const result = await second.runUntil(expectSuccess(handle));
    assert.equal(result.outcome, 'finished');
    const jobs = kit.sim.control.state().restoreJobs;
    assert.equal(jobs.length, 1);
    assert.equal(result.restoreJobId, jobs[0]!.id);
    const gets = routeRequests(kit.requests(), 'getRestoreJob');
    assert.ok(
      gets.some((e) => e.at > stoppedAt),
      'the second worker polled',
    );
    // Polls resume from the last heartbeat: the count carries on instead of starting over (a poll or two
    // may fall between the last heartbeat that reached the server and the stop).
    assert.ok(
      result.polls >= pollsAtStop - 2 && result.polls <= gets.length,
      `polls ${result.polls}, GETs ${gets.length}`,
    );
  });
});
