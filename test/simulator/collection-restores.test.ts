/**
 * Collection- and database-level restores on the simulator, over raw HTTP: the `collectionRestoreJobs`
 * routes of dedicated clusters and the namespace listings of their snapshots (media type 2025-03-12), the
 * create rules, the state machine over simulated time, the failures Atlas reports in the job, and, on the
 * data plane, the chosen namespaces really moving while the rest of the target stays. The clock barely moves
 * on its own (time scale 1e-6): time moves where a test advances it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  collectionRestoreCollectionSchema,
  collectionRestoreJobSchema,
  pageSchema,
  snapshotNamespaceSchema,
} from '../../src/atlas/schemas';
import { DEFAULT_SEED, startSimulator, type RunningSimulator, type SeedData } from '../../src/simulator';
import { asContent, readContent } from './data-support';
import { HOUR, MINUTE, call, type CallResult } from './helpers';

const ACCEPT = 'application/vnd.atlas.2025-03-12+json';
const MEDIA_TYPE = `${ACCEPT};charset=utf-8`;
const DURATION = 100 * MINUTE;
const IN_PROGRESS_SNAPSHOT = '6650000000000000000000aa';
const START = '2026-06-01T00:00:00Z';

const SEED: SeedData = {
  ...DEFAULT_SEED,
  snapshots: [
    {
      id: IN_PROGRESS_SNAPSHOT,
      groupId: DEFAULT_SEED.projects[0]!.id,
      deployment: 'orders-cluster',
      status: 'inProgress',
      ageHours: 0.01,
    },
  ],
};

type Body = Record<string, unknown>;

/** Calls, helpers and figures shared by both suites, on one simulator. */
function fixture(sim: () => RunningSimulator) {
  const g = () => sim().ids.projectId;
  const source = () => sim().ids.clusterSource;
  const target = () => sim().ids.clusterTarget;
  const jobs = (cluster = source()) => `/groups/${g()}/clusters/${cluster}/collectionRestoreJobs`;
  const get = (path: string) => call(sim(), path, { accept: ACCEPT });
  const completedSnapshot = (name = source()) =>
    sim()
      .control.state()
      .deployments.find((d) => d.name === name)!
      .snapshots.find((s) => s.status === 'completed')!;
  const body = (extra: Body = {}): Body => ({
    targetClusterName: target(),
    targetGroupId: g(),
    writeStrategy: 'CREATE_NEW',
    indexStrategy: 'ALL',
    snapshotId: completedSnapshot().id,
    ...extra,
  });
  const create = (extra: Body = {}, cluster = source()) =>
    call(sim(), jobs(cluster), { method: 'POST', accept: ACCEPT, body: body(extra) });
  const created = async (extra: Body = {}, cluster = source()) => {
    const result = await create(extra, cluster);
    assert.equal(result.status, 201, result.text);
    return { id: result.json.id as string, createdMs: sim().now(), json: result.json };
  };
  const job = async (id: string, cluster = source()) => {
    const result = await get(`${jobs(cluster)}/${id}`);
    assert.equal(result.status, 200, result.text);
    return collectionRestoreJobSchema.parse(result.json);
  };
  const collections = async (id: string, query = '', cluster = source()) => {
    const result = await get(`${jobs(cluster)}/${id}/collections${query}`);
    assert.equal(result.status, 200, result.text);
    return pageSchema(collectionRestoreCollectionSchema).parse(result.json).results;
  };
  /** Moves the clock to `fraction` of a job's duration after its creation. */
  const at = (createdMs: number, fraction: number, duration = DURATION) =>
    sim().control.advanceClock(Math.max(0, createdMs + fraction * duration - sim().now()));
  const slow = (duration = DURATION) =>
    sim().control.setScenario({
      outcome: 'finished',
      durationMs: duration,
      appliesTo: 'collectionRestoreJob',
    });
  return {
    g,
    source,
    target,
    jobs,
    get,
    completedSnapshot,
    body,
    create,
    created,
    job,
    collections,
    at,
    slow,
  };
}

