import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  apiErrorBodySchema,
  flexClusterSchema,
  flexRestoreJobSchema,
  flexSnapshotSchema,
  pageSchema,
} from '../../src/atlas/schemas';
import { deriveRestoreJobState } from '../../src/common/restore-job-state';
import { startSimulator, type RestoreOutcome, type RunningSimulator } from '../../src/simulator';
import { DAY, HOUR, MINUTE, call, withSimulator } from './helpers';

const FLEX_MEDIA_TYPE = 'application/vnd.atlas.2024-11-13+json;charset=utf-8';

/** `2026-08-10T03:03:29Z`-style: whole seconds, `Z`. */
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('simulator: Flex clusters', () => {
  let sim: RunningSimulator;
  let g: string;
  before(async () => {
    sim = await startSimulator({});
    g = sim.ids.projectId;
  });
  beforeEach(() => sim.control.reset());
  after(() => sim.close());

  const flex = () => `/groups/${g}/flexClusters/${sim.ids.flexSource}`;
  const completedSnapshot = async () => {
    const list = (await call(sim, `${flex()}/backup/snapshots`)).json;
    return list.results.filter((s: { status: string }) => s.status === 'COMPLETED').pop();
  };
  const restore = (snapshotId: string, target = sim.ids.flexTarget, extra: Record<string, unknown> = {}) =>
    call(sim, `${flex()}/backup/restoreJobs`, {
      method: 'POST',
      body: { snapshotId, targetDeploymentItemName: target, ...extra },
    });

  describe('clusters', () => {
    it('answers GET with the recorded FlexClusterDescription20241113 field set, in 2024-11-13', async () => {
      const got = await call(sim, flex());
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), FLEX_MEDIA_TYPE);
      const cluster = flexClusterSchema.parse(got.json);
      assert.equal(cluster.name, sim.ids.flexSource);
      assert.equal(cluster.id, sim.ids.flexSourceId);
      assert.equal(cluster.groupId, g);
      assert.equal(cluster.stateName, 'IDLE');
      assert.deepEqual(Object.keys(got.json), [
        'backupSettings',
        'clusterType',
        'connectionStrings',
        'createDate',
        'groupId',
        'id',
        'mongoDBVersion',
        'name',
        'providerSettings',
        'stateName',
        'tags',
        'terminationProtectionEnabled',
        'versionReleaseSystem',
      ]);
      assert.deepEqual(got.json.backupSettings, { enabled: true });
      assert.equal(got.json.clusterType, 'REPLICASET');
      assert.deepEqual(Object.keys(got.json.connectionStrings), ['standard', 'standardSrv']);
      assert.deepEqual(got.json.providerSettings, {
        backingProviderName: 'AWS',
        diskSizeGB: 5,
        providerName: 'FLEX',
        regionName: 'US_EAST_1',
      });
      assert.equal(got.json.createDate, iso(parseInt(sim.ids.flexSourceId.slice(0, 8), 16) * 1000));
    });

    it('lists the project’s Flex clusters, paginated, and nothing of the other kinds', async () => {
      const all = await call(sim, `/groups/${g}/flexClusters`);
      assert.equal(all.status, 200);
      const page = pageSchema(flexClusterSchema).parse(all.json);
      assert.deepEqual(
        page.results.map((c) => c.name),
        [sim.ids.flexSource, sim.ids.flexTarget],
      );
      assert.equal(page.totalCount, 2);
      const first = await call(sim, `/groups/${g}/flexClusters?itemsPerPage=1`);
      assert.equal(first.json.results.length, 1);
      assert.ok(first.json.links.some((l: { rel: string }) => l.rel === 'next'));
    });

    it('speaks 2024-11-13 only and exists on v2 only', async () => {
      const older = await call(sim, flex(), { accept: 'application/vnd.atlas.2024-10-23+json' });
      assert.equal(older.status, 406);
      assert.equal(older.json.errorCode, 'INVALID_VERSION_DATE');
      const later = await call(sim, `${flex()}/backup/snapshots`, {
        accept: 'application/vnd.atlas.2025-03-12+json',
      });
      assert.equal(later.headers.get('content-type'), FLEX_MEDIA_TYPE);
      const v1 = await call(sim, flex(), { flavour: 'v1.0' });
      assert.equal(v1.status, 404);
      assert.equal(v1.json.errorCode, 'RESOURCE_NOT_FOUND');
    });

    it('has no PATCH in the simulator: 405 with Allow', async () => {
      const patched = await call(sim, flex(), {
        method: 'PATCH',
        body: { terminationProtectionEnabled: true },
      });
      assert.equal(patched.status, 405);
      assert.equal(patched.headers.get('allow'), 'GET');
    });
  });

  describe('snapshots', () => {
    const START = Date.parse('2026-03-01T00:00:00Z');
    const createdSeconds = (START - HOUR) / 1000;
    const youngId = `${createdSeconds.toString(16)}0123456789abcdef`;
    const youngSeed = {
      projects: [{ id: '66320490d7a6931071338f34', name: 'p' }],
      flexClusters: [{ id: youngId, groupId: '66320490d7a6931071338f34', name: 'young-flex' }],
    };
    const path = '/groups/66320490d7a6931071338f34/flexClusters/young-flex/backup/snapshots';

    it('takes one daily snapshot from 24 h after creation, QUEUED → RUNNING → COMPLETED', async () => {
      await withSimulator({ startTime: START, seed: youngSeed }, async (young) => {
        assert.equal((await call(young, path)).json.totalCount, 0, 'none in the first 24 h');
        young.control.advanceClock(23 * HOUR);
        const queued = (await call(young, path)).json.results;
        assert.equal(queued.length, 1);
        assert.equal(queued[0].status, 'QUEUED');
        assert.equal(queued[0].scheduledTime, iso(START - HOUR + DAY));
        assert.equal(queued[0].startTime, undefined);
        assert.equal(queued[0].finishTime, undefined);
        young.control.advanceClock(MINUTE);
        const running = (await call(young, `${path}/${queued[0].id}`)).json;
        assert.equal(running.status, 'RUNNING');
        assert.ok(running.startTime > running.scheduledTime);
        assert.equal(running.finishTime, undefined);
        young.control.advanceClock(3 * MINUTE);
        const done = flexSnapshotSchema.parse((await call(young, `${path}/${queued[0].id}`)).json);
        assert.equal(done.status, 'COMPLETED');
        assert.ok(done.finishTime! > done.startTime!);
        assert.equal(done.expiration, iso(Date.parse(done.scheduledTime!) + 8 * DAY));
        assert.equal(parseInt(done.id.slice(0, 8), 16), Date.parse(done.startTime!) / 1000);
      });
    });

    it('keeps the newest 8, listed oldest first as recorded, each fetchable by id', async () => {
      await withSimulator({ startTime: START, seed: youngSeed }, async (young) => {
        young.control.advanceClock(20 * DAY);
        const list = await call(young, path);
        assert.equal(list.status, 200);
        const page = pageSchema(flexSnapshotSchema).parse(list.json);
        assert.equal(page.totalCount, 8);
        const scheduled = page.results.map((s) => Date.parse(s.scheduledTime!));
        assert.deepEqual(
          scheduled,
          [...scheduled].sort((a, b) => a - b),
          'oldest first',
        );
        for (let i = 1; i < scheduled.length; i++) assert.equal(scheduled[i]! - scheduled[i - 1]!, DAY);
        assert.ok(scheduled[0]! > young.now() - 8 * DAY);
        for (const s of list.json.results) {
          assert.equal(s.status, 'COMPLETED');
          assert.deepEqual(Object.keys(s), [
            'expiration',
            'finishTime',
            'id',
            'mongoDBVersion',
            'scheduledTime',
            'startTime',
            'status',
          ]);
          const one = await call(young, `${path}/${s.id}`);
          assert.deepEqual(one.json, s);
        }
        const missing = await call(young, `${path}/aaaaaaaaaaaaaaaaaaaaaaaa`);
        assert.equal(missing.status, 404);
      });
    });

    it('shows a seeded FAILED snapshot with its finishTime, and refuses to restore it', async () => {
      const seed = {
        ...youngSeed,
        snapshots: [
          {
            id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
            groupId: '66320490d7a6931071338f34',
            deployment: 'young-flex',
            status: 'failed' as const,
            ageHours: 1,
          },
        ],
      };
      await withSimulator({ startTime: START, seed }, async (young) => {
        const failed = (await call(young, `${path}/aaaaaaaaaaaaaaaaaaaaaaaa`)).json;
        assert.equal(failed.status, 'FAILED');
        assert.ok(failed.finishTime);
        const refused = await call(young, path.replace('/snapshots', '/restoreJobs'), {
          method: 'POST',
          body: { snapshotId: failed.id, targetDeploymentItemName: 'young-flex' },
        });
        assert.equal(refused.status, 400);
        assert.match(refused.json.detail, /only completed snapshots can be restored/);
      });
    });
  });

  describe('restore jobs', () => {
    it('creates a job with 200 and the recorded FlexBackupRestoreJob20241113 fields, then runs PENDING → QUEUED → RUNNING → COMPLETED', async () => {
      const snapshot = await completedSnapshot();
      const created = await restore(snapshot.id);
      assert.equal(created.status, 200);
      assert.equal(created.headers.get('content-type'), FLEX_MEDIA_TYPE);
      const job = flexRestoreJobSchema.parse(created.json);
      assert.deepEqual(Object.keys(created.json), [
        'deliveryType',
        'expirationDate',
        'id',
        'instanceName',
        'projectId',
        'restoreScheduledDate',
        'snapshotFinishedDate',
        'snapshotId',
        'status',
        'targetDeploymentItemName',
        'targetProjectId',
      ]);
      assert.equal(job.deliveryType, 'RESTORE');
      assert.equal(job.status, 'PENDING');
      assert.equal(created.json.instanceName, sim.ids.flexSource);
      assert.equal(created.json.projectId, g);
      assert.equal(job.snapshotId, snapshot.id);
      assert.equal(created.json.snapshotFinishedDate, snapshot.finishTime);
      assert.equal(job.targetDeploymentItemName, sim.ids.flexTarget);
      assert.equal(job.targetProjectId, g, 'defaults to the source project');
      assert.equal(job.restoreFinishedDate, undefined);
      const createdAt = Date.parse(sim.control.state().restoreJobs[0]!.createdAt);
      assert.equal(job.restoreScheduledDate, iso(createdAt + 1000));
      assert.equal(job.expirationDate, iso(createdAt + 1000 + 6 * HOUR));
      const idSeconds = parseInt(job.id.slice(0, 8), 16);
      assert.ok(Math.abs(idSeconds - Date.now() / 1000) < 5, 'id embeds the real creation second');

      const path = `${flex()}/backup/restoreJobs/${job.id}`;
      const statusAt = async (ms: number) => {
        sim.control.advanceClock(ms);
        return flexRestoreJobSchema.parse((await call(sim, path)).json);
      };
      assert.equal((await statusAt(30_000)).status, 'PENDING');
      assert.equal((await statusAt(60_000)).status, 'QUEUED');
      const running = await statusAt(2 * MINUTE);
      assert.equal(running.status, 'RUNNING');
      assert.equal(deriveRestoreJobState(running), 'in_progress');
      const completed = await statusAt(20 * MINUTE - 3.5 * MINUTE);
      assert.equal(completed.status, 'COMPLETED');
      assert.equal(completed.restoreFinishedDate, iso(createdAt + 20 * MINUTE));
      assert.equal(deriveRestoreJobState(completed), 'finished');
      assert.equal(sim.control.state().restoreJobs[0]!.state, 'finished');
    });

    const endings: [RestoreOutcome, string][] = [
      ['failed', 'FAILED'],
      ['expired', 'FAILED'],
      ['cancelled', 'FAILED'],
    ];
    for (const [outcome, status] of endings) {
      it(`ends a '${outcome}' scenario as ${status}, with restoreFinishedDate`, async () => {
        sim.control.setScenario({ outcome, durationMs: 10 * MINUTE });
        const created = (await restore((await completedSnapshot()).id)).json;
        sim.control.advanceClock(10 * MINUTE);
        const ended = flexRestoreJobSchema.parse(
          (await call(sim, `${flex()}/backup/restoreJobs/${created.id}`)).json,
        );
        assert.equal(ended.status, status);
        assert.ok(ended.restoreFinishedDate);
        assert.equal(deriveRestoreJobState(ended), 'failed');
      });
    }

    it("keeps a 'never' job RUNNING", async () => {
      sim.control.setScenario({ outcome: 'never' });
      const created = (await restore((await completedSnapshot()).id)).json;
      sim.control.advanceClock(7 * DAY);
      const job = (await call(sim, `${flex()}/backup/restoreJobs/${created.id}`)).json;
      assert.equal(job.status, 'RUNNING');
      assert.equal(job.restoreFinishedDate, undefined);
    });

    it('answers 409 while the target is being restored into, naming the running job, and 200 once it is done', async () => {
      const snapshot = await completedSnapshot();
      const first = (await restore(snapshot.id)).json;
      const busy = await restore(snapshot.id);
      assert.equal(busy.status, 409);
      assert.equal(busy.json.errorCode, 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS');
      assert.equal(busy.headers.get('x-error-code'), 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS');
      assert.equal(busy.json.reason, 'Conflict');
      assert.match(busy.json.detail, new RegExp(`restore job ${first.id} .*into ${sim.ids.flexTarget}`));
      apiErrorBodySchema.parse(busy.json);
      assert.equal((await restore(snapshot.id, sim.ids.flexClusterTarget)).status, 200, 'another target');
      sim.control.advanceClock(20 * MINUTE);
      assert.equal((await restore(snapshot.id)).status, 200);
    });

    it('restores into a dedicated cluster, and into another project with targetProjectId', async () => {
      const snapshot = await completedSnapshot();
      const dedicated = await restore(snapshot.id, sim.ids.flexClusterTarget);
      assert.equal(dedicated.status, 200);
      assert.equal(dedicated.json.targetDeploymentItemName, sim.ids.flexClusterTarget);
      const other = await restore(snapshot.id, sim.ids.otherProjectClusterTarget, {
        targetProjectId: sim.ids.otherProjectId,
      });
      assert.equal(other.status, 200);
      assert.equal(other.json.targetProjectId, sim.ids.otherProjectId);
      assert.equal(other.json.projectId, g);
      const wrongProject = await restore(snapshot.id, sim.ids.otherProjectClusterTarget);
      assert.equal(wrongProject.status, 404, 'the target is looked up in the source project by default');
    });

    it('refuses unknown and serverless targets, unknown projects, foreign snapshots and bad bodies', async () => {
      const snapshot = await completedSnapshot();
      for (const target of ['no-such-cluster', sim.ids.serverlessTarget]) {
        const missing = await restore(snapshot.id, target);
        assert.equal(missing.status, 404, target);
        assert.equal(missing.json.errorCode, 'CLUSTER_NOT_FOUND');
        assert.deepEqual(missing.json.parameters, [target, g]);
        assert.equal(missing.json.detail, `No cluster named ${target} exists in group ${g}.`);
      }
      const noProject = await restore(snapshot.id, sim.ids.flexTarget, {
        targetProjectId: 'ffffffffffffffffffffffff',
      });
      assert.equal(noProject.json.errorCode, 'GROUP_NOT_FOUND');
      const clusterSnapshot = (
        await call(sim, `/groups/${g}/clusters/${sim.ids.clusterSource}/backup/snapshots`)
      ).json.results[0];
      const foreign = await restore(clusterSnapshot.id);
      assert.equal(foreign.status, 400);
      assert.match(foreign.json.detail, /belongs to orders-cluster/);
      const noTarget = await call(sim, `${flex()}/backup/restoreJobs`, {
        method: 'POST',
        body: { snapshotId: snapshot.id },
      });
      assert.equal(noTarget.status, 400);
      assert.equal(noTarget.json.errorCode, 'VALIDATION_ERROR');
      assert.deepEqual(noTarget.json.parameters, ['targetDeploymentItemName']);
      const cliBody = await restore(snapshot.id, sim.ids.flexTarget, { instanceName: sim.ids.flexSource });
      assert.equal(cliBody.status, 200, 'the Atlas CLI also sends instanceName');
    });

    it('lists jobs newest first, paginated', async () => {
      const snapshot = await completedSnapshot();
      const a = (await restore(snapshot.id, sim.ids.flexTarget)).json;
      const b = (await restore(snapshot.id, sim.ids.flexClusterTarget)).json;
      const list = await call(sim, `${flex()}/backup/restoreJobs`);
      const page = pageSchema(flexRestoreJobSchema).parse(list.json);
      assert.deepEqual(
        page.results.map((j) => j.id),
        [b.id, a.id],
      );
      const first = await call(sim, `${flex()}/backup/restoreJobs?itemsPerPage=1`);
      assert.equal(first.json.results[0].id, b.id);
      assert.ok(first.json.links.some((l: { rel: string }) => l.rel === 'next'));
    });

    it('has no cancel: DELETE answers 405 with Allow: GET and the job runs on', async () => {
      const created = (await restore((await completedSnapshot()).id)).json;
      const path = `${flex()}/backup/restoreJobs/${created.id}`;
      const deleted = await call(sim, path, { method: 'DELETE' });
      assert.equal(deleted.status, 405);
      assert.equal(deleted.headers.get('allow'), 'GET');
      sim.control.advanceClock(20 * MINUTE);
      assert.equal((await call(sim, path)).json.status, 'COMPLETED');
    });
  });

  describe('download', () => {
    it('answers 200 with a DOWNLOAD job whose snapshotUrl appears when it completes, valid 4 h from the request', async () => {
      const snapshot = await completedSnapshot();
      const created = await call(sim, `${flex()}/backup/download`, {
        method: 'POST',
        body: { snapshotId: snapshot.id },
      });
      assert.equal(created.status, 200);
      assert.equal(created.headers.get('content-type'), FLEX_MEDIA_TYPE);
      const job = flexRestoreJobSchema.parse(created.json);
      assert.equal(job.deliveryType, 'DOWNLOAD');
      assert.equal(job.status, 'PENDING');
      assert.equal(created.json.snapshotUrl, undefined);
      assert.equal(job.targetDeploymentItemName, undefined);
      assert.equal(job.targetProjectId, undefined);
      assert.equal(Date.parse(job.expirationDate!) - Date.parse(job.restoreScheduledDate!), 4 * HOUR);
      sim.control.advanceClock(20 * MINUTE);
      const ready = (await call(sim, `${flex()}/backup/restoreJobs/${job.id}`)).json;
      assert.equal(ready.status, 'COMPLETED');
      assert.match(ready.snapshotUrl, /^https:\/\/restore-[0-9a-f]{24}\..*\.tar\.gz$/);
      const bad = await call(sim, `${flex()}/backup/download`, { method: 'POST', body: {} });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errorCode, 'VALIDATION_ERROR');
    });
  });

  describe('kind confusion (the Atlas CLI probes the Flex API first)', () => {
    const job = 'aaaaaaaaaaaaaaaaaaaaaaaa';
    const subPaths = (base: string, snapshotId: string) => [
      { path: base },
      { path: `${base}/backup/snapshots` },
      { path: `${base}/backup/snapshots/${snapshotId}` },
      { path: `${base}/backup/restoreJobs` },
      { path: `${base}/backup/restoreJobs/${job}` },
      { path: `${base}/backup/restoreJobs`, method: 'POST', body: {} },
    ];
    const expectError = async (
      request: { path: string; method?: string; body?: unknown },
      status: number,
      body: Record<string, unknown>,
    ) => {
      const result = await call(sim, request.path, request);
      const where = `${request.method ?? 'GET'} ${request.path}`;
      assert.equal(result.status, status, `${where}: ${result.text}`);
      assert.deepEqual(result.json, body, where);
      assert.equal(result.headers.get('content-type'), 'application/json', where);
      assert.equal(result.headers.get('x-error-code'), body.errorCode, where);
    };

    it('a dedicated cluster under /flexClusters: 400 CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API on every sub-path', async () => {
      const name = sim.ids.clusterSource;
      const base = `/groups/${g}/flexClusters/${name}`;
      const recorded = {
        detail: `Cannot use non-flex cluster ${name} in the flex API.`,
        error: 400,
        errorCode: 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
        parameters: [name],
        reason: 'Bad Request',
      };
      for (const request of [
        ...subPaths(base, job),
        { path: `${base}/backup/download`, method: 'POST', body: { snapshotId: job } },
      ])
        await expectError(request, 400, recorded);
    });

    it('a Flex cluster under /clusters: 400 CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API on every sub-path', async () => {
      const name = sim.ids.flexSource;
      const base = `/groups/${g}/clusters/${name}`;
      const recorded = {
        detail: `Flex cluster ${name} cannot be used in the Cluster API.`,
        error: 400,
        errorCode: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
        parameters: [name],
        reason: 'Bad Request',
      };
      for (const request of [
        ...subPaths(base, job),
        { path: base, method: 'PATCH', body: { pitEnabled: true } },
        { path: `${base}/backup/restoreJobs/${job}`, method: 'DELETE' },
      ])
        await expectError(request, 400, recorded);
    });

    it('a name that is no Flex cluster: the Flex 404 (CLUSTER_NOT_FOUND, as recorded), serverless names included', async () => {
      for (const name of ['no-such-cluster', sim.ids.serverlessSource]) {
        const notFound = {
          detail: `No cluster named ${name} exists in group ${g}.`,
          error: 404,
          errorCode: 'CLUSTER_NOT_FOUND',
          parameters: [name, g],
          reason: 'Not Found',
        };
        for (const request of subPaths(`/groups/${g}/flexClusters/${name}`, job))
          await expectError(request, 404, notFound);
      }
    });

    it('a Flex cluster under /serverless: the serverless API’s 400 for clusters', async () => {
      const result = await call(sim, `/groups/${g}/serverless/${sim.ids.flexSource}/backup/restoreJobs`);
      assert.equal(result.status, 400);
      assert.equal(result.json.errorCode, 'CANNOT_USE_CLUSTER_IN_SERVERLESS_INSTANCE_API');
    });

    it('lets a test give the Flex 404 its own code', async () => {
      await withSimulator(
        { errorCodes: { flexClusterNotFound: 'FLEX_CLUSTER_NOT_FOUND' } },
        async (custom) => {
          const result = await call(custom, `/groups/${g}/flexClusters/nope`);
          assert.equal(result.json.errorCode, 'FLEX_CLUSTER_NOT_FOUND');
          const cluster = await call(custom, `/groups/${g}/clusters/nope`);
          assert.equal(cluster.json.errorCode, 'CLUSTER_NOT_FOUND');
        },
      );
    });
  });
});
