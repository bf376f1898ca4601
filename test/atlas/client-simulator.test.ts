import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveRestoreJobState } from '../../src/common/restore-job-state';
import { createAtlasClient, paginate, type AtlasApiVersion, type AtlasClient } from '../../src/atlas/client';
import { createBackupApi } from '../../src/atlas/backup-api';
import { AtlasApiError } from '../../src/atlas/errors';
import type { AtlasBackupApi, DeploymentRef } from '../../src/atlas/api';
import { DEFAULT_SEED, startSimulator, type RunningSimulator, type SeedData } from '../../src/simulator';

/** Every client operation, on both API flavours, against the simulator over real HTTP (Digest auth). */

const NO_BACKUP_CLUSTER = 'no-backup-cluster';
const SEED: SeedData = {
  ...DEFAULT_SEED,
  clusters: [
    ...(DEFAULT_SEED.clusters ?? []),
    {
      id: '66320e00a1b2c3d4e5f60718',
      groupId: DEFAULT_SEED.projects[0]!.id,
      name: NO_BACKUP_CLUSTER,
      backupEnabled: false,
    },
  ],
};

function requests(sim: RunningSimulator, route: string): number {
  return sim.control.requests().counts.byRoute[route] ?? 0;
}

async function rejection(promise: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AtlasApiError, `expected AtlasApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

for (const apiVersion of ['v2', 'v1.0'] as const satisfies readonly AtlasApiVersion[]) {
  describe(`client operations against the simulator (${apiVersion})`, () => {
    let sim: RunningSimulator;
    let atlas: AtlasClient;
    let api: AtlasBackupApi;
    let serverless: { groupId: string; name: string };
    let cluster: { groupId: string; name: string };

    before(async () => {
      sim = await startSimulator({ seed: SEED, faults: { rateLimit: false } });
      atlas = createAtlasClient({
        baseUrl: sim.url,
        apiVersion,
        credentials: {
          type: 'digest',
          publicKey: sim.credentials.publicKey,
          privateKey: sim.credentials.privateKey,
        },
      });
      api = createBackupApi(atlas);
      serverless = { groupId: sim.ids.projectId, name: sim.ids.serverlessSource };
      cluster = { groupId: sim.ids.projectId, name: sim.ids.clusterSource };
    });

    after(async () => {
      await atlas?.close();
      await sim?.close();
    });

    it('lists projects', async () => {
      const page = await atlas.projects.list();
      assert.deepEqual(
        page.results.map((p) => p.id),
        [sim.ids.projectId, sim.ids.otherProjectId],
      );
      assert.equal(page.totalCount, 2);
    });

    it('serverless: get, then update continuous backup (UPDATING at once)', async () => {
      const instance = await atlas.serverless.get(serverless);
      assert.equal(instance.name, serverless.name);
      assert.equal(instance.groupId, serverless.groupId);
      assert.equal(instance.stateName, 'IDLE');
      assert.equal(instance.serverlessBackupOptions?.serverlessContinuousBackupEnabled, false);
      const updated = await atlas.serverless.update(serverless, {
        serverlessBackupOptions: { serverlessContinuousBackupEnabled: true },
      });
      assert.equal(updated.stateName, 'UPDATING');
      assert.equal(updated.serverlessBackupOptions?.serverlessContinuousBackupEnabled, true);
      assert.ok('providerSettings' in updated, 'fields the schema does not name are kept');
    });

    it('serverless: list and get snapshots', async () => {
      const page = await atlas.serverless.listSnapshots(serverless);
      assert.ok(page.results.length > 0);
      const completed = page.results.find((s) => s.status === 'completed');
      assert.ok(completed);
      const snapshot = await atlas.serverless.getSnapshot(serverless, completed.id);
      assert.equal(snapshot.id, completed.id);
      assert.equal(snapshot.status, 'completed');
    });

    it('serverless: create (automated and pointInTime), get and list restore jobs', async () => {
      const snapshots = await atlas.serverless.listSnapshots(serverless);
      const snapshotId = snapshots.results.find((s) => s.status === 'completed')!.id;
      const target = { targetClusterName: sim.ids.serverlessTarget, targetGroupId: sim.ids.projectId };
      const automated = await atlas.serverless.createRestoreJob(serverless, {
        deliveryType: 'automated',
        snapshotId,
        ...target,
      });
      assert.equal(automated.deliveryType, 'automated');
      assert.equal(automated.snapshotId, snapshotId);
      assert.equal(deriveRestoreJobState(automated), 'in_progress');

      // Continuous backup was switched on by the update test; an hour later the window holds a point in time.
      sim.control.advanceClock(3_600_000);
      const pointInTimeUTCSeconds = Math.floor(sim.now() / 1000) - 1800;
      const pit = await atlas.serverless.createRestoreJob(serverless, {
        deliveryType: 'pointInTime',
        pointInTimeUTCSeconds,
        ...target,
      });
      assert.equal(pit.deliveryType, 'pointInTime');
      assert.equal(pit.pointInTimeUTCSeconds, pointInTimeUTCSeconds);

      const fetched = await atlas.serverless.getRestoreJob(serverless, automated.id);
      assert.equal(fetched.id, automated.id);
      const listed = await atlas.serverless.listRestoreJobs(serverless);
      assert.deepEqual(listed.results.map((job) => job.id).sort(), [automated.id, pit.id].sort());
    });

    it('serverless: cancel is refused as unsupported, nothing sent', async () => {
      const before = sim.control.requests().counts.total;
      const error = await rejection(
        api.cancelRestoreJob({ kind: 'serverless', ...serverless }, '6632100000000000000000aa'),
      );
      assert.equal(error.kind, 'unsupported');
      assert.equal(error.retryable, false);
      assert.match(
        error.message,
        /serverless instance restore jobs cannot be cancelled through the Atlas Admin API/,
      );
      assert.equal(sim.control.requests().counts.total, before);
    });

    it('serverless: a missing instance (404) carries the sunset hint and Atlas code', async () => {
      const error = await rejection(
        atlas.serverless.get({ groupId: sim.ids.projectId, name: 'gone-instance' }),
      );
      assert.equal(error.status, 404);
      assert.equal(error.errorCode, 'SERVERLESS_INSTANCE_NOT_FOUND');
      assert.match(error.message, /retired the serverless instance endpoints on 2026-01-22/);
      assert.equal(error.retryable, false);
    });

    it('serverless: a 404 naming a missing snapshot or project is not blamed on the sunset', async () => {
      const snapshot = await rejection(
        atlas.serverless.getSnapshot(
          { groupId: sim.ids.projectId, name: sim.ids.serverlessSource },
          'ffffffffffffffffffffffff',
        ),
      );
      assert.equal(snapshot.status, 404);
      assert.doesNotMatch(snapshot.message, /retired/);
      assert.doesNotMatch(snapshot.message, /\.\./, 'no doubled full stop between detail and hint');
      const project = await rejection(
        atlas.serverless.get({ groupId: 'ffffffffffffffffffffffff', name: sim.ids.serverlessSource }),
      );
      assert.equal(project.errorCode, 'GROUP_NOT_FOUND');
      assert.doesNotMatch(project.message, /retired/);
    });

    it('cluster: get and update pitEnabled', async () => {
      const got = await atlas.clusters.get(cluster);
      assert.equal(got.name, cluster.name);
      assert.equal(got.pitEnabled, false);
      const updated = await atlas.clusters.update(cluster, { pitEnabled: true });
      assert.equal(updated.stateName, 'UPDATING');
      assert.equal(updated.pitEnabled, true);
    });

    it('cluster: list and get snapshots; paginate walks every page', async () => {
      const all = await atlas.clusters.listSnapshots(cluster, { itemsPerPage: 500 });
      assert.ok(all.results.length >= 2, 'basic retention keeps the two most recent');
      const snapshot = await atlas.clusters.getSnapshot(cluster, all.results[0]!.id);
      assert.equal(snapshot.id, all.results[0]!.id);
      const walked: string[] = [];
      for await (const item of paginate((page) => atlas.clusters.listSnapshots(cluster, page), {
        itemsPerPage: 1,
      })) {
        walked.push(item.id);
      }
      assert.deepEqual(
        walked,
        all.results.map((s) => s.id),
      );
    });

    it('cluster: create, get, list and cancel (204) a download restore job', async () => {
      const snapshots = await atlas.clusters.listSnapshots(cluster);
      const snapshotId = snapshots.results.find((s) => s.status === 'completed')!.id;
      const job = await atlas.clusters.createRestoreJob(cluster, { deliveryType: 'download', snapshotId });
      assert.equal(job.deliveryType, 'download');
      const automated = await atlas.clusters.createRestoreJob(cluster, {
        deliveryType: 'automated',
        snapshotId,
        targetClusterName: sim.ids.clusterTarget,
        targetGroupId: sim.ids.projectId,
      });
      const listed = await atlas.clusters.listRestoreJobs(cluster);
      assert.deepEqual(listed.results.map((j) => j.id).sort(), [job.id, automated.id].sort());
      assert.equal(await atlas.clusters.cancelRestoreJob(cluster, job.id), undefined);
      const cancelled = await atlas.clusters.getRestoreJob(cluster, job.id);
      assert.equal(cancelled.cancelled, true);
      assert.equal(deriveRestoreJobState(cancelled), 'cancelled');
    });

    it('cluster: an Atlas rejection keeps status, errorCode and detail', async () => {
      const jobs = await atlas.clusters.listRestoreJobs(cluster);
      const automated = jobs.results.find((j) => j.deliveryType === 'automated')!;
      const error = await rejection(atlas.clusters.cancelRestoreJob(cluster, automated.id));
      assert.equal(error.status, 400);
      assert.equal(error.errorCode, 'RESTORE_JOB_NOT_CANCELLABLE');
      assert.match(error.detail ?? '', /only download restore jobs can be cancelled/);
      assert.equal(error.retryable, false);
      assert.doesNotMatch(error.message, /retired/);
    });

    it('backup API: enabling continuous backup on a cluster without cloud backup turns cloud backup on too', async () => {
      const ref: DeploymentRef = { kind: 'cluster', groupId: sim.ids.projectId, name: NO_BACKUP_CLUSTER };
      const before = await api.getDeployment(ref);
      assert.equal(before.continuousBackupEnabled, false);
      const view = await api.setContinuousBackup(ref, true);
      assert.equal(view.continuousBackupEnabled, true);
      assert.equal(view.stateName, 'UPDATING');
      const state = sim.control.state().deployments.find((d) => d.name === NO_BACKUP_CLUSTER)!;
      assert.equal(state.backupEnabled, true);
      assert.equal(state.continuousBackup, true);
    });

    it('backup API: a deployment already in the wanted state gets no PATCH', async () => {
      const ref: DeploymentRef = { kind: 'serverless', ...serverless };
      const patches = requests(sim, 'updateServerless');
      const view = await api.setContinuousBackup(ref, true);
      assert.equal(view.continuousBackupEnabled, true);
      assert.equal(requests(sim, 'updateServerless'), patches);
    });

    it('backup API: kind-generic reads for both kinds', async () => {
      for (const ref of [
        { kind: 'serverless', ...serverless },
        { kind: 'cluster', ...cluster },
      ] satisfies DeploymentRef[]) {
        const snapshots = await api.listSnapshots(ref, { itemsPerPage: 1 });
        assert.equal(snapshots.results.length, 1);
        const snapshot = await api.getSnapshot(ref, snapshots.results[0]!.id);
        assert.equal(snapshot.id, snapshots.results[0]!.id);
        const jobs = await api.listRestoreJobs(ref);
        const job = await api.getRestoreJob(ref, jobs.results[0]!.id);
        assert.equal(job.id, jobs.results[0]!.id);
      }
    });

    it('backup API: a deployment view carries its connection string, standardSrv where it has no standard', async () => {
      for (const ref of [
        { kind: 'serverless', ...serverless },
        { kind: 'cluster', ...cluster },
      ] satisfies DeploymentRef[]) {
        const view = await api.getDeployment(ref);
        const strings = view.raw.connectionStrings as { standardSrv: string };
        assert.equal(view.connectionString, strings.standardSrv);
        assert.match(view.connectionString!, /^mongodb\+srv:\/\//);
      }
    });
  });
}

describe('envelope=true against the simulator', () => {
  let sim: RunningSimulator;
  const clients: AtlasClient[] = [];
  before(async () => {
    sim = await startSimulator({ faults: { rateLimit: false } });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim?.close();
  });

  for (const apiVersion of ['v2', 'v1.0'] as const) {
    it(`unwraps single objects, lists and errors (${apiVersion})`, async () => {
      const atlas = createAtlasClient({
        baseUrl: sim.url,
        apiVersion,
        envelope: true,
        credentials: {
          type: 'digest',
          publicKey: sim.credentials.publicKey,
          privateKey: sim.credentials.privateKey,
        },
      });
      clients.push(atlas);
      const target = { groupId: sim.ids.projectId, name: sim.ids.clusterSource };
      const cluster = await atlas.clusters.get(target);
      assert.equal(cluster.name, sim.ids.clusterSource);
      assert.ok(!('content' in cluster));
      const page = await atlas.clusters.listSnapshots(target, { itemsPerPage: 1 });
      assert.equal(page.results.length, 1);
      assert.ok(page.links?.some((link) => link.rel === 'next'));
      assert.ok(!('status' in page), 'the envelope status is not part of the page');
      const missing = await rejection(atlas.clusters.get({ ...target, name: 'nope' }));
      assert.equal(missing.status, 404);
      assert.equal(missing.errorCode, 'CLUSTER_NOT_FOUND');
      const paths = sim.control.requests().entries.map((e) => e.path);
      assert.ok(paths.every((p) => p.includes('envelope=true')));
    });
  }
});
