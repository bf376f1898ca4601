import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestoreFailureType } from '../../src/common/contract';
import { statusQuery } from '../../src/workflows';
import {
  assertNoSecrets,
  clusterRequest,
  expectFailure,
  recordHistory,
  routeRequests,
  serverlessRequest,
  startKit,
  startRestore,
  type Kit,
} from './support';

describe('restores that end in a terminal Atlas state', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());
  beforeEach(() => kit.sim.control.reset());

  const cases = [
    {
      outcome: 'failed',
      type: RestoreFailureType.RestoreFailed,
      message: /Atlas reports restore job \w+ failed/,
    },
    {
      outcome: 'expired',
      type: RestoreFailureType.RestoreExpired,
      message: /Atlas reports restore job \w+ expired/,
    },
    {
      outcome: 'cancelled',
      type: RestoreFailureType.RestoreCancelled,
      message: /Atlas reports restore job \w+ was cancelled \(not by this workflow\)/,
    },
  ] as const;
  for (const c of cases) {
    it(`fails with ${c.type} when Atlas reports the job ${c.outcome}`, async () => {
      kit.sim.control.setScenario({ outcome: c.outcome, durationMs: 60_000 });
      const handle = await startRestore(kit, clusterRequest(kit.sim.ids));
      const failure = await expectFailure(handle);
      const [job] = kit.sim.control.state().restoreJobs;
      assert.equal(failure.type, c.type);
      assert.match(failure.message, c.message);
      assert.equal(failure.details.restoreJobId, job!.id);
      assert.equal(failure.details.lastJob?.id, job!.id);
      assert.equal(failure.details.lastJob?.state, c.outcome);
      const status = await handle.query(statusQuery);
      assert.equal(status.phase, 'done');
      assert.equal(status.jobState, c.outcome);
      assertNoSecrets(await handle.fetchHistory(), kit.sim.credentials);
      if (c.outcome === 'failed') await recordHistory('cluster-job-failed', handle);
    });
  }

  it('ends with Atlas errorCode and detail when a call is rejected for good (unknown snapshot)', async () => {
    const missing = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const handle = await startRestore(
      kit,
      serverlessRequest(kit.sim.ids, { snapshot: { snapshotId: missing } }),
    );
    const failure = await expectFailure(handle);
    assert.equal(failure.type, RestoreFailureType.RestoreFailed);
    const atlasError = failure.details.atlasError;
    assert.ok(atlasError, 'the Atlas error is in the details');
    assert.equal(atlasError.status, 404);
    assert.ok(atlasError.errorCode, 'errorCode surfaced');
    assert.ok(atlasError.detail, 'detail surfaced');
    // The plain reason first (Atlas' detail), then the codes and the call.
    assert.ok(
      failure.message.startsWith(`snapshot.snapshotId: ${atlasError.detail!.replace(/\.$/, '')} (`),
      failure.message,
    );
    assert.match(failure.message, /\(Atlas 404 \S+ on GET \S+; getSnapshot\)$/);
    assert.ok(
      failure.message.includes('404') && failure.message.includes(atlasError.errorCode!),
      failure.message,
    );
    const log = kit.requests();
    assert.equal(routeRequests(log, 'getServerlessSnapshot').length, 1, 'a 404 is not retried');
    assert.equal(routeRequests(log, 'createRestoreJob').length, 0);
  });

  const wrongAboutAtlas = [
    { name: 'unknown source instance', field: 'source.name', source: { name: 'no-such-instance' } },
    {
      name: 'unknown source project',
      field: 'source.groupId',
      source: { groupId: 'ffffffffffffffffffffffff' },
    },
    { name: 'the wrong kind for the source', field: 'source.kind', source: { kind: 'cluster' as const } },
    { name: 'unknown target', field: 'target.name', target: { name: 'no-such-target' } },
  ];
  for (const bad of wrongAboutAtlas) {
    it(`names the field when Atlas refuses a well-formed request: ${bad.name}`, async () => {
      const base = serverlessRequest(kit.sim.ids, { ensureContinuousBackup: false });
      const request = {
        ...base,
        source: { ...base.source, ...bad.source },
        target: { ...base.target, ...bad.target },
      };
      const failure = await expectFailure(await startRestore(kit, request));
      assert.equal(failure.type, RestoreFailureType.RestoreFailed);
      assert.ok(failure.message.startsWith(`${bad.field}: `), failure.message);
      assert.ok(failure.details.atlasError?.errorCode, 'the Atlas errorCode is in the details');
      assert.equal(kit.sim.control.state().restoreJobs.length, 0);
    });
  }

  it('rejects a snapshot that is not completed, naming the field', async () => {
    const source = kit.sim.control.state().deployments.find((d) => d.name === kit.sim.ids.serverlessSource)!;
    const seedWithQueued = {
      projects: [{ id: kit.sim.ids.projectId, name: kit.sim.ids.projectName }],
      serverless: [
        { id: source.id, groupId: kit.sim.ids.projectId, name: source.name },
        {
          id: kit.sim.ids.serverlessTargetId,
          groupId: kit.sim.ids.projectId,
          name: kit.sim.ids.serverlessTarget,
        },
      ],
      snapshots: [
        {
          id: 'bbbbbbbbbbbbbbbbbbbbbbbb',
          groupId: kit.sim.ids.projectId,
          deployment: source.name,
          status: 'inProgress' as const,
          ageHours: 0.1,
        },
      ],
    };
    kit.sim.control.seed(seedWithQueued);
    const handle = await startRestore(
      kit,
      serverlessRequest(kit.sim.ids, {
        snapshot: { snapshotId: 'bbbbbbbbbbbbbbbbbbbbbbbb' },
        ensureContinuousBackup: false,
      }),
    );
    const failure = await expectFailure(handle);
    assert.equal(failure.type, RestoreFailureType.InvalidRestoreRequest);
    assert.match(
      failure.message,
      /snapshot\.snapshotId: .* is inProgress; only completed snapshots can be restored/,
    );
    assert.equal(routeRequests(kit.requests(), 'createRestoreJob').length, 0);
  });
});
