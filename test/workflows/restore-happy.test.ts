import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { searchAttributes } from '../../src/common/contract';
import { DEFAULT_SEED, type SeedData } from '../../src/simulator';
import { statusQuery } from '../../src/workflows';
import {
  assertNoSecrets,
  clusterRequest,
  countEvents,
  countOwnUpserts,
  eventTypes,
  currentDetails,
  expectSuccess,
  recordHistory,
  routeRequests,
  serverlessRequest,
  startKit,
  startRestore,
  type Kit,
} from './support';

/** The default world with continuous backup already on for both sources. */
const BACKUP_ON_SEED: SeedData = {
  ...DEFAULT_SEED,
  serverless: DEFAULT_SEED.serverless!.map((s, i) => (i === 0 ? { ...s, continuousBackup: true } : s)),
  clusters: DEFAULT_SEED.clusters!.map((c, i) => (i === 0 ? { ...c, pitEnabled: true } : c)),
};

describe('restores that finish', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());
  beforeEach(() => kit.sim.control.reset());

  it('a repeat of the same restore submits its own job, even with the simulated clock far ahead', async () => {
    // The earlier job's id must not look newer than the second workflow's start (the adoption rule).
    kit.sim.control.advanceClock(6 * 3_600_000);
    const first = await expectSuccess(await startRestore(kit, serverlessRequest(kit.sim.ids)));
    const second = await expectSuccess(await startRestore(kit, serverlessRequest(kit.sim.ids)));
    assert.notEqual(second.restoreJobId, first.restoreJobId);
    assert.equal(kit.sim.control.state().restoreJobs.length, 2);
    assert.equal(routeRequests(kit.requests(), 'createRestoreJob').length, 2, 'one POST per restore');
  });

  it('restores the latest snapshot of a serverless instance after turning continuous backup on (v2, Digest)', async () => {
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids));
    const result = await expectSuccess(handle);

    const state = kit.sim.control.state();
    const source = state.deployments.find((d) => d.name === kit.sim.ids.serverlessSource)!;
    const latest = source.snapshots
      .filter((s) => s.status === 'completed')
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    assert.equal(result.outcome, 'finished');
    assert.equal(result.snapshotId, latest.id);
    assert.deepEqual(result.continuousBackup, { wasEnabled: false, changed: true });
    assert.equal(source.continuousBackup, true);
    assert.equal(state.restoreJobs.length, 1);
    assert.equal(result.restoreJobId, state.restoreJobs[0]!.id);
    assert.equal(result.restoreJob.id, result.restoreJobId);
    assert.ok(result.restoreJob.finishedAt, 'the final job carries finishedAt');
    assert.ok(result.polls >= 2, `polls counted (${result.polls})`);
    const { startedAt, submittedAt, finishedAt } = result.timings;
    assert.ok(startedAt <= submittedAt && submittedAt <= finishedAt, JSON.stringify(result.timings));

    const log = kit.requests();
    assert.equal(routeRequests(log, 'updateServerless').length, 1, 'one PATCH');
    assert.equal(routeRequests(log, 'createRestoreJob').length, 1, 'one POST');

    const status = await handle.query(statusQuery);
    assert.equal(status.phase, 'done');
    assert.equal(status.restoreJobId, result.restoreJobId);
    assert.equal(status.jobState, 'finished');
    assert.equal(status.polls, result.polls);
    const sa = (await handle.describe()).typedSearchAttributes;
    assert.equal(sa.get(searchAttributes.restorePhase), 'done');
    assert.equal(sa.get(searchAttributes.restoreOutcome), 'finished');
    assert.equal(status.outcome, 'finished');
    assert.equal(sa.get(searchAttributes.restoreJobId), result.restoreJobId);
    assert.equal(sa.get(searchAttributes.deploymentKind), 'serverless');
    assert.equal(sa.get(searchAttributes.instanceName), kit.sim.ids.serverlessSource);
    const details = await currentDetails(handle);
    assert.match(details, /\| Outcome \| \*\*finished\*\* \|/);
    assert.match(details, /\| RTO \| Atlas done in \d/);
    assert.ok(details.includes(result.restoreJobId));

    const history = await handle.fetchHistory();
    // Only phases that last are upserted: waiting for IDLE, restoring, done (the start carried the rest).
    assert.equal(countOwnUpserts(history), 3);
    // Enable backup, wait for IDLE, latest snapshot, one job: at most 40 events (the first generation had 56).
    const events = eventTypes(history);
    assert.ok(events.length <= 40, `${events.length} events: ${events.join(' ')}`);
    assert.equal(countEvents(history, 'TIMER_CANCELED'), 0, 'the deadline timer is not cancelled on success');
    assertNoSecrets(history, kit.sim.credentials);
    await recordHistory('serverless-latest-enable-backup', handle);
  });

  it('restores a given snapshot of a dedicated cluster, turning pitEnabled on', async () => {
    const snapshot = kit.sim.control
      .state()
      .deployments.find((d) => d.name === kit.sim.ids.clusterSource)!
      .snapshots.find((s) => s.status === 'completed')!;
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, { snapshot: { snapshotId: snapshot.id } }),
    );
    const result = await expectSuccess(handle);
    assert.equal(result.snapshotId, snapshot.id);
    assert.equal(result.kind, 'cluster');
    assert.equal(result.restoreJob.delivery, 'automated');
    assert.equal(result.restoreJob.snapshotId, snapshot.id);
    assert.equal(result.restoreJob.target?.name, kit.sim.ids.clusterTarget);
    assert.equal(result.restoreJob.state, 'finished');
    assert.equal('links' in result.restoreJob, false, 'the result carries the view, not Atlas links');
    assert.deepEqual(result.continuousBackup, { wasEnabled: false, changed: true });
    const log = kit.requests();
    assert.equal(routeRequests(log, 'updateCluster').length, 1);
    assert.equal(routeRequests(log, 'getClusterSnapshot').length, 1);
    assert.equal(routeRequests(log, 'createRestoreJob').length, 1);
    assert.equal(
      kit.sim.control.state().deployments.find((d) => d.name === kit.sim.ids.clusterSource)!.continuousBackup,
      true,
    );
    assertNoSecrets(await handle.fetchHistory(), kit.sim.credentials);
  });

  it('sends no PATCH when continuous backup is already on, and restores a point in time', async () => {
    kit.sim.control.seed(BACKUP_ON_SEED);
    const pointInTime = Math.floor(Date.now() / 1000) - 3600;
    const handle = await startRestore(
      kit,
      serverlessRequest(kit.sim.ids, { snapshot: { pointInTimeUtcSeconds: pointInTime } }),
    );
    const result = await expectSuccess(handle);
    assert.equal(result.pointInTimeUtcSeconds, pointInTime);
    assert.equal(result.snapshotId, undefined);
    assert.equal(result.restoreJob.delivery, 'pointInTime');
    assert.equal(result.restoreJob.pointInTimeUtcSeconds, pointInTime);
    assert.deepEqual(result.continuousBackup, { wasEnabled: true, changed: false });
    const log = kit.requests();
    assert.equal(routeRequests(log, 'updateServerless').length, 0, 'no PATCH');
    assert.equal(
      routeRequests(log, 'listServerlessSnapshots').length,
      0,
      'no snapshot lookup for a point in time',
    );
    const history = await handle.fetchHistory();
    // Nothing to turn on: only restoring and done are upserted.
    assert.equal(countOwnUpserts(history), 2);
    await recordHistory('serverless-point-in-time', handle);
  });

  it('restores a dedicated cluster point in time with pitEnabled already on', async () => {
    kit.sim.control.seed(BACKUP_ON_SEED);
    const pointInTime = Math.floor(Date.now() / 1000) - 600;
    const result = await expectSuccess(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, { snapshot: { pointInTimeUtcSeconds: pointInTime } }),
      ),
    );
    assert.equal(result.restoreJob.delivery, 'pointInTime');
    assert.equal(result.restoreJob.pointInTimeUtcSeconds, pointInTime);
    assert.equal(routeRequests(kit.requests(), 'updateCluster').length, 0);
  });

  it('leaves continuous backup alone when ensureContinuousBackup is false', async () => {
    const result = await expectSuccess(
      await startRestore(kit, serverlessRequest(kit.sim.ids, { ensureContinuousBackup: false })),
    );
    assert.deepEqual(result.continuousBackup, { wasEnabled: false, changed: false });
    assert.equal(routeRequests(kit.requests(), 'updateServerless').length, 0);
    const source = kit.sim.control.state().deployments.find((d) => d.name === kit.sim.ids.serverlessSource)!;
    assert.equal(source.continuousBackup, false);
  });
});