function assertError(result: CallResult, status: number, errorCode: string, detail?: RegExp) {
  assert.equal(result.status, status, result.text);
  assert.equal(result.json.errorCode, errorCode, result.text);
  assert.equal(result.headers.get('content-type'), 'application/json');
  if (detail) assert.match(result.json.detail, detail);
}

describe('simulator: collection restores', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({
      seed: SEED,
      timeScale: 1e-6,
      startTime: START,
      faults: { rateLimit: false },
    });
  });
  beforeEach(() => sim.control.reset());
  after(() => sim?.close());
  const f = fixture(() => sim);

  it('serves its routes on v2 only, in media type 2025-03-12, creating with 201', async () => {
    const list = await f.get(f.jobs());
    assert.equal(list.status, 200, list.text);
    assert.equal(list.headers.get('content-type'), MEDIA_TYPE);
    assert.deepEqual(list.json.results, []);
    for (const accept of [
      'application/vnd.atlas.2023-01-01+json',
      'application/vnd.atlas.2024-11-13+json',
      null,
    ])
      assertError(await call(sim, f.jobs(), { accept }), 406, 'INVALID_VERSION_DATE');
    assertError(await call(sim, f.jobs(), { flavour: 'v1.0' }), 404, 'RESOURCE_NOT_FOUND');
    const made = await f.create({ collections: [{ sourceNamespace: 'shop.orders' }] });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.headers.get('content-type'), MEDIA_TYPE);
    const snapshot = f.completedSnapshot();
    const databases = await f.get(
      `/groups/${f.g()}/clusters/${f.source()}/backup/snapshots/${snapshot.id}/databases`,
    );
    assert.equal(databases.headers.get('content-type'), MEDIA_TYPE);
    assertError(
      await call(sim, `/groups/${f.g()}/clusters/${f.source()}/backup/snapshots/${snapshot.id}/databases`),
      406,
      'INVALID_VERSION_DATE',
    );
    const routes = sim.control.requests().counts.byRoute;
    assert.ok(
      (routes.listCollectionRestoreJobs ?? 0) >= 1 && routes.createCollectionRestoreJob === 1,
      JSON.stringify(routes),
    );
    assert.ok((routes.listSnapshotDatabases ?? 0) >= 1);
  });

  it('answers a Flex or serverless name with the cluster API kind errors, and an unknown name with 404', async () => {
    assertError(await f.get(f.jobs(sim.ids.flexSource)), 400, 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API');
    assertError(
      await f.get(f.jobs(sim.ids.serverlessSource)),
      400,
      'CANNOT_USE_SERVERLESS_INSTANCE_IN_CLUSTER_API',
    );
    assertError(await f.get(f.jobs('no-such-cluster')), 404, 'CLUSTER_NOT_FOUND');
    assertError(await f.get(`${f.jobs()}/${'0'.repeat(24)}`), 404, 'RESTORE_JOB_NOT_FOUND');
  });

  it('names every field a bad body gets wrong', async () => {
    const fields = (result: CallResult) =>
      (result.json.badRequestDetail.fields as { field: string }[]).map((field) => field.field);
    const missing = await call(sim, f.jobs(), {
      method: 'POST',
      accept: ACCEPT,
      body: { targetGroupId: f.g(), writeStrategy: 'REPLACE', indexStrategy: 'ALL', collections: [] },
    });
    assertError(missing, 400, 'VALIDATION_ERROR');
    // Rules across fields are checked once every field parses.
    assert.deepEqual(fields(missing).sort(), ['targetClusterName', 'writeStrategy']);
    const nothing = await f.create({});
    assertError(nothing, 400, 'VALIDATION_ERROR', /must name at least one database or collection/);
    assert.deepEqual(fields(nothing), ['collections']);
    const both = await f.create({
      pointInTimeUtcSeconds: 1_780_000_000,
      collections: [{ sourceNamespace: 'shop.orders' }],
    });
    assertError(both, 400, 'VALIDATION_ERROR', /exactly one of snapshotId, pointInTimeUtcSeconds/);
    const badNamespace = await f.create({ collections: [{ sourceNamespace: 'orders' }] });
    assertError(badNamespace, 400, 'VALIDATION_ERROR');
    assert.deepEqual(fields(badNamespace), ['collections.0.sourceNamespace']);
    const tooMany = await f.create({
      databases: Array.from({ length: 101 }, (_, i) => ({ sourceNamespace: `db${i}` })),
    });
    assertError(tooMany, 400, 'VALIDATION_ERROR', /at most 100 databases/);
    assert.deepEqual(fields(tooMany), ['databases']);
    const tooManyCollections = await f.create({
      collections: Array.from({ length: 101 }, (_, i) => ({ sourceNamespace: `shop.c${i}` })),
    });
    assert.deepEqual(fields(tooManyCollections), ['collections']);
    const badSuffix = await f.create({ databases: [{ sourceNamespace: 'shop' }], databaseSuffix: '.old' });
    assertError(badSuffix, 400, 'VALIDATION_ERROR');
    assert.deepEqual(fields(badSuffix), ['databaseSuffix']);
    const badCollectionSuffix = await f.create({
      databases: [{ sourceNamespace: 'shop', targetNamespace: 'shop_copy' }],
      collectionSuffix: '$v2',
    });
    assertError(badCollectionSuffix, 400, 'VALIDATION_ERROR', /collectionSuffix: makes <collection>\$v2/);
    const unknown = await f.create({ collections: [{ sourceNamespace: 'shop.orders' }], restoreAll: true });
    assert.deepEqual(fields(unknown), ['restoreAll']);
    const twice = await f.create({
      collections: [
        { sourceNamespace: 'shop.orders', targetNamespace: 'x.y' },
        { sourceNamespace: 'shop.customers', targetNamespace: 'x.y' },
      ],
    });
    assertError(twice, 400, 'VALIDATION_ERROR', /x\.y is the target of more than one namespace/);
    assert.deepEqual(sim.control.state().collectionRestoreJobs, [], 'nothing was created');
  });

  it("refuses a snapshot that is not the cluster's or not completed, and a target that is no dedicated cluster", async () => {
    const collections = [{ sourceNamespace: 'shop.orders' }];
    const foreign = f.completedSnapshot(f.target()).id;
    assertError(
      await f.create({ collections, snapshotId: foreign }),
      400,
      'INVALID_PARAMETER',
      /belongs to orders-cluster-restore/,
    );
    assertError(
      await f.create({ collections, snapshotId: IN_PROGRESS_SNAPSHOT }),
      400,
      'INVALID_PARAMETER',
      /inProgress/,
    );
    assertError(await f.create({ collections, snapshotId: 'e'.repeat(24) }), 404, 'SNAPSHOT_NOT_FOUND');
    assertError(await f.create({ collections, targetClusterName: 'nowhere' }), 404, 'CLUSTER_NOT_FOUND');
    assertError(
      await f.create({ collections, targetClusterName: sim.ids.flexTarget }),
      400,
      'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
    );
    assertError(
      await f.create({ collections, targetClusterName: sim.ids.serverlessTarget }),
      400,
      'CANNOT_USE_SERVERLESS_INSTANCE_IN_CLUSTER_API',
    );
    assertError(await f.create({ collections, targetGroupId: 'f'.repeat(24) }), 404, 'GROUP_NOT_FOUND');
    const pit = {
      collections,
      snapshotId: undefined,
      pointInTimeUtcSeconds: Math.floor(sim.now() / 1000) - 60,
    };
    assertError(await f.create(pit), 400, 'INVALID_PARAMETER', /continuous backup/);
  });

  it('answers 409 while another restore writes into the target, and takes the next one once it ended', async () => {
    f.slow();
    const first = await f.created({ collections: [{ sourceNamespace: 'shop.orders' }] });
    const busy = await f.create({ collections: [{ sourceNamespace: 'shop.customers' }] });
    assertError(busy, 409, 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS', new RegExp(first.id));
    // Another target is free, in another project too.
    await f.created({
      collections: [{ sourceNamespace: 'shop.customers' }],
      targetClusterName: sim.ids.otherProjectClusterTarget,
      targetGroupId: sim.ids.otherProjectId,
    });
    f.at(first.createdMs, 1.01);
    assert.equal((await f.job(first.id)).state, 'SUCCESSFUL');
    await f.created({ collections: [{ sourceNamespace: 'shop.customers' }] });
    // A whole-cluster restore into the target keeps it busy as well.
    const clusterTarget = sim.ids.flexClusterTarget;
    const whole = await call(sim, `/groups/${f.g()}/clusters/${f.source()}/backup/restoreJobs`, {
      method: 'POST',
      body: {
        deliveryType: 'automated',
        snapshotId: f.completedSnapshot().id,
        targetClusterName: clusterTarget,
        targetGroupId: f.g(),
      },
    });
    assert.equal(whole.status, 200, whole.text);
    assertError(
      await f.create({ collections: [{ sourceNamespace: 'shop.orders' }], targetClusterName: clusterTarget }),
      409,
      'ATLAS_CLUSTER_RESTORE_IN_PROGRESS',
      new RegExp(`restore job ${whole.json.id}`),
    );
  });

  it('goes INITIALIZING, IN_PROGRESS with growing counts and an estimated total, FINALIZING, then SUCCESSFUL', async () => {
    f.slow();
    const { id, createdMs, json } = await f.created({
      databases: [{ sourceNamespace: 'shop' }],
      collections: [{ sourceNamespace: 'analytics.events', targetNamespace: 'archive.events' }],
    });
    assert.equal(json.state, 'INITIALIZING');
    assert.equal(json.restoredDocuments, 0);
    assert.equal(
      json.createdAt,
      new Date(Math.floor(createdMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    );
    assert.deepEqual(
      json.databases,
      [{ sourceNamespace: 'shop', targetNamespace: 'shop' }],
      'unnamed targets echo the source',
    );
    assert.equal(json.collectionSuffix, '');
    assert.deepEqual(await f.collections(id), [], 'no collection states while INITIALIZING');

    const seen: { state: string; restored: number; total: number }[] = [];
    let during: Awaited<ReturnType<typeof f.collections>> = [];
    for (const fraction of [0.03, 0.1, 0.3, 0.45, 0.55, 0.8, 0.95]) {
      f.at(createdMs, fraction);
      const now = await f.job(id);
      seen.push({ state: now.state, restored: now.restoredDocuments!, total: now.totalDocuments! });
      if (fraction === 0.3) during = await f.collections(id);
    }
    assert.deepEqual(
      seen.map((s) => s.state),
      [
        'INITIALIZING',
        'IN_PROGRESS',
        'IN_PROGRESS',
        'IN_PROGRESS',
        'IN_PROGRESS',
        'IN_PROGRESS',
        'FINALIZING',
      ],
    );
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i]!.restored >= seen[i - 1]!.restored, JSON.stringify(seen));
    assert.ok(seen[1]!.restored > 0 && seen[2]!.restored > seen[1]!.restored, JSON.stringify(seen));
    const exact = seen[6]!.total;
    assert.equal(seen[6]!.restored, exact, 'all copied when finalizing');
    assert.equal(seen[3]!.total % 1000, 0, 'an estimate (rounded up to a thousand) before half-way');
    assert.ok(seen[3]!.total >= exact && seen[3]!.total !== exact, JSON.stringify(seen));
    assert.equal(seen[4]!.total, exact, 'the exact total after half-way');

    assert.deepEqual(
      during.map((c) => [c.sourceNamespace, c.effectiveTargetNamespace]),
      [
        ['shop.orders', 'shop.orders'],
        ['shop.customers', 'shop.customers'],
        ['shop.meta', 'shop.meta'],
        ['analytics.events', 'archive.events'],
      ],
    );
    assert.equal(during[0]!.state, 'IN_PROGRESS', 'collections are copied one after another');
    assert.deepEqual(
      during.slice(1).map((c) => c.state),
      ['NOT_STARTED', 'NOT_STARTED', 'NOT_STARTED'],
    );
    // Now FINALIZING: the list filters by state and namespaces, as the spec's query parameters say.
    assert.equal((await f.collections(id, '?state=FINALIZING')).length, 4);
    assert.equal((await f.collections(id, '?state=NOT_STARTED')).length, 0);
    assert.deepEqual(
      (await f.collections(id, '?targetNamespace=archive.events')).map((c) => c.sourceNamespace),
      ['analytics.events'],
    );
    const one = await f.get(`${f.jobs()}/${id}/collections/analytics.events`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.targetNamespace, 'archive.events');
    assertError(await f.get(`${f.jobs()}/${id}/collections/shop.nothing`), 404, 'RESOURCE_NOT_FOUND');

    f.at(createdMs, 1.001);
    const done = await f.job(id);
    assert.equal(done.state, 'SUCCESSFUL');
    assert.equal(
      done.finishedAt,
      new Date(Math.floor((createdMs + DURATION) / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    );
    assert.deepEqual(done.indexStatus, { failedCollectionCount: 0, state: 'SUCCESSFUL' });
    const final = await f.collections(id);
    assert.ok(final.every((c) => c.state === 'SUCCESSFUL' && c.restoredDocuments === c.totalDocuments));
    assert.equal(
      final.reduce((sum, c) => sum + c.totalDocuments!, 0),
      done.totalDocuments,
      'the per-collection counts add up to the job',
    );
    assert.equal(sim.control.state().collectionRestoreJobs[0]!.state, 'SUCCESSFUL');
  });

  it('fails the job, naming the namespace, when the snapshot lacks it', async () => {
    f.slow();
    const { id, createdMs } = await f.created({
      collections: [{ sourceNamespace: 'shop.orders' }, { sourceNamespace: 'shop.returns' }],
    });
    f.at(createdMs, 0.02);
    assert.equal((await f.job(id)).state, 'INITIALIZING');
    f.at(createdMs, 0.06);
    const failed = await f.job(id);
    assert.equal(failed.state, 'FAILED');
    assert.equal(
      failed.errorMessage,
      'Restore failed: collection was not found in the snapshot: shop.returns',
    );
    assert.ok(failed.finishedAt);
    assert.deepEqual(
      (await f.collections(id)).map((c) => [c.sourceNamespace, c.state]),
      [
        ['shop.orders', 'NOT_RESTORED'],
        ['shop.returns', 'NOT_FOUND'],
      ],
    );
    const database = await f.created({ databases: [{ sourceNamespace: 'billing' }] });
    f.at(database.createdMs, 0.06);
    assert.equal(
      (await f.job(database.id)).errorMessage,
      'Restore failed: database was not found in the snapshot: billing',
    );
  });

  it('fails a CREATE_NEW job whose target namespace exists, and runs the same restore with OVERWRITE_EXISTING', async () => {
    f.slow();
    // Into the source cluster itself, which holds shop.orders.
    const into = { targetClusterName: f.source(), collections: [{ sourceNamespace: 'shop.orders' }] };
    const { id, createdMs } = await f.created(into);
    f.at(createdMs, 0.06);
    const failed = await f.job(id);
    assert.equal(failed.state, 'FAILED');
    assert.equal(
      failed.errorMessage,
      'Restore failed: target namespace shop.orders already exists on orders-cluster (writeStrategy CREATE_NEW)',
    );
    assert.deepEqual(
      (await f.collections(id)).map((c) => c.state),
      ['FAILED'],
    );
    const overwrite = await f.created({
      ...into,
      writeStrategy: 'OVERWRITE_EXISTING',
      indexStrategy: 'NONE',
    });
    f.at(overwrite.createdMs, 1.001);
    const done = await f.job(overwrite.id);
    assert.equal(done.state, 'SUCCESSFUL');
    assert.deepEqual(
      done.indexStatus,
      { failedCollectionCount: 0, state: 'NOT_RESTORED' },
      'indexStrategy NONE',
    );
  });

  it('ends as the scenario says: failed, cancelled, or never', async () => {
    const collections = [{ sourceNamespace: 'shop.customers' }];
    sim.control.setScenario({ outcome: 'failed', durationMs: HOUR, appliesTo: 'collectionRestoreJob' });
    // A scenario for whole-deployment restores is left for them.
    sim.control.setScenario({ outcome: 'never', appliesTo: 'restoreJob' });
    const failed = await f.created({ collections });
    f.at(failed.createdMs, 1.01, HOUR);
    const job = await f.job(failed.id);
    assert.equal(job.state, 'FAILED');
    assert.match(job.errorMessage!, /shop\.customers could not be restored/);
    assert.deepEqual(sim.control.state().pendingScenarios, [{ outcome: 'never', appliesTo: 'restoreJob' }]);

    const cancelled = await f.created({ collections });
    sim.control.setScenario({ outcome: 'cancelled', durationMs: HOUR, jobId: cancelled.id });
    f.at(cancelled.createdMs, 1.01, HOUR);
    assert.equal((await f.job(cancelled.id)).state, 'CANCELED');

    sim.control.setScenario({ outcome: 'never', durationMs: HOUR, appliesTo: 'collectionRestoreJob' });
    const never = await f.created({ collections });
    f.at(never.createdMs, 5, HOUR);
    const stuck = await f.job(never.id);
    assert.equal(stuck.state, 'IN_PROGRESS');
    assert.ok(stuck.restoredDocuments! < stuck.totalDocuments!);
  });

  it('restores from a point in time of a cluster with continuous backup', async () => {
    const patched = await call(sim, `/groups/${f.g()}/clusters/${f.source()}`, {
      method: 'PATCH',
      body: { pitEnabled: true },
    });
    assert.equal(patched.status, 200, patched.text);
    sim.control.advanceClock(HOUR);
    const seconds = Math.floor(sim.now() / 1000) - 1800;
    const { id, json } = await f.created({
      snapshotId: undefined,
      pointInTimeUtcSeconds: seconds,
      collections: [{ sourceNamespace: 'shop.orders' }],
    });
    assert.equal(json.pointInTimeUtcSeconds, seconds);
    assert.equal(json.snapshotId, undefined);
    assertError(
      await f.create({
        snapshotId: undefined,
        pointInTimeUtcSeconds: seconds - (3 * HOUR) / 1000,
        targetClusterName: sim.ids.flexClusterTarget,
        collections: [{ sourceNamespace: 'shop.orders' }],
      }),
      400,
      'INVALID_PARAMETER',
      /outside the restore window/,
    );
    assert.equal((await f.job(id)).pointInTimeUtcSeconds, seconds);
  });

  it("lists a snapshot's databases and collections, as the snapshot holds them", async () => {
    const snapshot = f.completedSnapshot();
    const base = `/groups/${f.g()}/clusters/${f.source()}/backup/snapshots/${snapshot.id}/databases`;
    const names = async (path: string) => {
      const result = await f.get(path);
      assert.equal(result.status, 200, result.text);
      return pageSchema(snapshotNamespaceSchema)
        .parse(result.json)
        .results.map((r) => r.name);
    };
    assert.deepEqual(await names(base), ['shop', 'analytics']);
    assert.deepEqual(await names(`${base}/shop/collections`), ['orders', 'customers', 'meta']);
    assert.equal((await f.get(`${base}/analytics`)).json.name, 'analytics');
    assert.equal((await f.get(`${base}/shop/collections/orders`)).json.name, 'orders');
    assertError(await f.get(`${base}/billing`), 404, 'RESOURCE_NOT_FOUND', /No database billing/);
    assertError(await f.get(`${base}/billing/collections`), 404, 'RESOURCE_NOT_FOUND');
    assertError(await f.get(`${base}/shop/collections/returns`), 404, 'RESOURCE_NOT_FOUND', /shop\.returns/);
    const paged = await f.get(`${base}?itemsPerPage=1`);
    assert.equal(paged.json.totalCount, 2);
    assert.ok(paged.json.links.some((l: { rel: string }) => l.rel === 'next'));
    assertError(
      await f.get(
        `/groups/${f.g()}/clusters/${f.source()}/backup/snapshots/${IN_PROGRESS_SNAPSHOT}/databases`,
      ),
      400,
      'INVALID_PARAMETER',
    );

    // The empty target's snapshots hold nothing; once a collection restore landed, later ones hold it.
    const targetSnapshots = (name: string) =>
      `/groups/${f.g()}/clusters/${f.target()}/backup/snapshots/${f.completedSnapshot(name).id}/databases`;
    assert.deepEqual(await names(targetSnapshots(f.target())), []);
    sim.control.setScenario({ outcome: 'finished', durationMs: 0, appliesTo: 'collectionRestoreJob' });
    await f.created({ collections: [{ sourceNamespace: 'shop.orders', targetNamespace: 'archive.orders' }] });
    sim.control.advanceClock(6 * HOUR + 10 * MINUTE);
    assert.deepEqual(await names(targetSnapshots(f.target())), ['archive']);
    assert.deepEqual(await names(`${targetSnapshots(f.target())}/archive/collections`), ['orders']);
  });

  it('lists the jobs of the source cluster newest first, paged, in the state dump too', async () => {
    sim.control.setScenario({ outcome: 'finished', durationMs: 0, appliesTo: 'collectionRestoreJob' });
    const first = await f.created({ collections: [{ sourceNamespace: 'shop.orders' }] });
    sim.control.advanceClock(MINUTE);
    sim.control.setScenario({ outcome: 'finished', durationMs: 0, appliesTo: 'collectionRestoreJob' });
    const second = await f.created({ collections: [{ sourceNamespace: 'shop.customers' }] });
    const list = await f.get(`${f.jobs()}?itemsPerPage=1`);
    assert.deepEqual(
      list.json.results.map((j: { id: string }) => j.id),
      [second.id],
    );
    assert.equal(list.json.totalCount, 2);
    assert.deepEqual(
      (await f.get(`${f.jobs()}?pageNum=2&itemsPerPage=1`)).json.results.map((j: { id: string }) => j.id),
      [first.id],
    );
    assert.deepEqual((await f.get(f.jobs(f.target()))).json.results, [], 'jobs are filed under their source');
    const dump = sim.control.state().collectionRestoreJobs;
    assert.deepEqual(
      dump.map((j) => [j.id, j.state, j.deploymentName]),
      [
        [second.id, 'SUCCESSFUL', f.source()],
        [first.id, 'SUCCESSFUL', f.source()],
      ],
    );
    assert.equal(dump[1]!.namespaces.length, 1);
    assert.deepEqual(sim.control.state().restoreJobs, [], 'not among the whole-deployment restore jobs');
  });
});

describe('simulator: collection restores on the data plane', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({
      dataPlane: true,
      timeScale: 1e-6,
      startTime: START,
      faults: { rateLimit: false },
    });
  });
  beforeEach(async () => {
    sim.control.reset();
    await sim.data!.settle();
  });
  after(() => sim?.close());
  const f = fixture(() => sim);
  const content = async (name: string) => readContent(sim, await sim.data!.connectionString(f.g(), name));
  /** Creates a job that ends at once and lets its data land. */
  const restore = async (extra: Body) => {
    sim.control.setScenario({ outcome: 'finished', durationMs: MINUTE, appliesTo: 'collectionRestoreJob' });
    const { id, createdMs } = await f.created(extra);
    f.at(createdMs, 1.01, MINUTE);
    const job = await f.job(id);
    await sim.data!.settle();
    return job;
  };

  it('moves only the named databases and collections, renamed by target and suffixes, with the index strategy', async () => {
    const snapshot = f.completedSnapshot();
    const job = await restore({
      databases: [{ sourceNamespace: 'shop', targetNamespace: 'shop_copy' }],
      collections: [{ sourceNamespace: 'analytics.events' }],
      databaseSuffix: '_may',
      collectionSuffix: '_r',
      indexStrategy: 'ALL_EXCEPT_TTL',
    });
    assert.equal(job.state, 'SUCCESSFUL');
    const got = await content(f.target());
    assert.deepEqual(Object.keys(got.namespaces).sort(), [
      'analytics_may.events_r',
      'shop_copy.customers_r',
      'shop_copy.meta_r',
      'shop_copy.orders_r',
    ]);
    const atSnapshot = sim.data!.expectedContent(
      f.g(),
      f.source(),
      Date.parse(snapshot.createdAt),
    ).namespaces;
    assert.equal(got.namespaces['shop_copy.orders_r'], atSnapshot['shop.orders']!.documents);
    assert.equal(got.namespaces['analytics_may.events_r'], atSnapshot['analytics.events']!.documents);
    assert.ok(got.namespaces['shop_copy.orders_r']! > 0);
    assert.deepEqual(got.indexes['shop_copy.orders_r'], ['_id_', 'status_1', 'writtenAt_-1']);
    assert.deepEqual(
      got.indexes['analytics_may.events_r'],
      ['_id_'],
      'ALL_EXCEPT_TTL leaves the TTL index out',
    );
    assert.deepEqual(got, asContent(sim.data!.expectedContent(f.g(), f.target())));
    assert.equal(
      job.totalDocuments,
      atSnapshot['shop.orders']!.documents +
        atSnapshot['shop.customers']!.documents +
        1 +
        atSnapshot['analytics.events']!.documents,
    );
  });

  it("keeps the target's other data: OVERWRITE_EXISTING replaces one namespace, a failed CREATE_NEW changes nothing", async () => {
    const before = await content(f.source());
    const snapshot = f.completedSnapshot();
    const job = await restore({
      targetClusterName: f.source(),
      writeStrategy: 'OVERWRITE_EXISTING',
      indexStrategy: 'NONE',
      collections: [{ sourceNamespace: 'shop.orders', targetNamespace: 'shop.customers' }],
    });
    assert.equal(job.state, 'SUCCESSFUL');
    const after = await content(f.source());
    const ordersAtSnapshot = sim.data!.expectedContent(f.g(), f.source(), Date.parse(snapshot.createdAt))
      .namespaces['shop.orders']!.documents;
    assert.equal(after.namespaces['shop.customers'], ordersAtSnapshot, 'the orders of the snapshot');
    assert.notEqual(before.namespaces['shop.customers'], ordersAtSnapshot);
    assert.deepEqual(after.indexes['shop.customers'], ['_id_'], 'indexStrategy NONE');
    // The rest is live as before: it keeps its indexes and follows the clock.
    const live = sim.data!.expectedContent(f.g(), f.source()).namespaces;
    for (const ns of ['shop.orders', 'analytics.events']) {
      assert.equal(after.namespaces[ns], live[ns]!.documents, `${ns} stays live`);
      assert.ok(after.namespaces[ns]! >= before.namespaces[ns]!);
      assert.deepEqual(after.indexes[ns], before.indexes[ns]);
    }

    const refused = await restore({
      targetClusterName: f.source(),
      collections: [{ sourceNamespace: 'shop.orders', targetNamespace: 'analytics.events' }],
    });
    assert.equal(refused.state, 'FAILED');
    assert.match(refused.errorMessage!, /analytics\.events already exists/);
    const now = await content(f.source());
    assert.deepEqual(now, asContent(sim.data!.expectedContent(f.g(), f.source())));
    assert.equal(now.namespaces['shop.customers'], ordersAtSnapshot, 'nothing moved');
    assert.deepEqual(now.indexes['analytics.events'], before.indexes['analytics.events']);
  });
});
