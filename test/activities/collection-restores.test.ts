/**
 * The collection restore activities on their own: the real Atlas client against the simulator, in a mock
 * activity context, so heartbeats and results can be read. The simulator's clock barely moves by itself;
 * where a job must progress while an activity polls, a ticker advances it in small steps.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createActivities,
  type CollectionRestoreJobMatch,
  type CollectionRestoreSpec,
  type CollectionRestoreWaitInput,
  type CollectionRestoreWaitProgress,
  type CollectionRestoreWaitResult,
  type DeploymentRef,
} from '../../src/activities';
import { collectionRestoreProgressChanged, objectIdSeconds } from '../../src/activities/restore-jobs';
import type { CollectionRestoreJobView } from '../../src/common/atlas-views';
import { createBackupApi } from '../../src/atlas/backup-api';
import { createAtlasClient, type AtlasClient } from '../../src/atlas/client';
import { ATLAS_API_ERROR_TYPE, type AtlasErrorInfo } from '../../src/common/contract';
import { startSimulator, type RunningSimulator } from '../../src/simulator';

const MINUTE = 60_000;

type SnapshotSpec = Extract<CollectionRestoreSpec, { snapshotId: string }>;

/** `MockActivityEnvironment.run` loses the activity's result type; this keeps it. */
function runIn<A extends unknown[], R>(
  env: MockActivityEnvironment,
  fn: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the activity to fail');
}

