import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { clusterSchema, projectSchema, serverlessInstanceSchema } from '../../src/atlas/schemas';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { MINUTE, call } from './helpers';

/**
 * Behaviours that MongoDB's Go SDK and the Atlas CLI rely on and the simulator once got wrong: the project
 * GET, a PATCH built from a whole description, the Content-Type of a 204, and the CLI's fallback from the
 * Flex API to the cluster API.
 */
describe('simulator fidelity with Atlas clients', () => {
  let sim: RunningSimulator;
  let g: string;
  before(async () => {
    sim = await startSimulator({});
    g = sim.ids.projectId;
  });
  beforeEach(() => sim.control.reset());
  after(() => sim.close());

  describe('GET /groups/{groupId}', () => {
    it('serves the project in 2023-01-01 on v2 and on v1.0', async () => {
      const got = await call(sim, `/groups/${g}`);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'application/vnd.atlas.2023-01-01+json;charset=utf-8');
      const project = projectSchema.parse(got.json);
      assert.equal(project.id, g);
      assert.equal(project.name, sim.ids.projectName);
      assert.equal(project.orgId, sim.ids.orgId);
      assert.deepEqual(Object.keys(got.json), ['clusterCount', 'created', 'id', 'links', 'name', 'orgId']);
      assert.equal(got.json.clusterCount, 7, 'every deployment of the project');
      assert.equal(got.json.created, '2024-05-01T09:00:00Z');
      assert.deepEqual(got.json.links, [{ href: `${sim.url}/api/atlas/v2/groups/${g}`, rel: 'self' }]);
      const v1 = await call(sim, `/groups/${sim.ids.otherProjectId}`, { flavour: 'v1.0' });
      assert.equal(v1.status, 200);
      assert.equal(v1.json.name, sim.ids.otherProjectName);
      assert.equal(v1.json.clusterCount, 1);
    });

    it('answers an unknown project with the recorded 404 GROUP_NOT_FOUND', async () => {
      const missing = '111111111111111111111111';
      const result = await call(sim, `/groups/${missing}`);
      assert.equal(result.status, 404);
      assert.equal(result.headers.get('x-error-code'), 'GROUP_NOT_FOUND');
      assert.deepEqual(result.json, {
        detail: `No group with ID ${missing} exists.`,
        error: 404,
        errorCode: 'GROUP_NOT_FOUND',
        parameters: [missing],
        reason: 'Not Found',
      });
      assert.equal((await call(sim, '/groups/not-an-id')).json.errorCode, 'INVALID_GROUP_ID');
    });
  });

  describe('PATCH built from the whole description (GET, modify, PATCH back)', () => {
    const cluster = () => `/groups/${g}/clusters/${sim.ids.clusterSource}`;

    for (const version of ['2024-08-05', '2024-10-23', '2023-02-01']) {
      it(`accepts a dedicated cluster's own ${version} description and applies pitEnabled`, async () => {
        const accept = `application/vnd.atlas.${version}+json`;
        const description = (await call(sim, cluster(), { accept })).json;
        for (const field of ['replicationSpecs', 'connectionStrings', 'id', 'groupId', 'stateName', 'links'])
          assert.ok(field in description, field);
        if (version !== '2023-02-01') assert.equal(description.configServerManagementMode, 'ATLAS_MANAGED');
        const patched = await call(sim, cluster(), {
          method: 'PATCH',
          accept,
          body: { ...description, pitEnabled: true },
        });
        assert.equal(patched.status, 200, patched.text);
        assert.equal(patched.json.stateName, 'UPDATING');
        assert.equal(patched.json.pitEnabled, true);
        clusterSchema.parse(patched.json);
      });
    }

    it('ignores a stale stateName and links from another host, and accepts a description that changes nothing', async () => {
      const description = (await call(sim, cluster())).json;
      const stale = {
        ...description,
        stateName: 'UPDATING',
        links: [{ href: 'https://cloud.mongodb.com/elsewhere', rel: 'self' }],
      };
      const unchanged = await call(sim, cluster(), { method: 'PATCH', body: stale });
      assert.equal(unchanged.status, 200, unchanged.text);
      assert.equal(unchanged.json.stateName, 'IDLE', 'nothing changed, so no update');
    });

    it('still refuses unknown attributes, changed read-only fields and changes it does not model', async () => {
      const description = (await call(sim, cluster())).json;
      const patch = (body: unknown) => call(sim, cluster(), { method: 'PATCH', body });
      const unknown = await patch({ ...description, notAnAttribute: 1 });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.errorCode, 'INVALID_ATTRIBUTE');
      assert.equal(unknown.json.detail, 'Invalid attribute notAnAttribute specified.');
      const readOnly = await patch({ ...description, id: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
      assert.equal(readOnly.status, 400);
      assert.equal(readOnly.json.errorCode, 'ATTRIBUTE_READ_ONLY');
      assert.deepEqual(readOnly.json.parameters, ['id']);
      const renamed = await patch({ ...description, name: 'renamed' });
      assert.equal(renamed.json.errorCode, 'CLUSTER_CANNOT_CHANGE_NAME');
      const resized = structuredClone(description);
      resized.replicationSpecs[0].regionConfigs[0].electableSpecs.diskSizeGB = 40;
      resized.pitEnabled = true;
      const notModelled = await patch(resized);
      assert.equal(notModelled.status, 400);
      assert.equal(notModelled.json.errorCode, 'INVALID_ATTRIBUTE');
      assert.match(notModelled.json.detail, /replicationSpecs/);
      assert.equal((await call(sim, cluster())).json.pitEnabled, false, 'a refused PATCH changes nothing');
    });

    it('accepts the v1.0 description with providerBackupEnabled and pitEnabled', async () => {
      const target = `/groups/${g}/clusters/${sim.ids.clusterTarget}`;
      const description = (await call(sim, target, { flavour: 'v1.0' })).json;
      const patched = await call(sim, target, {
        flavour: 'v1.0',
        method: 'PATCH',
        body: { ...description, pitEnabled: true },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json.pitEnabled, true);
      assert.equal(patched.json.providerBackupEnabled, true);
    });

    it('accepts a serverless instance’s own description too', async () => {
      const path = `/groups/${g}/serverless/${sim.ids.serverlessSource}`;
      const description = (await call(sim, path)).json;
      const patched = await call(sim, path, {
        method: 'PATCH',
        body: { ...description, serverlessBackupOptions: { serverlessContinuousBackupEnabled: true } },
      });
      assert.equal(patched.status, 200, patched.text);
      const instance = serverlessInstanceSchema.parse(patched.json);
      assert.equal(instance.serverlessBackupOptions?.serverlessContinuousBackupEnabled, true);
      assert.equal(instance.stateName, 'UPDATING');
      const unknown = await call(sim, path, { method: 'PATCH', body: { ...description, diskSizeGB: 5 } });
      assert.equal(unknown.json.errorCode, 'INVALID_ATTRIBUTE');
    });
  });

  describe('204 answers', () => {
    it('name the versioned media type on v2 and JSON on v1.0, with an empty body', async () => {
      for (const flavour of ['v2', 'v1.0'] as const) {
        const base = `/groups/${g}/clusters/${sim.ids.clusterSource}/backup`;
        const snapshot = (await call(sim, `${base}/snapshots`, { flavour })).json.results[0];
        const created = await call(sim, `${base}/restoreJobs`, {
          flavour,
          method: 'POST',
          body: { deliveryType: 'download', snapshotId: snapshot.id },
        });
        const cancelled = await call(sim, `${base}/restoreJobs/${created.json.id}`, {
          flavour,
          method: 'DELETE',
        });
        assert.equal(cancelled.status, 204);
        assert.equal(cancelled.text, '');
        assert.equal(
          cancelled.headers.get('content-type'),
          flavour === 'v2'
            ? 'application/vnd.atlas.2023-01-01+json;charset=utf-8'
            : 'application/json;charset=utf-8',
        );
      }
    });
  });

  describe("the Atlas CLI's Flex-first probe on a dedicated cluster", () => {
    /** What `atlas backups snapshots list` and `restores describe|watch|list` do: Flex first, then clusters. */
    async function cliGet(name: string, subPath: string) {
      const flex = await call(sim, `/groups/${g}/flexClusters/${name}${subPath}`);
      if (flex.status === 400 && flex.json.errorCode === 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API')
        return { probe: flex, answer: await call(sim, `/groups/${g}/clusters/${name}${subPath}`) };
      return { probe: flex, answer: flex };
    }

    it('gets the recorded 400 on snapshots list, restore job get and restore job list, then the cluster API answers', async () => {
      const name = sim.ids.clusterSource;
      const snapshots = await cliGet(name, '/backup/snapshots');
      assert.deepEqual(snapshots.probe.json, {
        detail: `Cannot use non-flex cluster ${name} in the flex API.`,
        error: 400,
        errorCode: 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
        parameters: [name],
        reason: 'Bad Request',
      });
      assert.equal(snapshots.answer.status, 200);
      assert.ok(snapshots.answer.json.results.length > 0);

      const job = await call(sim, `/groups/${g}/clusters/${name}/backup/restoreJobs`, {
        method: 'POST',
        body: {
          deliveryType: 'automated',
          snapshotId: snapshots.answer.json.results[0].id,
          targetClusterName: sim.ids.clusterTarget,
          targetGroupId: g,
        },
      });
      const described = await cliGet(name, `/backup/restoreJobs/${job.json.id}`);
      assert.equal(described.probe.status, 400);
      assert.equal(described.probe.headers.get('x-error-code'), 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API');
      assert.equal(described.answer.status, 200);
      assert.equal(described.answer.json.id, job.json.id);
      sim.control.advanceClock(20 * MINUTE);
      const listed = await cliGet(name, '/backup/restoreJobs');
      assert.equal(listed.probe.status, 400);
      assert.equal(listed.answer.json.results[0].id, job.json.id);
      assert.ok(listed.answer.json.results[0].finishedAt, 'watch sees it finish');
    });
  });
});
