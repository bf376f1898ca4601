import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { deriveRestoreJobState, type RestoreJobState } from '../../src/common/restore-job-state';
import { startSimulator, type RunningSimulator, type RestoreOutcome } from '../../src/simulator';
import { HOUR, MINUTE, call } from './helpers';

describe('simulator state and lifecycles', () => {
  let sim: RunningSimulator;
  let g: string;
  before(async () => {
    sim = await startSimulator({});
    g = sim.ids.projectId;
  });
  beforeEach(() => sim.control.reset());
  after(() => sim.close());

  const serverless = () => `/groups/${g}/serverless/${sim.ids.serverlessSource}`;
  const cluster = () => `/groups/${g}/clusters/${sim.ids.clusterSource}`;
  const latestSnapshot = async (base: string) =>
    (await call(sim, `${base}/backup/snapshots`)).json.results[0];
  const restoreBody = (snapshotId: string, target = sim.ids.serverlessTarget) => ({
    deliveryType: 'automated',
    snapshotId,
    targetClusterName: target,
    targetGroupId: g,
  });

  describe('PATCH → UPDATING → IDLE', () => {
    it('turns continuous backup on for a serverless instance and goes back to IDLE after the update time', async () => {
      const patched = await call(sim, serverless(), {
        method: 'PATCH',
        body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: true } },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.json.stateName, 'UPDATING');
      assert.equal(patched.json.serverlessBackupOptions.serverlessContinuousBackupEnabled, true);
      assert.equal((await call(sim, serverless())).json.stateName, 'UPDATING');
      sim.control.advanceClock(2 * MINUTE - 1000);
      assert.equal((await call(sim, serverless())).json.stateName, 'UPDATING');
      sim.control.advanceClock(2000);
      const idle = await call(sim, serverless());
      assert.equal(idle.json.stateName, 'IDLE');
      assert.equal(idle.json.serverlessBackupOptions.serverlessContinuousBackupEnabled, true);
    });

    it('reproduces the IDLE-before-UPDATING trap with idleBeforeUpdatingMs', async () => {
      const tricky = await startSimulator({ idleBeforeUpdatingMs: 30_000, updateDurationMs: 5 * MINUTE });
      try {
        const path = `/groups/${g}/serverless/${tricky.ids.serverlessSource}`;
        const patched = await call(tricky, path, {
          method: 'PATCH',
          body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: true } },
        });
        assert.equal(patched.json.stateName, 'UPDATING');
        assert.equal((await call(tricky, path)).json.stateName, 'IDLE', 'still IDLE right after the PATCH');
        tricky.control.advanceClock(30_000);
        assert.equal((await call(tricky, path)).json.stateName, 'UPDATING');
        tricky.control.advanceClock(5 * MINUTE);
        assert.equal((await call(tricky, path)).json.stateName, 'IDLE');
      } finally {
        await tricky.close();
      }
    });

    it('leaves an unchanged deployment IDLE', async () => {
      const patched = await call(sim, serverless(), {
        method: 'PATCH',
        body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: false } },
      });
      assert.equal(patched.json.stateName, 'IDLE');
    });

    it('switches pitEnabled on a dedicated cluster on v2 and v1.0, and refuses what Atlas would refuse', async () => {
      const v2 = await call(sim, cluster(), { method: 'PATCH', body: { pitEnabled: true } });
      assert.equal(v2.status, 200);
      assert.equal(v2.json.stateName, 'UPDATING');
      assert.equal(v2.json.pitEnabled, true);
      sim.control.advanceClock(2 * MINUTE);
      assert.equal((await call(sim, cluster())).json.stateName, 'IDLE');

      const target = `/groups/${g}/clusters/${sim.ids.clusterTarget}`;
      const v1 = await call(sim, target, {
        flavour: 'v1.0',
        method: 'PATCH',
        body: { providerBackupEnabled: true, pitEnabled: true },
      });
      assert.equal(v1.status, 200);
      assert.equal(v1.json.pitEnabled, true);
      assert.equal(v1.json.providerBackupEnabled, true);

      const noBackup = await call(sim, cluster(), { method: 'PATCH', body: { backupEnabled: false } });
      assert.equal(noBackup.status, 400);
      assert.match(noBackup.json.detail, /pitEnabled/);
      const unknown = await call(sim, cluster(), { method: 'PATCH', body: { providerBackupEnabled: true } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.errorCode, 'INVALID_ATTRIBUTE');
      assert.equal(unknown.json.detail, 'Invalid attribute providerBackupEnabled specified.');
      const wrongType = await call(sim, cluster(), { method: 'PATCH', body: { pitEnabled: 'true' } });
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.json.errorCode, 'VALIDATION_ERROR');
    });
  });

  describe('snapshots and the point-in-time window', () => {
    it('keeps only the 2 newest with basic backup, and 6-hourly ones for 72 h once continuous backup is on', async () => {
      const basic = (await call(sim, `${serverless()}/backup/snapshots`)).json;
      assert.equal(basic.totalCount, 2);
      await call(sim, serverless(), {
        method: 'PATCH',
        body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: true } },
      });
      sim.control.advanceClock(30 * HOUR);
      const continuous = (await call(sim, `${serverless()}/backup/snapshots`)).json;
      assert.equal(continuous.totalCount, 7, '2 kept from before + 5 slots in 30 h');
      sim.control.advanceClock(4 * 24 * HOUR);
      const later = (await call(sim, `${serverless()}/backup/snapshots`)).json;
      const windowStart = sim.now() - 72 * HOUR;
      const recent = later.results.filter(
        (s: { createdAt: string }) => Date.parse(s.createdAt) > windowStart,
      );
      assert.ok(
        recent.length >= 11 && recent.length <= 12,
        `every 6-hourly one within 72 h: ${recent.length}`,
      );
      const older = later.results.filter(
        (s: { createdAt: string }) => Date.parse(s.createdAt) <= windowStart,
      );
      assert.ok(older.length > 0);
      for (const s of older) assert.equal(s.frequencyType, 'daily', 'only dailies outlive 72 h');
      for (const s of later.results)
        assert.equal(s.status === 'completed' || s.status === 'inProgress', true);
    });

    it('takes a snapshot every 6 h: in progress for a few minutes, then completed and restorable', async () => {
      const [newest] = sim.control
        .state()
        .deployments.find((d) => d.name === sim.ids.serverlessSource)!.snapshots;
      const nextSlot = Date.parse(newest!.createdAt) + 6 * HOUR;
      sim.control.advanceClock(nextSlot - sim.now() + MINUTE);
      const fresh = await latestSnapshot(serverless());
      assert.equal(fresh.status, 'inProgress');
      assert.equal(fresh.createdAt, undefined);
      assert.equal(parseInt(fresh.id.slice(0, 8), 16), nextSlot / 1000);
      const refused = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(fresh.id),
      });
      assert.equal(refused.status, 400);
      assert.match(
        refused.json.detail,
        /snapshotId: .* is inProgress; only completed snapshots can be restored/,
      );
      sim.control.advanceClock(5 * MINUTE);
      const done = await call(sim, `${serverless()}/backup/snapshots/${fresh.id}`);
      assert.equal(done.json.status, 'completed');
      const accepted = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(fresh.id),
      });
      assert.equal(accepted.status, 200);
    });

    it('accepts point-in-time restores only inside the window and only with continuous backup on', async () => {
      const pit = (seconds: number) => ({
        deliveryType: 'pointInTime',
        pointInTimeUTCSeconds: seconds,
        targetClusterName: sim.ids.serverlessTarget,
        targetGroupId: g,
      });
      const nowSeconds = () => Math.floor(sim.now() / 1000);
      const off = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: pit(nowSeconds() - 60),
      });
      assert.equal(off.status, 400);
      assert.match(off.json.detail, /continuous backup/);

      const enabledAt = nowSeconds();
      await call(sim, serverless(), {
        method: 'PATCH',
        body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: true } },
      });
      sim.control.advanceClock(80 * HOUR);
      const beforeWindow = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: pit(nowSeconds() - 73 * 3600),
      });
      assert.equal(beforeWindow.status, 400);
      assert.match(beforeWindow.json.detail, /^pointInTimeUTCSeconds: .* is outside the restore window/);
      assert.ok(enabledAt < nowSeconds() - 73 * 3600);

      const inside = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: pit(nowSeconds() - 3600),
      });
      assert.equal(inside.status, 200);
      assert.equal(inside.json.pointInTimeUTCSeconds, nowSeconds() - 3600);
      assert.equal(inside.json.snapshotId, undefined);
      const future = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: pit(nowSeconds() + 600),
      });
      assert.equal(future.status, 400);
    });

    it('refuses snapshots of another deployment, unknown targets and serverless downloads', async () => {
      const clusterSnapshot = await latestSnapshot(cluster());
      const other = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(clusterSnapshot.id),
      });
      assert.equal(other.status, 400);
      assert.match(other.json.detail, /belongs to orders-cluster/);

      const snapshot = await latestSnapshot(serverless());
      const noTarget = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(snapshot.id, 'does-not-exist'),
      });
      assert.equal(noTarget.status, 404);
      assert.equal(noTarget.json.errorCode, 'SERVERLESS_INSTANCE_NOT_FOUND');
      const wrongKindTarget = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(snapshot.id, sim.ids.clusterTarget),
      });
      assert.equal(wrongKindTarget.status, 404);
      const noProject = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: { ...restoreBody(snapshot.id), targetGroupId: 'ffffffffffffffffffffffff' },
      });
      assert.equal(noProject.status, 404);
      assert.equal(noProject.json.errorCode, 'GROUP_NOT_FOUND');
      const download = await call(sim, `${serverless()}/backup/restoreJobs`, {
        method: 'POST',
        body: { deliveryType: 'download', snapshotId: snapshot.id },
      });
      assert.equal(download.status, 400);
      assert.match(download.json.detail, /download is not supported for serverless/);
    });
  });

  describe('restore jobs', () => {
    const cases: [RestoreOutcome, RestoreJobState][] = [
      ['finished', 'finished'],
      ['failed', 'failed'],
      ['expired', 'expired'],
      ['cancelled', 'cancelled'],
    ];
    for (const [outcome, state] of cases) {
      it(`runs a '${outcome}' scenario to the ${state} state`, async () => {
        sim.control.setScenario({ outcome, durationMs: 10 * MINUTE });
        const snapshot = await latestSnapshot(serverless());
        const created = await call(sim, `${serverless()}/backup/restoreJobs`, {
          method: 'POST',
          body: restoreBody(snapshot.id),
        });
        assert.equal(deriveRestoreJobState(created.json), 'in_progress');
        const idSeconds = parseInt(created.json.id.slice(0, 8), 16);
        assert.ok(
          Math.abs(idSeconds - Date.now() / 1000) < 5,
          'id embeds the real creation second, whatever the simulated clock says',
        );
        const path = `${serverless()}/backup/restoreJobs/${created.json.id}`;
        sim.control.advanceClock(10 * MINUTE - 1000);
        assert.equal(deriveRestoreJobState((await call(sim, path)).json), 'in_progress');
        sim.control.advanceClock(1000);
        const ended = (await call(sim, path)).json;
        assert.equal(deriveRestoreJobState(ended), state);
        const createdAt = sim.control.state().restoreJobs.find((j) => j.id === created.json.id)!.createdAt;
        const endedAt = new Date(Date.parse(createdAt) + 10 * MINUTE).toISOString().replace('.000Z', 'Z');
        if (outcome === 'expired') {
          assert.equal(ended.expiresAt, endedAt);
          assert.equal(ended.finishedAt, undefined);
        } else {
          assert.equal(ended.finishedAt, endedAt);
        }
        assert.deepEqual(ended.deliveryUrl, []);
      });
    }

    it('runs simulated time faster with timeScale: a 20-minute restore in a fraction of a second', async () => {
      const fast = await startSimulator({ timeScale: 6000 });
      try {
        const base = `/groups/${g}/serverless/${fast.ids.serverlessSource}`;
        const snapshot = (await call(fast, `${base}/backup/snapshots`)).json.results[0];
        const created = await call(fast, `${base}/backup/restoreJobs`, {
          method: 'POST',
          body: {
            deliveryType: 'automated',
            snapshotId: snapshot.id,
            targetClusterName: fast.ids.serverlessTarget,
            targetGroupId: g,
          },
        });
        const startedReal = Date.now();
        let state = deriveRestoreJobState(created.json);
        while (state === 'in_progress' && Date.now() - startedReal < 5000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          state = deriveRestoreJobState(
            (await call(fast, `${base}/backup/restoreJobs/${created.json.id}`)).json,
          );
        }
        assert.equal(state, 'finished');
        assert.ok(Date.now() - startedReal >= 150, 'not before 20 simulated minutes = 200 real ms');
      } finally {
        await fast.close();
      }
    });

    it("keeps a 'never' job in progress however long it runs", async () => {
      sim.control.setScenario({ outcome: 'never' });
      const snapshot = await latestSnapshot(cluster());
      const created = await call(sim, `${cluster()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(snapshot.id, sim.ids.clusterTarget),
      });
      sim.control.advanceClock(7 * 24 * HOUR);
      const job = (await call(sim, `${cluster()}/backup/restoreJobs/${created.json.id}`)).json;
      assert.equal(deriveRestoreJobState(job), 'in_progress');
    });

    it('uses the default duration, and lets a scenario retarget an existing job', async () => {
      const snapshot = await latestSnapshot(serverless());
      const first = (
        await call(sim, `${serverless()}/backup/restoreJobs`, {
          method: 'POST',
          body: restoreBody(snapshot.id),
        })
      ).json;
      const second = (
        await call(sim, `${serverless()}/backup/restoreJobs`, {
          method: 'POST',
          body: restoreBody(snapshot.id),
        })
      ).json;
      sim.control.setScenario({ jobId: second.id, outcome: 'failed', durationMs: MINUTE });
      sim.control.advanceClock(MINUTE);
      const list = (await call(sim, `${serverless()}/backup/restoreJobs`)).json;
      assert.deepEqual(
        list.results.map((j: { id: string }) => j.id),
        [second.id, first.id],
        'newest first',
      );
      assert.equal(deriveRestoreJobState(list.results[0]), 'failed');
      assert.equal(deriveRestoreJobState(list.results[1]), 'in_progress');
      sim.control.advanceClock(19 * MINUTE);
      assert.equal(
        deriveRestoreJobState((await call(sim, `${serverless()}/backup/restoreJobs/${first.id}`)).json),
        'finished',
      );
      assert.throws(
        () => sim.control.setScenario({ jobId: 'aaaaaaaaaaaaaaaaaaaaaaaa', outcome: 'failed' }),
        /no restore job/,
      );
      assert.throws(() => sim.control.setScenario({ outcome: 'exploded' as RestoreOutcome }), /outcome/);
    });

    it('makes a dedicated download ready with a URL and expiresAt, then cancels it; other jobs cannot be cancelled', async () => {
      const snapshot = await latestSnapshot(cluster());
      const created = await call(sim, `${cluster()}/backup/restoreJobs`, {
        method: 'POST',
        body: { deliveryType: 'download', snapshotId: snapshot.id },
      });
      assert.equal(created.status, 200);
      assert.deepEqual(created.json.deliveryUrl, []);
      assert.equal(created.json.targetClusterName, undefined);
      const path = `${cluster()}/backup/restoreJobs/${created.json.id}`;
      sim.control.advanceClock(20 * MINUTE);
      const ready = (await call(sim, path)).json;
      assert.equal(deriveRestoreJobState(ready), 'download_ready');
      assert.equal(ready.deliveryUrl.length, 1);
      assert.match(ready.deliveryUrl[0], /^https:\/\/restore-[0-9a-f]{24}\..*\.tar\.gz$/);
      assert.equal(Date.parse(ready.expiresAt) - Math.floor(sim.now() / 1000) * 1000, HOUR);
      assert.equal(ready.finishedAt, undefined);

      const cancel = await call(sim, path, { method: 'DELETE' });
      assert.equal(cancel.status, 204);
      assert.equal(cancel.text, '');
      assert.equal(deriveRestoreJobState((await call(sim, path)).json), 'cancelled');
      const again = await call(sim, path, { method: 'DELETE' });
      assert.equal(again.status, 400);
      assert.equal(again.json.errorCode, 'RESTORE_JOB_NOT_CANCELLABLE');

      const automated = await call(sim, `${cluster()}/backup/restoreJobs`, {
        method: 'POST',
        body: restoreBody(snapshot.id, sim.ids.clusterTarget),
      });
      const refused = await call(sim, `${cluster()}/backup/restoreJobs/${automated.json.id}`, {
        method: 'DELETE',
      });
      assert.equal(refused.status, 400);
      assert.match(refused.json.detail, /only download restore jobs can be cancelled/);
    });

    it('shows jobs, snapshots and deployments in the control state', async () => {
      const snapshot = await latestSnapshot(serverless());
      const created = (
        await call(sim, `${serverless()}/backup/restoreJobs`, {
          method: 'POST',
          body: restoreBody(snapshot.id),
        })
      ).json;
      const state = sim.control.state();
      assert.equal(state.restoreJobs[0]!.id, created.id);
      assert.equal(state.restoreJobs[0]!.state, 'in_progress');
      assert.deepEqual(state.restoreJobs[0]!.scenario, {
        outcome: 'finished',
        durationMs: 20 * MINUTE,
        data: 'restored',
      });
      assert.equal(state.deployments.length, 8);
      assert.ok(!JSON.stringify(state).includes(sim.credentials.privateKey));
      assert.ok(!JSON.stringify(state).includes(sim.credentials.clientSecret));
      assert.ok(!JSON.stringify(state).includes(sim.credentials.databasePassword));
    });
  });
});
