/**
 * Restores that prove their data, end to end: the workflow on the dev server, the simulator with its data
 * plane (real wire servers), the validation activity with the official driver. The source keeps writing
 * as simulated time passes, so a target that holds "now" instead of the snapshot's moment is caught.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient } from 'mongodb';
import { RestoreFailureType, searchAttributes } from '../../src/common/contract';
import { validateRestoreRequest, InvalidRestoreRequestError } from '../../src/client';
import { DEFAULT_SEED, type SeedData } from '../../src/simulator';
import type { ValidationSpecInput } from '../../src/common/validation';
import type { ExpectedContent } from '../../src/simulator/data/content';
import {
  clusterRequest,
  expectFailure,
  expectSuccess,
  startKit,
  startRestore,
  type Kit,
  recordHistory,
} from './support';

/**
 * Checks that hold only for the data as of one moment: the orders count against the source as of it (by
 * `_id`'s creation second) and exactly; the stats document as it was then (it changes with every write);
 * the indexes; the other database.
 */
function checksAsOf(expected: ExpectedContent): ValidationSpecInput['checks'] {
  const orders = expected.namespaces['shop.orders']!;
  const stats = expected.stats['shop.meta']!;
  return [
    {
      kind: 'count',
      name: 'orders vs source as of the restored moment',
      database: 'shop',
      collection: 'orders',
      ofSource: {},
    },
    {
      kind: 'count',
      name: 'orders exactly',
      database: 'shop',
      collection: 'orders',
      equals: orders.documents,
    },
    {
      kind: 'query',
      name: 'stats as of the restored moment',
      database: 'shop',
      collection: 'meta',
      filter: { _id: 'stats', documents: stats.documents },
      minResults: 1,
    },
    {
      kind: 'indexes',
      name: 'orders indexes',
      database: 'shop',
      collection: 'orders',
      names: orders.indexes,
    },
    { kind: 'exists', name: 'analytics database', database: 'analytics' },
  ];
}

describe('restores that prove their data', () => {
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
  const target = () => kit.sim.ids.clusterTarget;
  /** The completed snapshots of the dedicated source, newest first. */
  const snapshots = () =>
    kit.sim.control
      .state()
      .deployments.find((d) => d.name === source())!
      .snapshots.filter((s) => s.status === 'completed');
  const targetCount = async (ns: string) => {
    const uri = await kit.sim.data!.connectionString(g(), target());
    const client = new MongoClient(uri, {
      auth: {
        username: kit.sim.credentials.databaseUsername,
        password: kit.sim.credentials.databasePassword,
      },
      serverSelectionTimeoutMS: 5_000,
    });
    try {
      const [db, coll] = ns.split('.');
      return await client.db(db).collection(coll!).countDocuments({});
    } finally {
      await client.close();
    }
  };

  it("restores snapshot S of a source that changed since, and validation proves the target holds S's data", async () => {
    // An older snapshot: the source has written for hours since.
    const s = snapshots()[1]!;
    const atS = kit.sim.data!.expectedContent(g(), source(), Date.parse(s.createdAt));
    const now = kit.sim.data!.expectedContent(g(), source());
    assert.ok(
      now.namespaces['shop.orders']!.documents > atS.namespaces['shop.orders']!.documents,
      'the source grew after S',
    );
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: s.id },
        ensureContinuousBackup: false,
        validate: { connectTimeout: '1m', checks: checksAsOf(atS) },
        objectives: { rto: '1h', rpo: '1d' },
      }),
    );
    const result = await expectSuccess(handle);
    assert.equal(result.snapshotId, s.id);
    assert.ok(result.validation?.ok, JSON.stringify(result.validation));
    assert.equal(result.validation!.checks.length, checksAsOf(atS).length);
    for (const check of result.validation!.checks) assert.ok(check.ok, `${check.name}: ${check.summary}`);
    // Independently of the checks: the target holds S's count, not today's.
    assert.equal(await targetCount('shop.orders'), atS.namespaces['shop.orders']!.documents);
    // Recovery figures: RPO back to S, RTO up to validated, both graded.
    assert.equal(result.rpo?.restoredTo, s.createdAt);
    assert.ok(result.rto?.toValidatedSeconds !== undefined && result.rto.toAtlasDoneSeconds !== undefined);
    assert.ok(result.rto!.toValidatedSeconds! >= result.rto!.toAtlasDoneSeconds!);
    assert.equal(result.rto!.met, true);
    assert.ok(result.timings.validatedAt && result.timings.atlasFinishedAt);
    const sa = (await handle.describe()).typedSearchAttributes;
    assert.equal(sa.get(searchAttributes.restoreOutcome), 'finished');
    await recordHistory('cluster-validated', handle);
  });

  it('a point-in-time restore holds the data of that moment', async () => {
    const seed: SeedData = structuredClone(DEFAULT_SEED);
    seed.clusters!.find((c) => c.name === source())!.pitEnabled = true;
    kit.sim.control.seed(seed);
    await kit.sim.data!.settle();
    // Five simulated hours back: the simulator's clock runs ahead of the workflow's (60x), and this stays
    // in the workflow's past too for the first minutes of the run.
    const pointInTime = Math.floor(kit.sim.control.state().nowMs / 1000) - 5 * 3600;
    const atT = kit.sim.data!.expectedContent(g(), source(), pointInTime * 1000);
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { pointInTimeUtcSeconds: pointInTime },
        validate: { connectTimeout: '1m', checks: checksAsOf(atT) },
      }),
    );
    const result = await expectSuccess(handle);
    assert.ok(result.validation?.ok, JSON.stringify(result.validation));
    assert.equal(await targetCount('shop.orders'), atT.namespaces['shop.orders']!.documents);
  });

  it('a job Atlas reports finished over a stale target ends validation_failed, naming the check and the numbers', async () => {
    const s = snapshots()[0]!;
    const atS = kit.sim.data!.expectedContent(g(), source(), Date.parse(s.createdAt));
    const before = await targetCount('shop.orders');
    kit.sim.control.setScenario({ outcome: 'finished', data: 'stale' });
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: s.id },
        ensureContinuousBackup: false,
        validate: {
          connectTimeout: '1m',
          checks: [
            {
              kind: 'count',
              name: 'orders as of S',
              database: 'shop',
              collection: 'orders',
              equals: atS.namespaces['shop.orders']!.documents,
            },
          ],
        },
      }),
    );
    const failure = await expectFailure(handle);
    assert.equal(failure.type, RestoreFailureType.ValidationFailed);
    assert.match(failure.message, /^1 of 1 checks of the restored data failed: orders as of S: /);
    const figure = (n: number) => n.toLocaleString('en-US');
    assert.ok(
      failure.message.includes(`wanted = ${figure(atS.namespaces['shop.orders']!.documents)}`),
      failure.message,
    );
    assert.ok(failure.message.includes(`holds ${figure(before)} documents`), `${before}: ${failure.message}`);
    assert.equal(failure.details.validation?.ok, false);
    assert.equal(failure.details.validation?.checks[0]?.ok, false);
    const sa = (await handle.describe()).typedSearchAttributes;
    assert.equal(sa.get(searchAttributes.restoreOutcome), 'validation_failed');
  });

  it('an unreachable target fails validation after the bounded retry, naming the host and no secret', async () => {
    kit.sim.data!.setReachable(g(), target(), false);
    const handle = await startRestore(
      kit,
      clusterRequest(kit.sim.ids, {
        snapshot: { snapshotId: snapshots()[0]!.id },
        ensureContinuousBackup: false,
        validate: { connectTimeout: '5s', checks: [{ kind: 'exists', database: 'shop' }] },
      }),
    );
    const failure = await expectFailure(handle);
    assert.equal(failure.type, RestoreFailureType.ValidationFailed);
    assert.match(failure.message, /^the restored data could not be checked: /);
    assert.match(failure.message, /127\.0\.0\.1:\d+/);
    assert.ok(!failure.message.includes(kit.sim.credentials.databasePassword), 'no password in the message');
    kit.sim.data!.setReachable(g(), target(), true);
  });
});

