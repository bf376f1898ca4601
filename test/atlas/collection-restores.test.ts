/**
 * Collection- and database-level restores through the Atlas client against the simulator over real HTTP
 * (Digest auth): the dedicated kind's wire operations, the kind-neutral views and create spec of the backup
 * API, refusals before anything is sent, and Atlas errors kept whole.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { AtlasBackupApi, DeploymentRef } from '../../src/atlas/api';
import { createBackupApi } from '../../src/atlas/backup-api';
import { createAtlasClient, paginate, type AtlasClient } from '../../src/atlas/client';
import { AtlasApiError } from '../../src/atlas/errors';
import { collectionRestoreJobSchema, collectionRestoreJobView } from '../../src/atlas/schemas';
import type { CollectionRestoreSpec } from '../../src/common/atlas-views';
import { startSimulator, type RunningSimulator } from '../../src/simulator';

const MINUTE = 60_000;

async function rejection(promise: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AtlasApiError, `expected AtlasApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('collection restores through the Atlas client', () => {
  let sim: RunningSimulator;
  let atlas: AtlasClient;
  let legacy: AtlasClient;
  let api: AtlasBackupApi;
  let source: DeploymentRef;
  let snapshotId: string;

  const clientFor = (apiVersion: 'v2' | 'v1.0') =>
    createAtlasClient({
      baseUrl: sim.url,
      apiVersion,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
  before(async () => {
    sim = await startSimulator({
      timeScale: 1e-6,
      startTime: '2026-06-01T00:00:00Z',
      faults: { rateLimit: false },
    });
    atlas = clientFor('v2');
    legacy = clientFor('v1.0');
    api = createBackupApi(atlas);
  });
  beforeEach(() => {
    sim.control.reset();
    source = { kind: 'cluster', groupId: sim.ids.projectId, name: sim.ids.clusterSource };
    snapshotId = sim.control
      .state()
      .deployments.find((d) => d.name === source.name)!
      .snapshots.find((s) => s.status === 'completed')!.id;
  });
  after(async () => {
    await atlas?.close();
    await legacy?.close();
    await sim?.close();
  });

  const spec = (extra: Partial<CollectionRestoreSpec> = {}): CollectionRestoreSpec =>
    ({
      target: { groupId: sim.ids.projectId, name: sim.ids.clusterTarget },
      snapshotId,
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'ALL',
      databases: [{ source: 'shop', target: 'shop_copy' }],
      collections: [{ source: 'analytics.events' }],
      collectionSuffix: '_r',
      ...extra,
    }) as CollectionRestoreSpec;
  const sent = () => sim.control.requests().entries.length;
  const slow = (durationMs = 100 * MINUTE) =>
    sim.control.setScenario({ outcome: 'finished', durationMs, appliesTo: 'collectionRestoreJob' });

  it('creates, reads, lists and pages jobs and their collections with the wire operations', async () => {
    slow();
    const created = await atlas.clusters.createCollectionRestoreJob(source, {
      targetClusterName: sim.ids.clusterTarget,
      targetGroupId: sim.ids.projectId,
      writeStrategy: 'OVERWRITE_EXISTING',
      indexStrategy: 'NONE',
      snapshotId,
      collections: [{ sourceNamespace: 'shop.orders' }, { sourceNamespace: 'shop.customers' }],
    });
    assert.equal(created.state, 'INITIALIZING');
    assert.equal(created.writeStrategy, 'OVERWRITE_EXISTING');
    const got = await atlas.clusters.getCollectionRestoreJob(source, created.id);
    assert.equal(got.id, created.id);
    assert.deepEqual((await atlas.clusters.listCollectionRestoreCollections(source, created.id)).results, []);
    sim.control.advanceClock(30 * MINUTE);
    const collections = [];
    for await (const entry of paginate(
      (page) => atlas.clusters.listCollectionRestoreCollections(source, created.id, page),
      { itemsPerPage: 1 },
    ))
      collections.push(entry);
    assert.deepEqual(
      collections.map((c) => [c.sourceNamespace, c.effectiveTargetNamespace]),
      [
        ['shop.orders', 'shop.orders'],
        ['shop.customers', 'shop.customers'],
      ],
    );
    const one = await atlas.clusters.getCollectionRestoreCollection(source, created.id, 'shop.customers');
    assert.equal(one.state, 'NOT_STARTED');
    assert.equal(
      sim.control.requests().counts.byRoute.listCollectionRestoreCollections,
      3,
      'two pages and the empty one',
    );
    const list = await atlas.clusters.listCollectionRestoreJobs(source, { itemsPerPage: 5 });
    assert.deepEqual(
      list.results.map((job) => job.id),
      [created.id],
    );
  });

  it("lists a snapshot's databases and collections with the wire operations", async () => {
    const databases = await atlas.clusters.listSnapshotDatabases(source, snapshotId);
    assert.deepEqual(
      databases.results.map((d) => d.name),
      ['shop', 'analytics'],
    );
    const collections = await atlas.clusters.listSnapshotCollections(source, snapshotId, 'shop', {
      itemsPerPage: 2,
    });
    assert.deepEqual(
      collections.results.map((c) => c.name),
      ['orders', 'customers'],
    );
    assert.equal(collections.totalCount, 3);
  });

  it('maps jobs to the neutral view, with their collections, and snapshots to their namespaces', async () => {
    slow();
    const created = await api.createCollectionRestoreJob(source, spec());
    assert.deepEqual(
      {
        state: created.state,
        atlasState: created.atlasState,
        target: created.target,
        snapshotId: created.snapshotId,
        writeStrategy: created.writeStrategy,
        indexStrategy: created.indexStrategy,
        databases: created.databases,
        collections: created.collections,
        collectionSuffix: created.collectionSuffix,
        restoredDocuments: created.restoredDocuments,
      },
      {
        state: 'in_progress',
        atlasState: 'INITIALIZING',
        target: { groupId: sim.ids.projectId, name: sim.ids.clusterTarget },
        snapshotId,
        writeStrategy: 'CREATE_NEW',
        indexStrategy: 'ALL',
        // Atlas echoes an unnamed target as the source's name.
        databases: [{ source: 'shop', target: 'shop_copy' }],
        collections: [{ source: 'analytics.events', target: 'analytics.events' }],
        collectionSuffix: '_r',
        restoredDocuments: 0,
      },
    );
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(created.namespaces, undefined, 'a create answer has no collections');

    sim.control.advanceClock(40 * MINUTE);
    const running = await api.getCollectionRestoreJob(source, created.id);
    assert.equal(running.atlasState, 'IN_PROGRESS');
    assert.ok(running.restoredDocuments! > 0 && running.restoredDocuments! < running.totalDocuments!);
    assert.deepEqual(
      running.namespaces!.map((n) => [n.source, n.target]),
      [
        ['shop.orders', 'shop_copy.orders_r'],
        ['shop.customers', 'shop_copy.customers_r'],
        ['shop.meta', 'shop_copy.meta_r'],
        ['analytics.events', 'analytics.events_r'],
      ],
    );
    assert.ok(running.namespaces!.every((n) => typeof n.totalDocuments === 'number' && n.state.length > 0));
    const requestsBefore = sim.control.requests().counts.byRoute.listCollectionRestoreCollections ?? 0;
    const bare = await api.getCollectionRestoreJob(source, created.id, { namespaces: false });
    assert.equal(bare.namespaces, undefined);
    assert.equal(sim.control.requests().counts.byRoute.listCollectionRestoreCollections ?? 0, requestsBefore);

    sim.control.advanceClock(61 * MINUTE);
    const done = await api.getCollectionRestoreJob(source, created.id);
    assert.equal(done.state, 'finished');
    assert.equal(done.atlasState, 'SUCCESSFUL');
    assert.equal(done.restoredDocuments, done.totalDocuments);
    assert.ok(done.finishedAt);
    assert.ok(done.namespaces!.every((n) => n.state === 'SUCCESSFUL'));
    const page = await api.listCollectionRestoreJobs(source);
    assert.deepEqual(
      page.results.map((job) => [job.id, job.state]),
      [[created.id, 'finished']],
    );

    assert.deepEqual(await api.listSnapshotNamespaces(source, snapshotId), {
      snapshotId,
      databases: [{ name: 'shop' }, { name: 'analytics' }],
    });
    assert.deepEqual(await api.listSnapshotNamespaces(source, snapshotId, 'analytics'), {
      snapshotId,
      databases: [{ name: 'analytics', collections: ['events', 'meta'] }],
    });
  });

  it('reports failed and cancelled jobs with Atlas’ message; unknown Atlas states read as in progress', async () => {
    slow();
    const missing = await api.createCollectionRestoreJob(
      source,
      spec({ databases: [], collections: [{ source: 'shop.returns' }] }),
    );
    sim.control.advanceClock(10 * MINUTE);
    const failed = await api.getCollectionRestoreJob(source, missing.id);
    assert.equal(failed.state, 'failed');
    assert.match(failed.errorMessage!, /collection was not found in the snapshot: shop\.returns/);
    assert.deepEqual(failed.namespaces, [
      {
        source: 'shop.returns',
        target: 'shop.returns_r',
        state: 'NOT_FOUND',
        restoredDocuments: 0,
        totalDocuments: 0,
      },
    ]);

    sim.control.setScenario({ outcome: 'cancelled', durationMs: MINUTE, appliesTo: 'collectionRestoreJob' });
    const cancelled = await api.createCollectionRestoreJob(source, spec());
    sim.control.advanceClock(2 * MINUTE);
    assert.equal((await api.getCollectionRestoreJob(source, cancelled.id)).state, 'cancelled');

    const later = collectionRestoreJobSchema.parse({ id: missing.id, state: 'PAUSED_FOR_MAINTENANCE' });
    const view = collectionRestoreJobView(later, source);
    assert.equal(view.state, 'in_progress');
    assert.equal(view.atlasState, 'PAUSED_FOR_MAINTENANCE');
    assert.deepEqual(view.target, { groupId: source.groupId, name: source.name }, 'no target: into itself');
  });

  it('keeps status, errorCode and detail of every Atlas error', async () => {
    slow();
    const first = await api.createCollectionRestoreJob(source, spec());
    const busy = await rejection(api.createCollectionRestoreJob(source, spec({ collections: [] })));
    assert.equal(busy.kind, 'http');
    assert.equal(busy.status, 409);
    assert.equal(busy.errorCode, 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS');
    assert.match(busy.detail!, new RegExp(first.id));
    assert.equal(busy.retryable, false);

    const foreign = sim.control.state().deployments.find((d) => d.name === sim.ids.clusterTarget)!
      .snapshots[0]!.id;
    const wrongSnapshot = await rejection(
      api.createCollectionRestoreJob(
        source,
        spec({
          snapshotId: foreign,
          target: { groupId: sim.ids.otherProjectId, name: sim.ids.otherProjectClusterTarget },
        }),
      ),
    );
    assert.equal(wrongSnapshot.status, 400);
    assert.equal(wrongSnapshot.errorCode, 'INVALID_PARAMETER');
    assert.match(wrongSnapshot.detail!, /belongs to orders-cluster-restore/);

    const noJob = await rejection(api.getCollectionRestoreJob(source, 'a'.repeat(24)));
    assert.equal(noJob.status, 404);
    assert.equal(noJob.errorCode, 'RESTORE_JOB_NOT_FOUND');
    const noDatabase = await rejection(api.listSnapshotNamespaces(source, snapshotId, 'billing'));
    assert.equal(noDatabase.status, 404);
    assert.equal(noDatabase.errorCode, 'RESOURCE_NOT_FOUND');
    assert.match(noDatabase.message, /HTTP 404 RESOURCE_NOT_FOUND: No database billing exists/);
  });

  it('refuses, with nothing sent, other kinds, the v1.0 API and requests that break the rules', async () => {
    const before = sent();
    const flex: DeploymentRef = { kind: 'flex', groupId: sim.ids.projectId, name: sim.ids.flexSource };
    const serverless: DeploymentRef = {
      kind: 'serverless',
      groupId: sim.ids.projectId,
      name: sim.ids.serverlessSource,
    };
    for (const ref of [flex, serverless]) {
      for (const call of [
        () => api.createCollectionRestoreJob(ref, spec()),
        () => api.getCollectionRestoreJob(ref, 'a'.repeat(24)),
        () => api.listCollectionRestoreJobs(ref),
        () => api.listSnapshotNamespaces(ref, snapshotId),
      ]) {
        const error = await rejection(call());
        assert.equal(error.kind, 'unsupported', error.message);
        assert.match(error.message, /dedicated clusters only/);
      }
    }
    const v1 = await rejection(legacy.clusters.listCollectionRestoreJobs(source));
    assert.equal(v1.kind, 'unsupported');
    assert.match(v1.message, /v2 only/);
    const both = await rejection(
      api.createCollectionRestoreJob(source, { ...spec(), pointInTimeUtcSeconds: 1_780_000_000 } as never),
    );
    assert.equal(both.kind, 'invalid_request');
    assert.match(both.message, /exactly one of snapshotId and pointInTimeUtcSeconds/);
    const none = await rejection(
      api.createCollectionRestoreJob(source, spec({ databases: [], collections: [] })),
    );
    assert.equal(none.kind, 'invalid_request');
    const tooMany = await rejection(
      api.createCollectionRestoreJob(
        source,
        spec({ collections: Array.from({ length: 101 }, (_, i) => ({ source: `shop.c${i}` })) }),
      ),
    );
    assert.equal(tooMany.kind, 'invalid_request');
    assert.match(tooMany.message, /body\.collections: must hold at most 100 collections/);
    const badId = await rejection(atlas.clusters.getCollectionRestoreJob(source, 'not-an-id'));
    assert.equal(badId.kind, 'invalid_request');
    assert.match(badId.message, /jobId: must be a 24-character/);
    const badNamespace = await rejection(
      atlas.clusters.getCollectionRestoreCollection(source, 'a'.repeat(24), 'orders'),
    );
    assert.match(badNamespace.message, /sourceNamespace: must be <database>\.<collection>/);
    assert.equal(sent(), before, 'no request reached the simulator');
  });
});
