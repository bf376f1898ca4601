/**
 * The simulator's data plane: real wire servers behind each deployment's connection string, holding what
 * the content model says, restores moving real data, and the gate refusing connections while a target is
 * restored and warms up. The clock barely moves on its own (time scale 1e-6), so every figure is exact and
 * time moves only where a test advances it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MongoServerError } from 'mongodb';
import { createBackupApi } from '../../src/atlas/backup-api';
import { createAtlasClient } from '../../src/atlas/client';
import { startSimulator, type RunningSimulator, type SeedData } from '../../src/simulator';
import { accepts, asContent, clientFor, readContent, withClient } from './data-support';
import { HOUR, MINUTE, call } from './helpers';

const WARMUP = 60_000;

describe('simulator data plane', () => {
  let sim: RunningSimulator;
  let g: string;
  let source: string;
  let target: string;
  before(async () => {
    sim = await startSimulator({ dataPlane: true, timeScale: 1e-6, startTime: '2026-06-01T00:00:00Z' });
    g = sim.ids.projectId;
    source = sim.ids.clusterSource;
    target = sim.ids.clusterTarget;
  });
  beforeEach(async () => {
    sim.control.reset();
    await sim.data!.settle();
  });
  after(() => sim?.close());

  const data = () => sim.data!;
  const uriOf = (name: string, groupId = g) => data().connectionString(groupId, name);
  const completedSnapshots = (name: string) =>
    sim.control
      .state()
      .deployments.find((d) => d.name === name)!
      .snapshots.filter((s) => s.status === 'completed');
  const restoreInto = async (targetName: string, body: Record<string, unknown>) => {
    const created = await call(sim, `/groups/${g}/clusters/${source}/backup/restoreJobs`, {
      method: 'POST',
      body: { targetClusterName: targetName, targetGroupId: g, ...body },
    });
    assert.equal(created.status, 200, created.text);
    return created.json.id as string;
  };
  const restoreSnapshot = (snapshotId: string, targetName = target) =>
    restoreInto(targetName, { deliveryType: 'automated', snapshotId });
  const jobState = async (jobId: string) => {
    const job = (await call(sim, `/groups/${g}/clusters/${source}/backup/restoreJobs/${jobId}`)).json;
    return job.failed
      ? 'failed'
      : job.cancelled
        ? 'cancelled'
        : job.expired
          ? 'expired'
          : job.finishedAt
            ? 'finished'
            : 'running';
  };
  /** Runs the job to its end (default duration 20 min) and through the target's warm-up. */
  const finish = async (jobId: string) => {
    sim.control.advanceClock(20 * MINUTE);
    const state = await jobState(jobId);
    sim.control.advanceClock(WARMUP);
    await data().settle();
    return state;
  };

  it('gives every deployment a connection string that works with the driver and the database user', async () => {
    const cluster = await call(sim, `/groups/${g}/clusters/${source}`);
    const serverless = await call(sim, `/groups/${g}/serverless/${sim.ids.serverlessSource}`);
    const flex = await call(sim, `/groups/${g}/flexClusters/${sim.ids.flexSource}`);
    for (const [name, view] of [
      [source, cluster],
      [sim.ids.serverlessSource, serverless],
      [sim.ids.flexSource, flex],
    ] as const) {
      assert.deepEqual(Object.keys(view.json.connectionStrings), ['standard', 'standardSrv']);
      assert.equal(view.json.connectionStrings.standard, await uriOf(name));
      assert.match(
        view.json.connectionStrings.standard,
        /^mongodb:\/\/127\.0\.0\.1:\d+\/\?authSource=admin$/,
      );
      assert.match(view.json.connectionStrings.standardSrv, /^mongodb\+srv:\/\//);
    }
    // The Atlas client's kind-neutral view picks `standard`, the address the data answers on.
    const atlas = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
    try {
      const api = createBackupApi(atlas);
      for (const [kind, name] of [
        ['cluster', source],
        ['serverless', sim.ids.serverlessSource],
        ['flex', sim.ids.flexSource],
      ] as const)
        assert.equal(
          (await api.getDeployment({ kind, groupId: g, name })).connectionString,
          await uriOf(name),
        );
    } finally {
      await atlas.close();
    }
    const uri = cluster.json.connectionStrings.standard as string;
    const expected = data().expectedContent(g, source);
    assert.equal(
      expected.namespaces['shop.orders']!.documents,
      3_000,
      'the seeded count at the world creation',
    );
    assert.deepEqual(await readContent(sim, uri), asContent(expected));
    assert.deepEqual(
      await readContent(sim, await uriOf(target)),
      asContent(data().expectedContent(g, target)),
    );
    assert.deepEqual(Object.keys(data().expectedContent(g, target).namespaces), [], 'targets start empty');
  });

  it('refuses a wrong password with the server own authentication error', async () => {
    const client = clientFor(sim, await uriOf(source), { password: 'not-the-password' });
    try {
      await assert.rejects(client.connect(), (error: unknown) => {
        assert.ok(error instanceof MongoServerError, String(error));
        assert.equal(error.code, 18);
        assert.match(error.message, /Authentication failed/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  it('grows the live source as simulated time passes, so two snapshots hold different data', async () => {
    const uri = await uriOf(source);
    const before = await readContent(sim, uri);
    sim.control.advanceClock(6 * HOUR);
    await data().settle();
    const later = await readContent(sim, uri);
    assert.equal(later.namespaces['shop.orders'], before.namespaces['shop.orders']! + 6 * 30);
    assert.equal(later.namespaces['shop.customers'], before.namespaces['shop.customers']! + 6 * 2);
    assert.equal(later.namespaces['analytics.events'], before.namespaces['analytics.events']! + 6 * 60);
    assert.deepEqual(later, asContent(data().expectedContent(g, source)));
    const [newer, older] = completedSnapshots(source);
    assert.ok(newer && older, 'two completed snapshots');
    const atNewer = data().expectedContent(g, source, Date.parse(newer.createdAt));
    const atOlder = data().expectedContent(g, source, Date.parse(older.createdAt));
    assert.equal(
      atNewer.namespaces['shop.orders']!.documents - atOlder.namespaces['shop.orders']!.documents,
      6 * 30,
    );
    assert.notDeepEqual(atNewer.stats['shop.meta'], atOlder.stats['shop.meta']);
  });

  it('makes the target of a finished snapshot restore hold the snapshot content, not the source content now', async () => {
    const [, older] = completedSnapshots(source);
    const takenAt = Date.parse(older!.createdAt);
    const jobId = await restoreSnapshot(older!.id);
    assert.equal(await finish(jobId), 'finished');
    const restored = await readContent(sim, await uriOf(target));
    const atSnapshot = data().expectedContent(g, source, takenAt);
    assert.deepEqual(restored, asContent(atSnapshot));
    assert.deepEqual(restored, asContent(data().expectedContent(g, target)), 'the model says the same');
    const now = await readContent(sim, await uriOf(source));
    assert.ok(restored.namespaces['shop.orders']! < now.namespaces['shop.orders']!);
    const stats = restored.stats['shop.meta'] as { documents: number; asOf: Date };
    assert.equal(
      stats.documents,
      atSnapshot.namespaces['shop.orders']!.documents + atSnapshot.namespaces['shop.customers']!.documents,
    );
    assert.ok(stats.asOf.getTime() <= takenAt, 'the stats document as of the snapshot, not as of now');
    assert.deepEqual(restored.stats['shop.meta'], atSnapshot.stats['shop.meta']);

    // The restored copy is frozen at the snapshot: it does not grow, and a snapshot of it holds the same.
    const restoredAt = sim.now();
    sim.control.advanceClock(7 * HOUR);
    await data().settle();
    assert.deepEqual(await readContent(sim, await uriOf(target)), restored);
    const ofTarget = completedSnapshots(target).find((s) => Date.parse(s.createdAt) > restoredAt);
    assert.ok(ofTarget, 'the target took a snapshot after the restore (every 6 h)');
    assert.deepEqual(asContent(data().expectedContent(g, target, Date.parse(ofTarget.createdAt))), restored);
  });

  it('makes the target of a point-in-time restore hold the content of that second', async () => {
    const patched = await call(sim, `/groups/${g}/clusters/${source}`, {
      method: 'PATCH',
      body: { pitEnabled: true },
    });
    assert.equal(patched.status, 200, patched.text);
    const enabledAt = sim.now();
    sim.control.advanceClock(2 * HOUR);
    const pointInTime = Math.floor((enabledAt + HOUR) / 1000) + 17;
    const jobId = await restoreInto(target, {
      deliveryType: 'pointInTime',
      pointInTimeUTCSeconds: pointInTime,
    });
    assert.equal(await finish(jobId), 'finished');
    const expected = data().expectedContent(g, source, pointInTime * 1000);
    assert.deepEqual(await readContent(sim, await uriOf(target)), asContent(expected));
    // One second later holds more: the moment is exact, not rounded to a snapshot.
    const orders = (seconds: number) =>
      data().expectedContent(g, source, seconds * 1000).namespaces['shop.orders']!.documents;
    let later = pointInTime + 1;
    while (orders(later) === orders(pointInTime)) later++;
    assert.equal(orders(later), orders(pointInTime) + 1);
  });

  for (const outcome of ['failed', 'cancelled', 'expired'] as const) {
    it(`leaves the target as it was when the restore ends ${outcome}`, async () => {
      const [newer, older] = completedSnapshots(source);
      assert.equal(await finish(await restoreSnapshot(older!.id)), 'finished');
      const before = await readContent(sim, await uriOf(target));
      sim.control.setScenario({ outcome });
      assert.equal(await finish(await restoreSnapshot(newer!.id)), outcome);
      assert.deepEqual(await readContent(sim, await uriOf(target)), before);
      assert.deepEqual(before, asContent(data().expectedContent(g, source, Date.parse(older!.createdAt))));
    });
  }

  it("reports a 'stale' restore finished and leaves the target as it was", async () => {
    const [newer, older] = completedSnapshots(source);
    assert.equal(await finish(await restoreSnapshot(older!.id)), 'finished');
    const before = await readContent(sim, await uriOf(target));
    sim.control.setScenario({ outcome: 'finished', data: 'stale' });
    const jobId = await restoreSnapshot(newer!.id);
    assert.equal(sim.control.state().restoreJobs.find((j) => j.id === jobId)!.scenario.data, 'stale');
    assert.equal(await finish(jobId), 'finished');
    assert.deepEqual(await readContent(sim, await uriOf(target)), before);
    assert.notDeepEqual(before, asContent(data().expectedContent(g, source, Date.parse(newer!.createdAt))));
  });

  it("reports an 'empty' restore finished and leaves the target empty", async () => {
    const [newer, older] = completedSnapshots(source);
    assert.equal(await finish(await restoreSnapshot(older!.id)), 'finished');
    assert.ok(Object.keys((await readContent(sim, await uriOf(target))).namespaces).length > 0);
    const set = await fetch(`${sim.url}/__sim/scenario`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ outcome: 'finished', data: 'empty' }),
    });
    assert.equal(set.status, 200);
    assert.deepEqual(((await set.json()) as { pendingScenarios: unknown }).pendingScenarios, [
      { outcome: 'finished', data: 'empty' },
    ]);
    assert.equal(await finish(await restoreSnapshot(newer!.id)), 'finished');
    assert.deepEqual(await readContent(sim, await uriOf(target)), { namespaces: {}, indexes: {}, stats: {} });
  });

  it('refuses connections while the restore runs and warms up, cuts the open ones, and accepts them after', async () => {
    const uri = await uriOf(target);
    const open = clientFor(sim, uri, { timeoutMs: 1_000 });
    await open.connect();
    await open.db('admin').command({ ping: 1 });
    const [newest] = completedSnapshots(source);
    const jobId = await restoreSnapshot(newest!.id);
    await data().settle();
    await assert.rejects(open.db('admin').command({ ping: 1 }), 'the open connection was cut');
    await open.close();
    assert.equal(await accepts(sim, uri), false, 'refused while the job runs');
    sim.control.advanceClock(20 * MINUTE);
    assert.equal(await jobState(jobId), 'finished');
    assert.equal(await accepts(sim, uri), false, 'refused while the target warms up');
    assert.match(
      sim.control.state().deployments.find((d) => d.name === target)!.data!.refusing!,
      /warming up/,
    );
    sim.control.advanceClock(WARMUP - 1_000);
    assert.equal(await accepts(sim, uri), false, 'still warming up a second before the end');
    sim.control.advanceClock(1_000);
    assert.equal(await accepts(sim, uri), true);
    assert.equal(await accepts(sim, await uriOf(source)), true, 'the source stayed reachable throughout');
  });

  it('makes a deployment unreachable and reachable again on request', async () => {
    const uri = await uriOf(source);
    data().setReachable(g, source, false);
    assert.equal(await accepts(sim, uri), false);
    assert.equal(sim.control.state().deployments.find((d) => d.name === source)!.data!.reachable, false);
    const http = await fetch(`${sim.url}/__sim/data/reachable`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ groupId: g, name: source, reachable: true }),
    });
    assert.equal(http.status, 200);
    assert.equal(await accepts(sim, uri), true);
    const unknown = await fetch(`${sim.url}/__sim/data/reachable`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ groupId: g, name: 'no-such-cluster', reachable: false }),
    });
    assert.equal(unknown.status, 404);
  });

  it('re-materializes on reset and on a new seed', async () => {
    const [newest] = completedSnapshots(source);
    assert.equal(await finish(await restoreSnapshot(newest!.id)), 'finished');
    const targetUri = await uriOf(target);
    assert.ok(Object.keys((await readContent(sim, targetUri)).namespaces).length > 0);
    const grown = await readContent(sim, await uriOf(source));

    sim.control.reset();
    await data().settle();
    assert.equal(await uriOf(target), targetUri, 'the same deployment keeps its address');
    assert.deepEqual((await readContent(sim, targetUri)).namespaces, {}, 'the restore is undone');
    const fresh = await readContent(sim, await uriOf(source));
    assert.equal(fresh.namespaces['shop.orders'], 3_000, 'the source starts over at its seeded count');
    assert.notDeepEqual(fresh.stats, grown.stats);

    const seed: SeedData = {
      projects: [{ id: '65b000000000000000000001', name: 'tiny' }],
      clusters: [
        {
          id: '65b000000000000000000002',
          groupId: '65b000000000000000000001',
          name: 'tiny-source',
          data: {
            databases: [
              { name: 'inventory', collections: [{ name: 'items', documents: 42, writesPerHour: 1 }] },
            ],
          },
        },
      ],
    };
    const seeded = await fetch(`${sim.url}/__sim/seed`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(seed),
    });
    assert.equal(seeded.status, 200);
    const tiny = await uriOf('tiny-source', '65b000000000000000000001');
    await withClient(sim, tiny, async (client) =>
      assert.equal(await client.db('inventory').collection('items').countDocuments(), 42),
    );
    assert.equal(await accepts(sim, targetUri), false, 'deployments the seed dropped lost their server');
    await assert.rejects(uriOf(target), /no deployment/);
  });
});

describe('simulator data plane start', () => {
  it('fails to start, naming the binary, when the wire server does not come up', async () => {
    await assert.rejects(
      startSimulator({ dataPlane: { wireServer: { flavour: 'ferretdb', path: '/bin/false' } } }),
      /ferretdb \(\/bin\/false\) did not start on port \d+ \(exit 1\)/,
    );
  });

  it('refuses an option it does not know', async () => {
    await assert.rejects(
      startSimulator({ dataPlane: { warmup: 5 } as never }),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message === 'invalid dataPlane option: dataPlane: Unrecognized key: "warmup"',
    );
  });
});
