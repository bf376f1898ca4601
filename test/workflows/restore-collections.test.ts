/**
 * Collection- and database-level restores end to end: the workflow on the dev server, the simulator's
 * collection-restore routes moving real documents on its data plane, the counts checked with the driver.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import {
  createRestoreClient,
  TargetBusyError,
  validateRestoreRequest,
  InvalidRestoreRequestError,
} from '../../src/client';
import { RestoreFailureType, searchAttributes } from '../../src/common/contract';
import { statusQuery } from '../../src/common/queries';
import { DEFAULT_SEED, type SeedData } from '../../src/simulator';
import {
  clusterRequest,
  currentDetails,
  expectCancelled,
  expectFailure,
  expectSuccess,
  startKit,
  startRestore,
  waitFor,
  type Kit,
  recordHistory,
} from './support';

describe('collection- and database-level restores', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit({ simulator: { dataPlane: true } });
  });
  after(() => kit?.close());
  beforeEach(async () => {
    kit.sim.control.reset();
    await kit.sim.data!.settle();
  });

  const g = () => kit.sim.ids.projectId;
  const source = () => kit.sim.ids.clusterSource;
  const snapshots = () =>
    kit.sim.control
      .state()
      .deployments.find((d) => d.name === source())!
      .snapshots.filter((s) => s.status === 'completed');
  async function count(deployment: string, ns: string): Promise<number> {
    const client = new MongoClient(await kit.sim.data!.connectionString(g(), deployment), {
      auth: {
        username: kit.sim.credentials.databaseUsername,
        password: kit.sim.credentials.databasePassword,
      },
      serverSelectionTimeoutMS: 5_000,
    });
    try {
      const [db, ...coll] = ns.split('.');
      return await client.db(db).collection(coll.join('.')).countDocuments({});
    } finally {
      await client.close();
    }
  }

  it('restores one collection under a new name next to the live data, with real progress', async () => {
    const s = snapshots()[1]!;
    const atS = kit.sim.data!.expectedContent(g(), source(), Date.parse(s.createdAt));
    const liveBefore = await count(source(), 'shop.orders');
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: s.id },
        target: { groupId: g(), name: source() },
        ensureContinuousBackup: false,
        scope: { collections: [{ namespace: 'shop.orders', targetNamespace: 'shop.orders_restored' }] },
      }),
    );
    // While it runs the status carries Atlas' counts; at the end, 100 % and each namespace.
    const seen = await waitFor(
      'progress in the status',
      async () => (await handle.query(statusQuery)).progress,
    );
    assert.ok(seen.percent === undefined || seen.percent <= 100);
    const result = await expectSuccess(handle);
    const orders = atS.namespaces['shop.orders']!.documents;
    assert.equal(await count(source(), 'shop.orders_restored'), orders, "the snapshot's orders, renamed");
    assert.ok((await count(source(), 'shop.orders')) >= liveBefore, 'the live collection is untouched');
    assert.equal(result.collections?.namespaces.length, 1);
    assert.deepEqual(
      [
        result.collections!.namespaces[0]!.source,
        result.collections!.namespaces[0]!.target,
        result.collections!.namespaces[0]!.state,
      ],
      ['shop.orders', 'shop.orders_restored', 'SUCCESSFUL'],
    );
    const status = await handle.query(statusQuery);
    assert.equal(status.progress?.percent, 100);
    assert.equal(status.progress?.estimate, false);
    assert.match(await currentDetails(handle), /\| Progress \| \[#{20}\] 100%/);
    assert.equal(kit.sim.control.state().restoreJobs.length, 0, 'no whole-cluster restore job');
    await recordHistory('cluster-collection-renamed', handle);
  });

  it('restores one database over the existing one with overwrite, leaving the other databases', async () => {
    const s = snapshots()[1]!;
    const atS = kit.sim.data!.expectedContent(g(), source(), Date.parse(s.createdAt));
    const analyticsBefore = await count(source(), 'analytics.events');
    const result = await expectSuccess(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, {
          snapshot: { snapshotId: s.id },
          target: { groupId: g(), name: source() },
          ensureContinuousBackup: false,
          scope: { databases: [{ name: 'shop' }], writeStrategy: 'OVERWRITE_EXISTING' },
        }),
      ),
    );
    assert.equal(await count(source(), 'shop.orders'), atS.namespaces['shop.orders']!.documents);
    assert.equal(await count(source(), 'shop.customers'), atS.namespaces['shop.customers']!.documents);
    assert.ok(
      (await count(source(), 'analytics.events')) >= analyticsBefore,
      'analytics is not part of the scope',
    );
    const namespaces = result.collections!.namespaces;
    assert.deepEqual(
      namespaces.map((n) => n.source).sort(),
      Object.keys(atS.namespaces)
        .filter((ns) => ns.startsWith('shop.'))
        .sort(),
      'every collection of the database, each reported',
    );
    assert.ok(namespaces.every((n) => n.state === 'SUCCESSFUL'));
  });

  it('without overwrite, a namespace the target already has fails the restore with Atlas reason', async () => {
    const failure = await expectFailure(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, {
          snapshot: { snapshotId: snapshots()[0]!.id },
          target: { groupId: g(), name: source() },
          ensureContinuousBackup: false,
          scope: { databases: [{ name: 'shop' }] },
        }),
      ),
    );
    assert.equal(failure.type, RestoreFailureType.RestoreFailed);
    assert.match(failure.message, /already exists .*CREATE_NEW/);
  });

  it('a point-in-time collection restore holds the data of that moment', async () => {
    const seed: SeedData = structuredClone(DEFAULT_SEED);
    seed.clusters!.find((c) => c.name === source())!.pitEnabled = true;
    kit.sim.control.seed(seed);
    await kit.sim.data!.settle();
    const pointInTime = Math.floor(kit.sim.control.state().nowMs / 1000) - 5 * 3600;
    const atT = kit.sim.data!.expectedContent(g(), source(), pointInTime * 1000);
    await expectSuccess(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, {
          snapshot: { pointInTimeUtcSeconds: pointInTime },
          scope: { collections: [{ namespace: 'shop.orders', targetNamespace: 'shop.orders_pit' }] },
        }),
      ),
    );
    assert.equal(
      await count(kit.sim.ids.clusterTarget, 'shop.orders_pit'),
      atT.namespaces['shop.orders']!.documents,
    );
  });

  it('a namespace the snapshot does not hold fails the restore with Atlas reason', async () => {
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: snapshots()[0]!.id },
        ensureContinuousBackup: false,
        scope: { collections: [{ namespace: 'shop.nope' }] },
      }),
    );
    const failure = await expectFailure(handle);
    assert.equal(failure.type, RestoreFailureType.RestoreFailed);
    assert.match(
      failure.message,
      /^Atlas reports collection restore job [0-9a-f]{24} FAILED: .*not found in the snapshot: shop\.nope/,
    );
    assert.equal(
      (await handle.describe()).typedSearchAttributes.get(searchAttributes.restoreOutcome),
      'failed',
    );
  });

  it('a cancel while a dropped POST is backed off still names the collection job Atlas runs', async () => {
    kit.sim.control.setFaults({
      oneShot: { route: 'createCollectionRestoreJob', kind: 'commitThenDrop', count: 1 },
    });
    kit.sim.control.setScenario({ outcome: 'never', appliesTo: 'collectionRestoreJob' });
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: snapshots()[0]!.id },
        ensureContinuousBackup: false,
        // A long backoff after the drop, so the cancel lands before the look that would adopt the job.
        polling: { initialInterval: '30s', maxInterval: '30s' },
        scope: { collections: [{ namespace: 'shop.orders', targetNamespace: 'shop.dropped' }] },
      }),
    );
    await waitFor('the dropped POST', async () => {
      const status = await handle.query(statusQuery);
      return status.phase === 'submitting' && status.lastError ? status : undefined;
    });
    await handle.cancel();
    const cancelled = await expectCancelled(handle);
    const jobs = kit.sim.control.state().collectionRestoreJobs;
    assert.equal(jobs.length, 1, 'the POST went through before the connection dropped');
    assert.match(
      cancelled.message,
      new RegExp(`Atlas continues collection restore job ${String(jobs[0]!.id)} into `),
    );
  });

  it('two collection restores into one cluster never run at once: the engine refuses the second, Atlas too', async () => {
    const restores = createRestoreClient({ client: kit.env.client, taskQueue: kit.taskQueue });
    kit.sim.control.setScenario({ outcome: 'never', appliesTo: 'collectionRestoreJob' });
    const snapshotId = snapshots()[0]!.id;
    const first = await restores.startRestore(
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId },
        ensureContinuousBackup: false,
        scope: { collections: [{ namespace: 'shop.orders', targetNamespace: 'shop.a' }] },
      }),
    );
    await assert.rejects(
      restores.startRestore(
        clusterRequest(kit.sim.ids, {
          snapshot: { snapshotId },
          ensureContinuousBackup: false,
          scope: { collections: [{ namespace: 'shop.customers', targetNamespace: 'shop.b' }] },
        }),
      ),
      (error: unknown) => error instanceof TargetBusyError && error.holder.workflowId === first.workflowId,
    );
    // A restore started outside the engine (another workflow id) meets Atlas' own rule: 409, nothing created.
    await waitFor('the first job', async () =>
      (await restores.getRestore(first.workflowId)).restoreJobId ? true : undefined,
    );
    const other = await expectFailure(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, {
          snapshot: { snapshotId },
          ensureContinuousBackup: false,
          scope: { collections: [{ namespace: 'shop.customers', targetNamespace: 'shop.c' }] },
        }),
      ),
    );
    assert.match(other.message, /^target\.name: another restore into \S+ is running in Atlas .*\(409/);
    assert.equal(kit.sim.control.state().collectionRestoreJobs.length, 1);
    await restores.cancelRestore(first.workflowId);
    const cancelled = await restores.waitForRestore(first.workflowId);
    assert.equal(cancelled.outcome, 'cancelled');
    assert.match(
      cancelled.outcome === 'cancelled' ? cancelled.message : '',
      /Atlas continues collection restore job [0-9a-f]{24} .*cannot be cancelled through the Atlas API/,
    );
  });
});

describe('collection restore requests refused before start', () => {
  const base = {
    source: { kind: 'cluster', groupId: '66320490d7a6931071338f34', name: 'a' },
    snapshot: { latest: true },
    target: { groupId: '66320490d7a6931071338f34', name: 'b' },
  };
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'a Flex source',
      { source: { ...base.source, kind: 'flex' }, scope: { databases: [{ name: 'shop' }] } },
      'scope',
    ],
    ['no namespace', { scope: {} }, 'scope.databases'],
    [
      'more than 100 collections',
      { scope: { collections: Array.from({ length: 101 }, (_, i) => ({ namespace: `db.c${i}` })) } },
      'scope.collections',
    ],
    [
      'a namespace without a collection',
      { scope: { collections: [{ namespace: 'shop' }] } },
      'scope.collections.0.namespace',
    ],
    [
      'an unknown write strategy',
      { scope: { databases: [{ name: 'shop' }], writeStrategy: 'REPLACE' } },
      'scope.writeStrategy',
    ],
  ];
  for (const [name, extra, field] of cases) {
    it(`refuses ${name}, naming ${field}`, () => {
      assert.throws(
        () => validateRestoreRequest({ ...base, ...extra }),
        (error: unknown) =>
          error instanceof InvalidRestoreRequestError && error.issues.some((issue) => issue.field === field),
      );
    });
  }
  it('defaults to CREATE_NEW and every index: overwriting must be asked for', () => {
    const request = validateRestoreRequest({ ...base, scope: { databases: [{ name: 'shop' }] } });
    assert.equal(request.scope?.writeStrategy, 'CREATE_NEW');
    assert.equal(request.scope?.indexStrategy, 'ALL');
  });
});