describe('collection restore activities against the simulator', () => {
  let sim: RunningSimulator;
  let client: AtlasClient;
  let source: DeploymentRef;
  let snapshotId: string;
  before(async () => {
    sim = await startSimulator({
      timeScale: 1e-6,
      startTime: '2026-06-01T00:00:00Z',
      faults: { rateLimit: false },
    });
    client = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
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
    await client?.close();
    await sim?.close();
  });

  const activities = (progressWindowMs?: number) =>
    createActivities({ atlas: createBackupApi(client), ...(progressWindowMs ? { progressWindowMs } : {}) });
  /** A spec restoring a snapshot (the tests' source), so spreads of it keep that type. */
  const spec = (extra: Partial<CollectionRestoreSpec> = {}): SnapshotSpec =>
    ({
      target: { groupId: sim.ids.projectId, name: sim.ids.clusterTarget },
      snapshotId,
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'ALL',
      collections: [{ source: 'shop.customers' }],
      ...extra,
    }) as SnapshotSpec;
  const slow = (durationMs = 100 * MINUTE) =>
    sim.control.setScenario({ outcome: 'finished', durationMs, appliesTo: 'collectionRestoreJob' });
  const create = (s = spec()) =>
    runIn(new MockActivityEnvironment(), activities().createCollectionRestoreJob, source, s);
  const fresh = (): CollectionRestoreWaitProgress => ({
    polls: 0,
    intervalMs: 20,
    nextPollAt: 0,
    consecutiveErrors: 0,
  });
  const waitInput = (
    jobId: string,
    extra: Partial<CollectionRestoreWaitInput> = {},
  ): CollectionRestoreWaitInput => ({
    deployment: source,
    jobId,
    schedule: { initialIntervalMs: 20, maxIntervalMs: 40, deadlineAt: Date.now() + 60_000 },
    progress: fresh(),
    ...extra,
  });
  /** Advances simulated time by `stepMs` every 20 real ms until stopped. */
  const ticking = (stepMs: number) => {
    const timer = setInterval(() => sim.control.advanceClock(stepMs), 20);
    return () => clearInterval(timer);
  };

  it('reports each progress step as a workflow would see it, and the job with its collections at the end', async () => {
    slow();
    const job = await create();
    const beats: { summary: string }[] = [];
    const results: CollectionRestoreWaitResult[] = [];
    let progress: CollectionRestoreWaitProgress = { ...fresh(), lastJob: job };
    const stop = ticking(MINUTE);
    try {
      for (let call = 0; call < 40; call++) {
        const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 });
        env.on('heartbeat', (details: { summary: string }) => beats.push(details));
        const result = await runIn(
          env,
          activities(60_000).waitForCollectionRestoreJob,
          waitInput(job.id, { progress }),
        );
        results.push(result);
        progress = result.progress;
        if (result.outcome !== 'changed') break;
      }
    } finally {
      stop();
    }
    const last = results[results.length - 1]!;
    assert.equal(last.outcome, 'terminal', JSON.stringify(results.map((r) => r.outcome)));
    assert.ok(results.slice(0, -1).every((r) => r.outcome === 'changed'));
    const reported = results.map((r) => r.job!);
    // A report at each state, at each tenth of the documents and when the estimated total became exact.
    assert.deepEqual(
      [...new Set(reported.map((j) => j.atlasState))],
      ['IN_PROGRESS', 'FINALIZING', 'SUCCESSFUL'],
      'INITIALIZING was what the workflow saw at the create',
    );
    const totals = [...new Set(reported.map((j) => j.totalDocuments))];
    assert.equal(totals.length, 2, `the estimate, then the exact total: ${totals.join(', ')}`);
    assert.equal(totals[0], 1000);
    assert.ok(results.length >= 10 && results.length <= 16, `${results.length} reports`);
    const polls = last.progress.polls;
    assert.ok(polls > results.length, `${polls} polls for ${results.length} reports: not one per poll`);
    for (let i = 1; i < reported.length - 1; i++) {
      const [a, b] = [reported[i - 1]!, reported[i]!];
      const tenth = (j: typeof a) => Math.floor((10 * j.restoredDocuments!) / j.totalDocuments!);
      assert.ok(
        a.atlasState !== b.atlasState || tenth(a) !== tenth(b) || a.totalDocuments !== b.totalDocuments,
        `report ${i} shows no step: ${JSON.stringify([a, b])}`,
      );
    }
    assert.ok(last.outcome === 'terminal');
    assert.equal(last.job.state, 'finished');
    assert.equal(last.job.restoredDocuments, last.job.totalDocuments);
    assert.deepEqual(
      last.job.namespaces!.map((n) => [
        n.source,
        n.target,
        n.state,
        n.restoredDocuments === n.totalDocuments,
      ]),
      [['shop.customers', 'shop.customers', 'SUCCESSFUL', true]],
    );
    assert.equal(
      reported.slice(0, -1).some((j) => j.namespaces !== undefined),
      false,
      'collections only at the end',
    );
    const readable = new RegExp(
      `collection restore IN_PROGRESS \\d+% \\([\\d,]+ of 1,000 documents, estimate\\), job ${job.id}`,
    );
    assert.ok(
      beats.some((b) => readable.test(b.summary)),
      beats.map((b) => b.summary).join('\n'),
    );
  });

  it('waits a whole window without returnOnChange, and stops at the deadline', async () => {
    slow();
    const job = await create();
    const stop = ticking(MINUTE);
    try {
      const windowed = await runIn(
        new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }),
        activities(600).waitForCollectionRestoreJob,
        waitInput(job.id, { returnOnChange: false, progress: { ...fresh(), lastJob: job } }),
      );
      assert.equal(windowed.outcome, 'window');
      assert.ok(windowed.progress.polls > 3, `${windowed.progress.polls} polls`);
      assert.equal(windowed.job?.id, job.id);
      const late = await runIn(
        new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }),
        activities(60_000).waitForCollectionRestoreJob,
        waitInput(job.id, {
          returnOnChange: false,
          schedule: { initialIntervalMs: 20, maxIntervalMs: 40, deadlineAt: Date.now() + 300 },
        }),
      );
      assert.equal(late.outcome, 'deadline');
    } finally {
      stop();
    }
  });

  it('ends terminal with Atlas’ message and the collection that failed the job', async () => {
    sim.control.setScenario({ outcome: 'finished', durationMs: 0, appliesTo: 'collectionRestoreJob' });
    const job = await create(spec({ collections: [{ source: 'shop.orders' }, { source: 'shop.returns' }] }));
    const result = await runIn(
      new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }),
      activities(60_000).waitForCollectionRestoreJob,
      waitInput(job.id),
    );
    assert.equal(result.outcome, 'terminal');
    assert.ok(result.outcome === 'terminal');
    assert.equal(result.job.state, 'failed');
    assert.match(result.job.errorMessage!, /collection was not found in the snapshot: shop\.returns/);
    assert.deepEqual(
      result.job.namespaces!.map((n) => [n.source, n.state]),
      [
        ['shop.orders', 'NOT_RESTORED'],
        ['shop.returns', 'NOT_FOUND'],
      ],
    );
  });

  it('finds only the job this submission could have created', async () => {
    slow();
    const wanted = spec({
      collections: [{ source: 'shop.customers' }, { source: 'shop.orders', target: 'archive.orders' }],
      collectionSuffix: '_r',
    });
    const job = await create(wanted);
    const match = { ...wanted, createdAtOrAfterSeconds: objectIdSeconds(job.id) };
    const find = (m: CollectionRestoreJobMatch) =>
      runIn(new MockActivityEnvironment(), activities().findCollectionRestoreJob, source, m);
    assert.equal((await find(match))?.id, job.id);
    assert.equal(
      (await find({ ...match, collections: [...wanted.collections!].reverse() }))?.id,
      job.id,
      'the same scope in another order',
    );
    const not = async (why: string, m: CollectionRestoreJobMatch) => assert.equal(await find(m), null, why);
    await not('created before the workflow began', {
      ...match,
      createdAtOrAfterSeconds: match.createdAtOrAfterSeconds + 1,
    });
    await not('another target', { ...match, target: { ...match.target, name: sim.ids.flexClusterTarget } });
    await not('another snapshot', { ...match, snapshotId: 'e'.repeat(24) });
    const { snapshotId: _snapshot, ...scope } = match;
    await not('a point in time instead', { ...scope, pointInTimeUtcSeconds: objectIdSeconds(snapshotId) });
    await not('another write strategy', { ...match, writeStrategy: 'OVERWRITE_EXISTING' });
    await not('another index strategy', { ...match, indexStrategy: 'NONE' });
    await not('one collection more', {
      ...match,
      collections: [...wanted.collections!, { source: 'analytics.events' }],
    });
    await not('another rename', {
      ...match,
      collections: [{ source: 'shop.customers' }, { source: 'shop.orders' }],
    });
    await not('another suffix', { ...match, collectionSuffix: '_s' });
    await not('a database instead', { ...match, collections: [], databases: [{ source: 'shop' }] });
    assert.equal((await find({ ...match, inProgressOnly: true }))?.id, job.id, 'still running');
    sim.control.advanceClock(101 * MINUTE);
    await not('ended before our first POST', { ...match, inProgressOnly: true });
    assert.equal((await find(match))?.id, job.id, 'after our POST, an ended job is still ours');
  });

  it('creates with exactly one POST and fails for good, with Atlas’ error as details, when Atlas refuses', async () => {
    slow();
    await create();
    const busy = await failure(create(spec({ collections: [{ source: 'shop.orders' }] })));
    assert.equal(busy.type, ATLAS_API_ERROR_TYPE);
    assert.equal(busy.nonRetryable, true);
    const info = busy.details?.[0] as AtlasErrorInfo;
    assert.equal(info.status, 409);
    assert.equal(info.errorCode, 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS');
    assert.match(info.detail!, /Cluster restore already in progress/);
    assert.equal(
      sim.control.requests().counts.byRoute.createCollectionRestoreJob,
      2,
      'no retries of its own',
    );

    const before = sim.control.requests().entries.length;
    const flex = await failure(
      runIn(
        new MockActivityEnvironment(),
        activities().createCollectionRestoreJob,
        { ...source, kind: 'flex', name: sim.ids.flexSource },
        spec(),
      ),
    );
    assert.equal(flex.nonRetryable, true);
    assert.match(flex.message, /dedicated clusters only/);
    assert.equal(sim.control.requests().entries.length, before, 'nothing sent');
  });

  it('lists the namespaces of a snapshot', async () => {
    const list = (database?: string) =>
      runIn(new MockActivityEnvironment(), activities().listSnapshotNamespaces, source, snapshotId, database);
    assert.deepEqual(await list(), { snapshotId, databases: [{ name: 'shop' }, { name: 'analytics' }] });
    assert.deepEqual(await list('shop'), {
      snapshotId,
      databases: [{ name: 'shop', collections: ['orders', 'customers', 'meta'] }],
    });
    const missing = await failure(list('billing'));
    assert.equal((missing.details?.[0] as AtlasErrorInfo).status, 404);
  });

  it('counts as a step a new state, another tenth, a total moved by more than a tenth, and nothing finer', () => {
    const view = (
      atlasState: string,
      restoredDocuments?: number,
      totalDocuments?: number,
    ): CollectionRestoreJobView => ({
      id: 'a'.repeat(24),
      state: 'in_progress',
      atlasState,
      ...(restoredDocuments !== undefined ? { restoredDocuments } : {}),
      ...(totalDocuments !== undefined ? { totalDocuments } : {}),
      createdAt: '2026-06-01T00:00:00Z',
      target: { groupId: 'b'.repeat(24), name: 'target' },
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'ALL',
    });
    const changed = collectionRestoreProgressChanged;
    assert.equal(changed(undefined, view('IN_PROGRESS', 10, 100)), false, 'nothing seen yet: the baseline');
    assert.equal(changed(view('INITIALIZING', 0, 100), view('IN_PROGRESS', 0, 100)), true, 'a new state');
    assert.equal(
      changed(view('IN_PROGRESS', 41, 100), view('IN_PROGRESS', 49, 100)),
      false,
      'within a tenth',
    );
    assert.equal(changed(view('IN_PROGRESS', 49, 100), view('IN_PROGRESS', 50, 100)), true, 'another tenth');
    assert.equal(changed(view('IN_PROGRESS', 400, 1000), view('IN_PROGRESS', 450, 1120)), true, 'total +12%');
    assert.equal(changed(view('IN_PROGRESS', 400, 1000), view('IN_PROGRESS', 440, 1090)), false, 'total +9%');
    assert.equal(changed(view('IN_PROGRESS'), view('IN_PROGRESS', 0, 1000)), true, 'counts appeared');
  });
});
