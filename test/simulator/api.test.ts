import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  apiErrorBodySchema,
  clusterSchema,
  pageSchema,
  projectSchema,
  restoreJobSchema,
  serverlessInstanceSchema,
  snapshotSchema,
} from '../../src/atlas/schemas';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { call, challengeParams, digestHeader } from './helpers';

describe('simulator API surface', () => {
  let sim: RunningSimulator;
  let g: string;
  before(async () => {
    sim = await startSimulator({});
    g = sim.ids.projectId;
  });
  after(() => sim.close());

  const serverless = () => `/groups/${g}/serverless/${sim.ids.serverlessSource}`;
  const cluster = () => `/groups/${g}/clusters/${sim.ids.clusterSource}`;

  describe('versioned Accept on v2', () => {
    it('answers 406 INVALID_VERSION_DATE without a versioned Accept, or with a date the resource lacks', async () => {
      for (const accept of [
        null,
        'application/json',
        'application/vnd.atlas.2022-12-31+json',
        'application/vnd.atlas.2023-05-05+json',
      ]) {
        const result = await call(sim, serverless(), { accept });
        assert.equal(result.status, 406, `Accept ${accept}`);
        assert.equal(result.json.errorCode, 'INVALID_VERSION_DATE');
        assert.equal(result.headers.get('x-error-code'), 'INVALID_VERSION_DATE');
        assert.equal(result.headers.get('content-type'), 'application/json');
      }
      const tooOldForClusters = await call(sim, cluster(), {
        accept: 'application/vnd.atlas.2023-01-01+json',
      });
      assert.equal(tooOldForClusters.status, 406);
    });

    it('serves the newest version not later than the one asked for, and names it in Content-Type', async () => {
      const exact = await call(sim, serverless());
      assert.equal(exact.status, 200);
      assert.equal(exact.headers.get('content-type'), 'application/vnd.atlas.2023-01-01+json;charset=utf-8');
      const later = await call(sim, serverless(), { accept: 'application/vnd.atlas.2025-03-12+json' });
      assert.equal(later.status, 200);
      assert.equal(later.headers.get('content-type'), 'application/vnd.atlas.2023-01-01+json;charset=utf-8');
    });

    it('can serve the oldest version when the versioned Accept is not required', async () => {
      const lenient = await startSimulator({ versionedAcceptRequired: false });
      try {
        const result = await call(lenient, `/groups/${g}/clusters/${lenient.ids.clusterSource}`, {
          accept: null,
        });
        assert.equal(result.status, 200);
        assert.equal(
          result.headers.get('content-type'),
          'application/vnd.atlas.2023-02-01+json;charset=utf-8',
        );
      } finally {
        await lenient.close();
      }
    });

    it('gives clusters their 2023-02-01 and 2024-08-05 shapes, with the observed deprecation headers on the older', async () => {
      const older = await call(sim, cluster(), { accept: 'application/vnd.atlas.2023-02-01+json' });
      assert.equal(older.status, 200);
      assert.equal(older.json.diskSizeGB, 30);
      assert.equal(older.json.replicationSpecs[0].numShards, 1);
      assert.equal(older.headers.get('deprecation'), 'Mon, 5 Aug 2024 00:00:00 GMT');
      assert.equal(older.headers.get('sunset'), 'Thu, 1 Jul 2027 00:00:00 GMT');
      const newer = await call(sim, cluster());
      assert.equal(newer.status, 200);
      assert.equal(newer.json.diskSizeGB, undefined);
      assert.equal(newer.json.replicationSpecs[0].regionConfigs[0].electableSpecs.diskSizeGB, 30);
      assert.equal(newer.headers.get('deprecation'), null);
      for (const body of [older.json, newer.json]) {
        assert.equal(body.backupEnabled, true);
        assert.equal(body.pitEnabled, false);
        assert.equal(body.providerBackupEnabled, undefined);
      }
    });

    it('answers a cluster PATCH in 2024-10-23, which only that operation has', async () => {
      const accept = 'application/vnd.atlas.2024-10-23+json';
      const patched = await call(sim, `/groups/${g}/clusters/${sim.ids.clusterTarget}`, {
        method: 'PATCH',
        accept,
        body: { terminationProtectionEnabled: false },
      });
      assert.equal(patched.status, 200);
      assert.equal(
        patched.headers.get('content-type'),
        'application/vnd.atlas.2024-10-23+json;charset=utf-8',
      );
      const got = await call(sim, cluster(), { accept });
      assert.equal(got.headers.get('content-type'), 'application/vnd.atlas.2024-08-05+json;charset=utf-8');
    });

    it('puts the serverless Deprecation and Sunset headers on serverless routes, errors included', async () => {
      for (const path of [
        serverless(),
        `${serverless()}/backup/snapshots`,
        `/groups/${g}/serverless/missing`,
      ]) {
        const result = await call(sim, path);
        assert.equal(result.headers.get('deprecation'), 'Wed, 10 Dec 2025 00:00:00 GMT', path);
        assert.equal(result.headers.get('sunset'), 'Thu, 15 Jan 2026 00:00:00 GMT', path);
      }
      assert.equal((await call(sim, cluster())).headers.get('sunset'), null);
    });
  });

  describe('v1.0', () => {
    it('speaks plain JSON with providerBackupEnabled on clusters and 201 on restore create', async () => {
      const got = await call(sim, cluster(), { flavour: 'v1.0' });
      assert.equal(got.status, 200);
      assert.match(got.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(got.json.providerBackupEnabled, true);
      assert.equal(got.json.backupEnabled, false);
      assert.equal(got.json.pitEnabled, false);
      assert.ok(got.json.links[0].href.includes('/api/atlas/v1.0/'));
      clusterSchema.parse(got.json);

      const snapshots = await call(sim, `${serverless()}/backup/snapshots`, { flavour: 'v1.0' });
      const created = await call(sim, `${serverless()}/backup/restoreJobs`, {
        flavour: 'v1.0',
        method: 'POST',
        body: {
          deliveryType: 'automated',
          snapshotId: snapshots.json.results[0].id,
          targetClusterName: sim.ids.serverlessTarget,
          targetGroupId: g,
        },
      });
      assert.equal(created.status, 201);
      restoreJobSchema.parse(created.json);
    });

    it('needs no Accept header', async () => {
      assert.equal((await call(sim, serverless(), { flavour: 'v1.0', accept: null })).status, 200);
    });
  });

  describe('errors (docs/atlas.md#errors)', () => {
    const expectError = async (path: string, status: number, errorCode: string, options = {}) => {
      const result = await call(sim, path, options);
      assert.equal(result.status, status, `${path}: ${result.text}`);
      assert.equal(result.json.errorCode, errorCode);
      assert.equal(result.json.error, status);
      assert.equal(typeof result.json.detail, 'string');
      assert.ok(Array.isArray(result.json.parameters));
      assert.equal(typeof result.json.reason, 'string');
      assert.equal(result.headers.get('x-error-code'), errorCode);
      assert.equal(result.headers.get('content-type'), 'application/json');
      apiErrorBodySchema.parse(result.json);
      return result.json;
    };

    it('404 GROUP_NOT_FOUND, 400 INVALID_GROUP_ID', async () => {
      const missing = 'ffffffffffffffffffffffff';
      const body = await expectError(`/groups/${missing}/serverless`, 404, 'GROUP_NOT_FOUND');
      assert.equal(body.detail, `No group with ID ${missing} exists.`);
      assert.equal(body.reason, 'Not Found');
      await expectError('/groups/not-an-id/clusters', 400, 'INVALID_GROUP_ID');
    });

    it('404 SERVERLESS_INSTANCE_NOT_FOUND and CLUSTER_NOT_FOUND with the recorded detail and parameters', async () => {
      await expectError(`/groups/${g}/serverless/nope`, 404, 'SERVERLESS_INSTANCE_NOT_FOUND');
      const body = await expectError(`/groups/${g}/clusters/nope`, 404, 'CLUSTER_NOT_FOUND');
      assert.equal(body.detail, `No cluster named nope exists in group ${g}.`);
      assert.deepEqual(body.parameters, ['nope', g]);
    });

    it("400 CANNOT_USE_* when the other kind's API is used", async () => {
      await expectError(
        `/groups/${g}/clusters/${sim.ids.serverlessSource}`,
        400,
        'CANNOT_USE_SERVERLESS_INSTANCE_IN_CLUSTER_API',
      );
      await expectError(
        `/groups/${g}/serverless/${sim.ids.clusterSource}`,
        400,
        'CANNOT_USE_CLUSTER_IN_SERVERLESS_INSTANCE_API',
      );
      await expectError(
        `/groups/${g}/serverless/${sim.ids.clusterSource}/backup/restoreJobs`,
        400,
        'CANNOT_USE_CLUSTER_IN_SERVERLESS_INSTANCE_API',
      );
    });

    it('404 for unknown snapshots, restore jobs and resources', async () => {
      const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';
      await expectError(`${serverless()}/backup/snapshots/${id}`, 404, 'SNAPSHOT_NOT_FOUND');
      await expectError(`${cluster()}/backup/restoreJobs/${id}`, 404, 'RESTORE_JOB_NOT_FOUND');
      const body = await expectError(`/groups/${g}/flexibleThings`, 404, 'RESOURCE_NOT_FOUND');
      assert.match(body.detail, /^Cannot find resource \/api\/atlas\/v2\/groups\//);
    });

    it('405 with Allow for a serverless restore-job cancel, which Atlas does not have', async () => {
      const result = await call(sim, `${serverless()}/backup/restoreJobs/aaaaaaaaaaaaaaaaaaaaaaaa`, {
        method: 'DELETE',
      });
      assert.equal(result.status, 405);
      assert.equal(result.headers.get('allow'), 'GET');
    });

    it('400 VALIDATION_ERROR naming the field and the rule, with badRequestDetail', async () => {
      const body = await expectError(`${serverless()}/backup/restoreJobs`, 400, 'VALIDATION_ERROR', {
        method: 'POST',
        body: { deliveryType: 'automated', targetGroupId: g },
      });
      assert.match(body.detail, /snapshotId: is required for automated restores/);
      assert.match(body.detail, /targetClusterName: is required for automated restores/);
      assert.deepEqual(body.badRequestDetail.fields.map((f: { field: string }) => f.field).sort(), [
        'snapshotId',
        'targetClusterName',
      ]);
      const wrongType = await expectError(`${serverless()}`, 400, 'VALIDATION_ERROR', {
        method: 'PATCH',
        body: { serverlessBackupOptions: { serverlessContinuousBackupEnabled: 'yes' } },
      });
      assert.match(wrongType.detail, /serverlessBackupOptions\.serverlessContinuousBackupEnabled/);
    });

    it('400 INVALID_JSON for a body that is not JSON', async () => {
      const uri = `${serverless()}/backup/restoreJobs`;
      const challenge = await fetch(`${sim.url}/api/atlas/v2${uri}`, { method: 'POST' });
      await challenge.arrayBuffer();
      const nonce = challengeParams(challenge.headers.get('www-authenticate')).nonce!;
      const response = await fetch(`${sim.url}/api/atlas/v2${uri}`, {
        method: 'POST',
        headers: {
          Accept: 'application/vnd.atlas.2023-01-01+json',
          'Content-Type': 'application/json',
          Authorization: digestHeader(sim.credentials, 'POST', `/api/atlas/v2${uri}`, nonce),
        },
        body: '{"deliveryType": ',
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { errorCode: string }).errorCode, 'INVALID_JSON');
    });

    it('400 INVALID_PARAMETER for paging outside its range', async () => {
      const body = await expectError(
        `${serverless()}/backup/snapshots?itemsPerPage=501`,
        400,
        'INVALID_PARAMETER',
      );
      assert.match(body.detail, /itemsPerPage/);
      await expectError(`${serverless()}/backup/snapshots?pageNum=0`, 400, 'INVALID_PARAMETER');
      await expectError(`${serverless()}/backup/snapshots?includeCount=maybe`, 400, 'INVALID_PARAMETER');
    });

    it('lets a test replace any errorCode of the table', async () => {
      const custom = await startSimulator({
        errorCodes: { snapshotNotFound: 'CLOUD_BACKUP_SNAPSHOT_NOT_FOUND' },
      });
      try {
        const result = await call(
          custom,
          `/groups/${g}/serverless/${custom.ids.serverlessSource}/backup/snapshots/aaaaaaaaaaaaaaaaaaaaaaaa`,
        );
        assert.equal(result.json.errorCode, 'CLOUD_BACKUP_SNAPSHOT_NOT_FOUND');
        assert.equal(result.headers.get('x-error-code'), 'CLOUD_BACKUP_SNAPSHOT_NOT_FOUND');
      } finally {
        await custom.close();
      }
    });
  });

  describe('pagination and envelope', () => {
    it('pages with self and next links like the recordings, newest first', async () => {
      const all = await call(sim, `${cluster()}/backup/snapshots`);
      assert.equal(all.status, 200);
      const total = all.json.totalCount as number;
      assert.equal(all.json.results.length, total);
      assert.deepEqual(all.json.links, [
        {
          href: `${sim.url}/api/atlas/v2${cluster()}/backup/snapshots?includeCount=true&pageNum=1&itemsPerPage=100`,
          rel: 'self',
        },
      ]);
      const created = all.json.results.map((s: { createdAt: string }) => s.createdAt);
      assert.deepEqual(created, [...created].sort().reverse());

      const first = await call(sim, `${cluster()}/backup/snapshots?itemsPerPage=1`);
      assert.equal(first.json.results.length, 1);
      assert.equal(first.json.results[0].id, all.json.results[0].id);
      const next = first.json.links.find((l: { rel: string }) => l.rel === 'next');
      assert.equal(
        next.href,
        `${sim.url}/api/atlas/v2${cluster()}/backup/snapshots?includeCount=true&pageNum=2&itemsPerPage=1`,
      );
      const second = await call(sim, next.href.slice(`${sim.url}/api/atlas/v2`.length));
      assert.equal(second.json.results[0].id, all.json.results[1].id);
      const last = await call(sim, `${cluster()}/backup/snapshots?itemsPerPage=1&pageNum=${total}`);
      assert.equal(
        last.json.links.some((l: { rel: string }) => l.rel === 'next'),
        false,
      );

      const uncounted = await call(sim, `${cluster()}/backup/snapshots?includeCount=false`);
      assert.equal(uncounted.json.totalCount, undefined);
      assert.match(uncounted.json.links[0].href, /includeCount=false/);
    });

    it('wraps single objects in {status, content} and adds status to lists with envelope=true', async () => {
      const single = await call(sim, `${serverless()}?envelope=true`);
      assert.equal(single.status, 200);
      assert.equal(single.json.status, 200);
      assert.equal(single.json.content.name, sim.ids.serverlessSource);
      serverlessInstanceSchema.parse(single.json.content);
      const list = await call(sim, `/groups?envelope=true`);
      assert.equal(list.json.status, 200);
      assert.equal(list.json.results[0].id, g);
      const pretty = await call(sim, `/groups?pretty=true`);
      assert.match(pretty.text, /^\{\n {2}"links"/);
    });
  });

  it("produces bodies every main route's schema in src/atlas/schemas.ts accepts", async () => {
    const projects = await call(sim, '/groups');
    pageSchema(projectSchema).parse(projects.json);
    pageSchema(serverlessInstanceSchema).parse((await call(sim, `/groups/${g}/serverless`)).json);
    pageSchema(clusterSchema).parse((await call(sim, `/groups/${g}/clusters`)).json);
    serverlessInstanceSchema.parse((await call(sim, serverless())).json);
    clusterSchema.parse((await call(sim, cluster())).json);
    clusterSchema.parse(
      (await call(sim, cluster(), { accept: 'application/vnd.atlas.2023-02-01+json' })).json,
    );

    for (const [kind, base, target] of [
      ['serverless', serverless(), sim.ids.serverlessTarget],
      ['cluster', cluster(), sim.ids.clusterTarget],
    ] as const) {
      const snapshots = pageSchema(snapshotSchema).parse((await call(sim, `${base}/backup/snapshots`)).json);
      assert.ok(snapshots.results.length >= 2, `${kind} has completed snapshots`);
      const snapshot = snapshotSchema.parse(
        (await call(sim, `${base}/backup/snapshots/${snapshots.results[0]!.id}`)).json,
      );
      assert.equal(snapshot.status, 'completed');
      const created = await call(sim, `${base}/backup/restoreJobs`, {
        method: 'POST',
        body: {
          deliveryType: 'automated',
          snapshotId: snapshot.id,
          targetClusterName: target,
          targetGroupId: g,
        },
      });
      assert.equal(created.status, 200);
      const job = restoreJobSchema.parse(created.json);
      assert.equal(job.cancelled, false);
      assert.equal(job.failed, false);
      assert.equal(job.expired, false);
      assert.equal(job.finishedAt, undefined);
      assert.deepEqual(created.json.desiredTimestamp, { increment: null, time: null, date: null });
      assert.equal(created.json.timestamp, snapshot.createdAt);
      assert.deepEqual(
        created.json.links.map((l: { rel: string }) => l.rel),
        [
          'self',
          'https://cloud.mongodb.com/snapshot',
          kind === 'serverless'
            ? 'https://cloud.mongodb.com/serverlessInstance'
            : 'https://cloud.mongodb.com/cluster',
          'https://cloud.mongodb.com/group',
        ],
      );
      restoreJobSchema.parse((await call(sim, `${base}/backup/restoreJobs/${job.id}`)).json);
      const jobs = pageSchema(restoreJobSchema).parse((await call(sim, `${base}/backup/restoreJobs`)).json);
      assert.equal(jobs.results[0]!.id, job.id);
    }
  });

  it('sends RateLimit-Limit and RateLimit-Remaining on API responses', async () => {
    assert.equal((await call(sim, serverless())).headers.get('ratelimit-limit'), '1200');
    // The default bucket refills 10 tokens a second, so two calls can see the same remainder; a bucket
    // that barely refills shows each call taking one.
    const slow = await startSimulator({
      faults: { rateLimit: { capacity: 50, refillRate: 1, refillDurationSeconds: 3600 } },
    });
    try {
      const path = `/groups/${g}/serverless/${slow.ids.serverlessSource}`;
      const first = await call(slow, path);
      const second = await call(slow, path);
      assert.equal(first.headers.get('ratelimit-limit'), '50');
      assert.equal(first.headers.get('ratelimit-remaining'), '49');
      assert.equal(second.headers.get('ratelimit-remaining'), '48');
    } finally {
      await slow.close();
    }
  });
});
