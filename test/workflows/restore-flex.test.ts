import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { searchAttributes } from '../../src/common/contract';
import type { RestoreRequestInput } from '../../src/common/restore-request';
import { statusQuery } from '../../src/workflows';
import {
  assertNoSecrets,
  expectCancelled,
  expectFailure,
  expectSuccess,
  FAST_POLLING,
  routeRequests,
  startKit,
  startRestore,
  type Kit,
  recordHistory,
} from './support';

/**
 * Flex clusters end to end on the simulator, and the `auto` kind: what Atlas did with retired serverless
 * instances (moved them to Flex or dedicated clusters) must be restorable without knowing where they went.
 */
describe('Flex clusters and the auto kind', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());
  beforeEach(() => kit.sim.control.reset());

  const flexRequest = (extra: Partial<RestoreRequestInput> = {}): RestoreRequestInput => ({
    source: { kind: 'flex', groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexSource },
    snapshot: { latest: true },
    target: { groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexTarget },
    polling: FAST_POLLING,
    ...extra,
  });
  const flexSnapshots = () =>
    kit.sim.control
      .state()
      .deployments.find((d) => d.name === kit.sim.ids.flexSource)!
      .snapshots.filter((s) => s.status === 'completed' || s.status === 'COMPLETED');

  it('restores the latest Flex snapshot into a Flex cluster, changing nothing on the source', async () => {
    const handle = await startRestore(kit, flexRequest());
    const result = await expectSuccess(handle);
    assert.equal(result.kind, 'flex');
    assert.equal(result.restoreJob.delivery, 'automated');
    assert.equal(result.restoreJob.state, 'finished');
    assert.equal(result.restoreJob.atlasStatus, 'COMPLETED');
    assert.deepEqual(result.restoreJob.target, {
      groupId: kit.sim.ids.projectId,
      name: kit.sim.ids.flexTarget,
    });
    assert.deepEqual(result.continuousBackup, { wasEnabled: false, changed: false });
    const newest = flexSnapshots().sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0]!;
    assert.equal(result.snapshotId, newest.id, 'the newest completed snapshot');
    const log = kit.requests();
    assert.equal(log.filter((e) => e.method === 'PATCH').length, 0, 'no PATCH: Flex has no switch');
    const posts = routeRequests(log, 'createRestoreJob');
    assert.equal(posts.length, 1);
    assert.match(posts[0]!.path, /\/flexClusters\/[^/]+\/backup\/restoreJobs$/);
    assert.ok(
      log.filter((e) => e.authenticated && e.path.includes('/flexClusters/')).every((e) => e.status < 300),
      'the simulator accepted every Flex call, media type 2024-11-13 included',
    );
    const [job] = kit.sim.control.state().restoreJobs;
    assert.equal(job!.targetDeploymentItemName, kit.sim.ids.flexTarget);
    assertNoSecrets(await handle.fetchHistory(), kit.sim.credentials);
    await recordHistory('flex-latest-into-flex', handle);
  });

  it('restores a Flex snapshot by id into a dedicated cluster', async () => {
    const snapshot = flexSnapshots()[0]!;
    const result = await expectSuccess(
      await startRestore(
        kit,
        flexRequest({
          snapshot: { snapshotId: snapshot.id },
          target: { groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexClusterTarget },
        }),
      ),
    );
    assert.equal(result.snapshotId, snapshot.id);
    assert.equal(result.restoreJob.snapshotId, snapshot.id);
    assert.equal(result.restoreJob.target?.name, kit.sim.ids.flexClusterTarget);
  });

  it('restores a Flex snapshot into a dedicated cluster of another project', async () => {
    const target = { groupId: kit.sim.ids.otherProjectId, name: kit.sim.ids.otherProjectClusterTarget };
    const result = await expectSuccess(await startRestore(kit, flexRequest({ target })));
    assert.deepEqual(result.restoreJob.target, target);
    const [job] = kit.sim.control.state().restoreJobs;
    assert.equal(job!.targetGroupId ?? job!.targetProjectId, kit.sim.ids.otherProjectId);
  });

  it('ends failed when Atlas reports the Flex job FAILED', async () => {
    kit.sim.control.setScenario({ outcome: 'failed', durationMs: 60_000 });
    const failure = await expectFailure(await startRestore(kit, flexRequest()));
    assert.equal(failure.type, 'RestoreFailed');
    assert.match(failure.message, /Atlas reports restore job [0-9a-f]{24} failed/);
    assert.equal(failure.details.lastJob?.state, 'failed');
    assert.equal(failure.details.lastJob?.atlasStatus, 'FAILED');
  });

  it('refuses a point in time or continuous backup on Flex before calling Atlas, naming the field', async () => {
    const pointInTime = await expectFailure(
      await startRestore(
        kit,
        flexRequest({ snapshot: { pointInTimeUtcSeconds: Math.floor(Date.now() / 1000) - 600 } }),
      ),
    );
    assert.equal(pointInTime.type, 'InvalidRestoreRequest');
    assert.match(
      pointInTime.message,
      /snapshot\.pointInTimeUtcSeconds: Flex clusters have no point-in-time restore/,
    );
    const backup = await expectFailure(
      await startRestore(kit, flexRequest({ ensureContinuousBackup: true })),
    );
    assert.equal(backup.type, 'InvalidRestoreRequest');
    assert.match(backup.message, /ensureContinuousBackup: Flex clusters have no continuous backup/);
    assert.equal(kit.requests().length, 0, 'nothing was sent to Atlas');
  });

  it('a 409 on create says another restore holds the target, and creates nothing', async () => {
    kit.sim.control.setScenario({ outcome: 'never' });
    const first = await startRestore(kit, flexRequest());
    await waitFor(async () => (await first.query(statusQuery)).phase === 'restoring');
    const [older, newer] = flexSnapshots().sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    assert.ok(older && newer && older.id !== newer.id);
    const failure = await expectFailure(
      await startRestore(kit, flexRequest({ snapshot: { snapshotId: older.id } })),
    );
    assert.equal(failure.type, 'RestoreFailed');
    assert.match(
      failure.message,
      /^target\.name: another restore into \S+ is running in Atlas, which refused this one; start again once it has ended \(409 ATLAS_CLUSTER_RESTORE_IN_PROGRESS/,
    );
    assert.equal(failure.details.atlasError?.status, 409);
    assert.equal(kit.sim.control.state().restoreJobs.length, 1, 'only the first restore has a job');
    await first.cancel();
  });

  it('cancelling a Flex restore stops polling, sends no DELETE and says the job goes on in Atlas', async () => {
    kit.sim.control.setScenario({ outcome: 'never' });
    const handle = await startRestore(kit, flexRequest());
    await waitFor(async () => (await handle.query(statusQuery)).phase === 'restoring');
    await handle.cancel();
    const failure = await expectCancelled(handle);
    assert.equal(failure.status, 'CANCELLED');
    assert.match(
      failure.message,
      /Atlas continues restore job [0-9a-f]{24} into \S+: Flex cluster automated restore jobs cannot be cancelled/,
    );
    assert.equal(kit.requests().filter((e) => e.method === 'DELETE').length, 0);
  });

  for (const kind of ['flex', 'cluster', 'serverless'] as const) {
    it(`auto finds a ${kind} source, records the kind and restores it`, async () => {
      const names = {
        flex: [kit.sim.ids.flexSource, kit.sim.ids.flexTarget],
        cluster: [kit.sim.ids.clusterSource, kit.sim.ids.clusterTarget],
        serverless: [kit.sim.ids.serverlessSource, kit.sim.ids.serverlessTarget],
      }[kind];
      const handle = await startRestore(kit, {
        source: { kind: 'auto', groupId: kit.sim.ids.projectId, name: names[0]! },
        snapshot: { latest: true },
        target: { groupId: kit.sim.ids.projectId, name: names[1]! },
        polling: FAST_POLLING,
      });
      // Keyed by the target, whatever the source's kind turns out to be.
      assert.ok(
        handle.workflowId.startsWith(`restore/${names[1]}/${kit.sim.ids.projectId}`),
        handle.workflowId,
      );
      const result = await expectSuccess(handle);
      assert.equal(result.kind, kind);
      assert.equal((await handle.query(statusQuery)).kind, kind);
      const described = await handle.describe();
      assert.deepEqual(described.typedSearchAttributes.get(searchAttributes.deploymentKind), kind);
      // The probe order is Flex, dedicated, serverless: each kind costs the GETs before it, no more.
      const probes = kit
        .requests()
        .filter(
          (e) =>
            e.authenticated &&
            e.method === 'GET' &&
            /\/groups\/[^/]+\/(flexClusters|clusters|serverless)\/[^/]+$/.test(e.path),
        );
      const expected = { flex: 1, cluster: 2, serverless: 3 }[kind];
      assert.ok(probes.length >= expected, `at least ${expected} probe GETs, saw ${probes.length}`);
      assert.equal(probes[expected - 1]!.status, 200);
      for (const probe of probes.slice(0, expected - 1))
        assert.ok(probe.status === 400 || probe.status === 404);
    });
  }

  it('auto holds the resolved kind to its capabilities: a point in time on a Flex source is refused', async () => {
    const failure = await expectFailure(
      await startRestore(kit, {
        source: { kind: 'auto', groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexSource },
        snapshot: { pointInTimeUtcSeconds: Math.floor(Date.now() / 1000) - 600 },
        target: { groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexTarget },
        polling: FAST_POLLING,
      }),
    );
    assert.equal(failure.type, 'InvalidRestoreRequest');
    assert.match(
      failure.message,
      /source\.kind auto resolved \S+ to a Flex cluster: snapshot\.pointInTimeUtcSeconds: Flex clusters have no point-in-time restore/,
    );
    assert.equal(routeRequests(kit.requests(), 'createRestoreJob').length, 0);
  });

  it('auto names source.name when no kind has the deployment', async () => {
    const failure = await expectFailure(
      await startRestore(kit, {
        source: { kind: 'auto', groupId: kit.sim.ids.projectId, name: 'nowhere-to-be-found' },
        snapshot: { latest: true },
        target: { groupId: kit.sim.ids.projectId, name: kit.sim.ids.flexTarget },
        polling: FAST_POLLING,
      }),
    );
    assert.equal(failure.type, 'RestoreFailed');
    assert.match(failure.message, /^source\.name: /);
    assert.match(failure.message, /nowhere-to-be-found/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