describe('restores over the v1.0 API with a service account', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit({ apiVersion: 'v1.0', credentials: 'serviceAccount' });
  });
  after(() => kit?.close());

  it('restores the latest serverless snapshot', async () => {
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids));
    const result = await expectSuccess(handle);
    assert.equal(result.outcome, 'finished');
    assert.ok(
      kit.requests().every((e) => e.path.startsWith('/api/atlas/v1.0/') || e.path.startsWith('/api/oauth/')),
    );
    assert.equal(kit.sim.control.state().restoreJobs.length, 1);
    assertNoSecrets(await handle.fetchHistory(), kit.sim.credentials);
  });
});

describe('the IDLE-before-UPDATING trap', () => {
  const idleBeforeUpdatingMs = 150_000;
  const updateDurationMs = 120_000;
  let kit: Kit;
  before(async () => {
    kit = await startKit({ simulator: { idleBeforeUpdatingMs, updateDurationMs } });
  });
  after(() => kit?.close());

  it('does not take the IDLE seen right after the PATCH for the end of the update', async () => {
    const result = await expectSuccess(await startRestore(kit, serverlessRequest(kit.sim.ids)));
    assert.equal(result.outcome, 'finished');
    const log = kit.requests();
    const patch = routeRequests(log, 'updateServerless')[0]!;
    const post = routeRequests(log, 'createRestoreJob')[0]!;
    const pollsBeforeUpdate = routeRequests(log, 'getServerless').filter(
      (e) => e.at > patch.at && e.simAt < patch.simAt + idleBeforeUpdatingMs,
    );
    assert.ok(pollsBeforeUpdate.length >= 1, 'the deployment was polled while it still read IDLE');
    assert.ok(
      post.simAt >= patch.simAt + idleBeforeUpdatingMs + updateDurationMs,
      `submitted ${(post.simAt - patch.simAt) / 1000}s (simulated) after the PATCH, before the update ended`,
    );
  });
});