describe('validation with the wrong database password', () => {
  let kit: Kit;
  const password = 'not-the-password-7f3a';
  before(async () => {
    kit = await startKit({
      simulator: { dataPlane: true },
      database: { username: 'restore-checker', password },
    });
  });
  after(() => kit?.close());

  it('fails clearly after the bounded retry, and neither password appears', async () => {
    const snapshot = kit.sim.control
      .state()
      .deployments.find((d) => d.name === kit.sim.ids.clusterSource)!
      .snapshots.find((s) => s.status === 'completed')!;
    const failure = await expectFailure(
      await startRestore(
        kit,
        clusterRequest(kit.sim.ids, {
          snapshot: { snapshotId: snapshot.id },
          ensureContinuousBackup: false,
          validate: { connectTimeout: '4s', checks: [{ kind: 'exists', database: 'shop' }] },
        }),
      ),
    );
    assert.equal(failure.type, RestoreFailureType.ValidationFailed);
    assert.match(failure.message, /[Aa]uthentication failed/);
    assert.ok(!failure.message.includes(password));
    assert.ok(!failure.message.includes(kit.sim.credentials.databasePassword));
  });
});

describe('bad validate sections', () => {
  const base = {
    source: { kind: 'cluster', groupId: '66320490d7a6931071338f34', name: 'a' },
    snapshot: { latest: true },
    target: { groupId: '66320490d7a6931071338f34', name: 'b' },
  };
  const bad: [string, unknown, string][] = [
    ['no checks', { checks: [] }, 'validate.checks'],
    [
      'a count with nothing to compare',
      { checks: [{ kind: 'count', database: 'shop', collection: 'o' }] },
      'validate.checks.0.equals',
    ],
    ['an unknown kind', { checks: [{ kind: 'hash', database: 'shop' }] }, 'validate.checks.0.kind'],
    ['a bad database name', { checks: [{ kind: 'exists', database: 'a.b' }] }, 'validate.checks.0.database'],
    [
      'a credential in the request',
      { checks: [{ kind: 'exists', database: 'shop' }], password: 'x' },
      'validate',
    ],
    [
      'a connect timeout too long',
      { checks: [{ kind: 'exists', database: 'shop' }], connectTimeout: '2h' },
      'validate.connectTimeout',
    ],
  ];
  for (const [name, validate, field] of bad) {
    it(`refuses ${name} before start, naming ${field}`, () => {
      assert.throws(
        () => validateRestoreRequest({ ...base, validate }),
        (error: unknown) =>
          error instanceof InvalidRestoreRequestError && error.issues.some((issue) => issue.field === field),
      );
    });
  }
});
