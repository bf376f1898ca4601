/**
 * The validation activity against the simulator's data plane: the real Atlas client reads the target's
 * connection string, the official driver reads its data, in a mock activity context so heartbeats and
 * failures can be inspected. The simulated clock stands still unless a test moves it (time scale 1e-6).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import {
  createActivities,
  type DatabaseCredentials,
  type DeploymentRef,
  type ValidateRestoreInput,
  type ValidationProgress,
} from '../../src/activities';
import { createAtlasClient, type AtlasClient } from '../../src/atlas/client';
import { createBackupApi } from '../../src/atlas/backup-api';
import {
  validationSpecSchema,
  type ValidationCheckResult,
  type ValidationReport,
  type ValidationSpecInput,
} from '../../src/common/validation';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { call } from '../simulator/helpers';

const MINUTE = 60_000;
/** The failures are the subject here; the SDK's warning for each would only repeat them. */
const quiet = new DefaultLogger('ERROR');
const HOUR = 60 * MINUTE;

describe('validateRestore against the simulator data plane', () => {
  let sim: RunningSimulator;
  let client: AtlasClient;
  let g: string;
  let source: DeploymentRef;
  let target: DeploymentRef;
  let stale: DeploymentRef;
  /** The restored moment of the target (and of the stale one), Unix seconds. */
  let restoredToSeconds: number;

  const user = (): DatabaseCredentials => ({
    username: sim.credentials.databaseUsername,
    password: sim.credentials.databasePassword,
  });
  const activities = (database: DatabaseCredentials | undefined = user()) =>
    createActivities({ atlas: createBackupApi(client), ...(database ? { database } : {}) });

  async function restore(targetName: string, snapshotId: string): Promise<string> {
    const created = await call(sim, `/groups/${g}/clusters/${source.name}/backup/restoreJobs`, {
      method: 'POST',
      body: { deliveryType: 'automated', snapshotId, targetClusterName: targetName, targetGroupId: g },
    });
    assert.equal(created.status, 200, created.text);
    return created.json.id as string;
  }

  before(async () => {
    sim = await startSimulator({ dataPlane: true, timeScale: 1e-6, startTime: '2026-06-01T00:00:00Z' });
    g = sim.ids.projectId;
    client = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
    });
    source = { kind: 'cluster', groupId: g, name: sim.ids.clusterSource };
    target = { kind: 'cluster', groupId: g, name: sim.ids.clusterTarget };
    stale = { kind: 'cluster', groupId: g, name: sim.ids.flexClusterTarget };
    const snapshot = sim.control
      .state()
      .deployments.find((d) => d.name === source.name)!
      .snapshots.find((s) => s.status === 'completed')!;
    restoredToSeconds = Date.parse(snapshot.createdAt) / 1000;
    const jobs = [await restore(target.name, snapshot.id)];
    sim.control.setScenario({ outcome: 'finished', data: 'stale' });
    jobs.push(await restore(stale.name, snapshot.id));
    // Twenty minutes to finish, then the targets' warm-up; the source keeps growing meanwhile.
    sim.control.advanceClock(20 * MINUTE + 60_000 + 2 * HOUR);
    for (const id of jobs) {
      const job = await call(sim, `/groups/${g}/clusters/${source.name}/backup/restoreJobs/${id}`);
      assert.ok(job.json.finishedAt, 'the restore finished');
    }
    await sim.data!.settle();
  });
  after(async () => {
    await client?.close();
    await sim?.close();
  });

  const spec = (checks: ValidationSpecInput['checks'], connectTimeout = '10s') =>
    validationSpecSchema.parse({ connectTimeout, checks });
  async function validate(
    input: Partial<ValidateRestoreInput> & { spec: ValidateRestoreInput['spec'] },
    database?: DatabaseCredentials,
    onBeat?: (beat: ValidationProgress) => void,
  ): Promise<{ report?: ValidationReport; error?: unknown; beats: ValidationProgress[] }> {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }, { logger: quiet });
    const beats: ValidationProgress[] = [];
    env.on('heartbeat', (beat: ValidationProgress) => {
      beats.push({ ...beat });
      onBeat?.({ ...beat });
    });
    const { validateRestore } = activities(database);
    try {
      const report = (await env.run(validateRestore, { target, ...input })) as ValidationReport;
      return { report, beats };
    } catch (error) {
      return { error, beats };
    }
  }
  const expected = (ref: DeploymentRef, atMs?: number) => sim.data!.expectedContent(g, ref.name, atMs);
  const restoredCount = (ns: string) => expected(target).namespaces[ns]!.documents;
  const byName = (report: ValidationReport | undefined) =>
    Object.fromEntries((report?.checks ?? []).map((c) => [c.name, c])) as Record<
      string,
      ValidationCheckResult
    >;

  it('passes every kind of check on a good restore, with the figures it found', async () => {
    const orders = restoredCount('shop.orders');
    const paid = Math.floor((orders + 2) / 4);
    const { report, error } = await validate({
      source,
      restoredToSeconds,
      spec: spec([
        { kind: 'exists', name: 'db', database: 'shop' },
        { kind: 'exists', name: 'collection', database: 'shop', collection: 'orders' },
        { kind: 'count', name: 'exact', database: 'shop', collection: 'orders', equals: orders },
        { kind: 'count', name: 'range', database: 'shop', collection: 'customers', min: 1, max: 1_000 },
        {
          kind: 'count',
          name: 'filtered',
          database: 'shop',
          collection: 'orders',
          filter: { status: 'paid' },
          equals: paid,
        },
        { kind: 'count', name: 'of source by _id', database: 'shop', collection: 'orders', ofSource: {} },
        {
          kind: 'count',
          name: 'of source by date',
          database: 'analytics',
          collection: 'events',
          ofSource: { timeField: 'writtenAt' },
        },
        {
          kind: 'query',
          name: 'find',
          database: 'shop',
          collection: 'orders',
          filter: { status: 'shipped' },
          minResults: 10,
        },
        {
          kind: 'query',
          name: 'aggregate',
          database: 'shop',
          collection: 'orders',
          pipeline: [{ $match: { amount: { $gte: 500 } } }, { $sort: { amount: -1 } }],
        },
        {
          kind: 'indexes',
          name: 'indexes',
          database: 'shop',
          collection: 'orders',
          names: ['_id_', 'status_1', 'writtenAt_-1'],
        },
      ]),
    });
    assert.equal(error, undefined, String(error));
    const checks = byName(report);
    assert.equal(report!.ok, true, JSON.stringify(report!.checks.filter((c) => !c.ok)));
    assert.equal(report!.connectAttempts, 1);
    assert.ok(Date.parse(report!.validatedAt) >= Date.parse(report!.connectedAt));
    assert.equal(checks.exact!.actual, orders.toLocaleString('en-US'));
    assert.equal(checks.filtered!.actual, paid.toLocaleString('en-US'));
    assert.match(
      checks['of source by _id']!.expected!,
      new RegExp(`^${orders.toLocaleString('en-US')} \\(the source's up to `),
    );
    assert.ok(
      orders < expected(source).namespaces['shop.orders']!.documents,
      'the live source has more by now',
    );
    assert.equal(
      checks['of source by date']!.actual,
      restoredCount('analytics.events').toLocaleString('en-US'),
    );
    assert.equal(checks.indexes!.summary, 'shop.orders has _id_, status_1, writtenAt_-1');
  });

  it('fails each kind of check with what it found against what was wanted', async () => {
    const orders = restoredCount('shop.orders');
    const { report, error } = await validate({
      source,
      restoredToSeconds: restoredToSeconds + 2 * 3600,
      spec: spec([
        { kind: 'exists', name: 'db', database: 'billing' },
        { kind: 'exists', name: 'collection', database: 'shop', collection: 'returns' },
        { kind: 'count', name: 'exact', database: 'shop', collection: 'orders', equals: orders + 1 },
        { kind: 'count', name: 'range', database: 'shop', collection: 'orders', max: 100 },
        { kind: 'count', name: 'of a later moment', database: 'shop', collection: 'orders', ofSource: {} },
        { kind: 'query', name: 'find', database: 'shop', collection: 'orders', filter: { status: 'lost' } },
        {
          kind: 'query',
          name: 'bad filter',
          database: 'shop',
          collection: 'orders',
          filter: { $where: 'nope' },
        },
        {
          kind: 'query',
          name: 'writes',
          database: 'shop',
          collection: 'orders',
          pipeline: [{ $out: 'copy' }],
        },
        {
          kind: 'indexes',
          name: 'indexes',
          database: 'shop',
          collection: 'orders',
          names: ['status_1', 'amount_1'],
        },
        {
          kind: 'indexes',
          name: 'no collection',
          database: 'shop',
          collection: 'returns',
          names: ['status_1'],
        },
      ]),
    });
    assert.equal(error, undefined, String(error));
    const checks = byName(report);
    assert.equal(report!.ok, false);
    assert.deepEqual(
      report!.checks.filter((c) => c.ok).map((c) => c.name),
      [],
      'every check fails',
    );
    assert.equal(checks.db!.summary, 'database billing is missing');
    assert.equal(checks.collection!.summary, 'shop.returns is missing');
    assert.equal(checks.exact!.actual, orders.toLocaleString('en-US'));
    assert.equal(checks.exact!.expected, `= ${(orders + 1).toLocaleString('en-US')}`);
    assert.equal(checks.range!.expected, '<= 100');
    const later = expected(source, (restoredToSeconds + 2 * 3600) * 1000).namespaces['shop.orders']!
      .documents;
    assert.equal(later - orders, 2 * 30, 'two more hours of orders at 30 an hour');
    assert.match(checks['of a later moment']!.expected!, new RegExp(`^${later.toLocaleString('en-US')} `));
    assert.equal(checks.find!.actual, '0');
    assert.match(checks['bad filter']!.summary, /^the server refused the check: /);
    assert.match(checks.writes!.summary, /writes \(\$out\); validation only reads/);
    assert.match(checks.indexes!.summary, /lacks amount_1/);
    assert.equal(checks['no collection']!.summary, 'shop.returns is missing, so it has no indexes');
    const afterwards = await validate({
      spec: spec([{ kind: 'exists', database: 'shop', collection: 'copy' }]),
    });
    assert.equal(afterwards.report!.ok, false, 'the $out pipeline never ran');
  });

  it("counts the source's documents of the restored second itself", async () => {
    const orders = (seconds: number) => expected(source, seconds * 1000).namespaces['shop.orders']!.documents;
    let second = restoredToSeconds;
    while (orders(second) === orders(second - 1)) second--;
    const last = orders(second) - 1;
    const { report } = await validate({
      target: source,
      source,
      restoredToSeconds: second,
      spec: spec([
        {
          kind: 'count',
          database: 'shop',
          collection: 'orders',
          filter: { seq: { $lte: last } },
          equals: last + 1,
          ofSource: {},
        },
      ]),
    });
    assert.equal(report!.ok, true, report!.checks[0]!.summary);
  });

  it('accepts a difference within the tolerance of an ofSource count', async () => {
    const input = (ofSource: Record<string, number>) => ({
      source,
      restoredToSeconds: restoredToSeconds + 3600,
      spec: spec([{ kind: 'count' as const, database: 'shop', collection: 'orders', ofSource }]),
    });
    assert.equal((await validate(input({ toleranceDocuments: 30 }))).report!.ok, true);
    assert.equal((await validate(input({ toleranceDocuments: 29 }))).report!.ok, false);
    assert.equal((await validate(input({ tolerancePercent: 2 }))).report!.ok, true);
    assert.equal((await validate(input({ tolerancePercent: 0.5 }))).report!.ok, false);
  });

  it('catches a restore Atlas reported finished that left the target stale', async () => {
    const { report } = await validate({
      target: stale,
      source,
      restoredToSeconds,
      spec: spec([
        { kind: 'exists', name: 'shop', database: 'shop' },
        { kind: 'count', name: 'orders', database: 'shop', collection: 'orders', ofSource: {} },
      ]),
    });
    assert.equal(report!.ok, false);
    assert.deepEqual(
      report!.checks.map((c) => [c.name, c.ok, c.actual]),
      [
        ['shop', false, 'missing'],
        ['orders', false, '0'],
      ],
    );
  });

  it('keeps connecting while the target refuses, and validates once it accepts', async () => {
    sim.data!.setReachable(g, target.name, false);
    let reopened = false;
    const { report, error, beats } = await validate(
      { spec: spec([{ kind: 'exists', database: 'shop' }], '8s') },
      undefined,
      (beat) => {
        if (!reopened && beat.attempts >= 2 && beat.lastError) {
          reopened = true;
          sim.data!.setReachable(g, target.name, true);
        }
      },
    );
    assert.equal(error, undefined, String(error));
    assert.equal(report!.ok, true);
    assert.ok(report!.connectAttempts >= 2, `attempts: ${report!.connectAttempts}`);
    assert.ok(beats.some((b) => b.phase === 'connecting' && b.lastError && b.host?.startsWith('127.0.0.1:')));
    assert.equal(beats.at(-1)!.phase, 'checking');
  });

  const unreachable = (error: unknown, host: string) => {
    assert.ok(error instanceof ApplicationFailure, String(error));
    assert.equal(error.type, 'ValidationUnreachable');
    assert.equal(error.nonRetryable, true);
    assert.ok(error.message.includes(host), error.message);
    const attempts = Number(/: (\d+) attempts?, last error: /.exec(error.message)?.[1]);
    assert.ok(attempts >= 2, `retried within the bound: ${error.message}`);
    return error;
  };
  const noSecret = (text: string) => {
    assert.ok(!text.includes(sim.credentials.databasePassword), 'the database password');
    assert.ok(!text.includes('wrong-password-5f1c'), 'the wrong password');
    assert.ok(!/mongodb:\/\/[^/]*@/.test(text), 'a URI with credentials');
  };

  it('fails as ValidationUnreachable when the target never accepts within connectTimeout', async () => {
    sim.data!.setReachable(g, target.name, false);
    try {
      const host = (await sim.data!.connectionString(g, target.name))
        .slice('mongodb://'.length)
        .split('/')[0]!;
      const { error, beats } = await validate({ spec: spec([{ kind: 'exists', database: 'shop' }], '3s') });
      const failure = unreachable(error, host);
      assert.match(
        failure.message,
        new RegExp(`^cannot connect to the target ${target.name} \\(project ${g}\\) at ${host} within 3s`),
      );
      noSecret(failure.message);
      noSecret(JSON.stringify(failure.details));
      noSecret(JSON.stringify(beats));
      assert.ok(beats.at(-1)!.attempts >= 2);
    } finally {
      sim.data!.setReachable(g, target.name, true);
    }
  });

  it('fails as ValidationUnreachable when the password is refused, naming the server error and not the password', async () => {
    const host = (await sim.data!.connectionString(g, target.name)).slice('mongodb://'.length).split('/')[0]!;
    const { error, beats } = await validate(
      { spec: spec([{ kind: 'exists', database: 'shop' }], '2s') },
      { username: sim.credentials.databaseUsername, password: 'wrong-password-5f1c' },
    );
    const failure = unreachable(error, host);
    assert.match(failure.message, /last error: MongoServerError: Authentication failed\./);
    noSecret(failure.message);
    noSecret(JSON.stringify(failure.details));
    noSecret(JSON.stringify(beats));
  });

  it('falls back to standardSrv where Atlas shows no standard string, and names that host when it never resolves', async () => {
    const plain = await startSimulator({ timeScale: 1e-6 });
    const plainClient = createAtlasClient({
      baseUrl: plain.url,
      credentials: {
        type: 'digest',
        publicKey: plain.credentials.publicKey,
        privateKey: plain.credentials.privateKey,
      },
    });
    try {
      const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 20_000 }, { logger: quiet });
      const { validateRestore } = createActivities({ atlas: createBackupApi(plainClient), database: user() });
      const view = await createBackupApi(plainClient).getDeployment(target);
      const srvHost = view.connectionString!.slice('mongodb+srv://'.length);
      await assert.rejects(
        env.run(validateRestore, { target, spec: spec([{ kind: 'exists', database: 'shop' }], '2s') }),
        (error: unknown) => {
          unreachable(error, srvHost);
          noSecret((error as Error).message);
          return true;
        },
      );
    } finally {
      await plainClient.close();
      await plain.close();
    }
  });

  it('fails as ValidationNotConfigured without database credentials, naming the variables', async () => {
    const env = new MockActivityEnvironment({}, { logger: quiet });
    const { validateRestore } = createActivities({ atlas: createBackupApi(client) });
    await assert.rejects(
      env.run(validateRestore, { target, spec: spec([{ kind: 'exists', database: 'shop' }]) }),
      (failure: unknown) =>
        failure instanceof ApplicationFailure &&
        failure.type === 'ValidationNotConfigured' &&
        failure.nonRetryable &&
        /VALIDATION_DB_USERNAME and VALIDATION_DB_PASSWORD/.test(failure.message) &&
        /VALIDATION_DB_X509_CERT_KEY_PATH/.test(failure.message),
    );
  });

  it('refuses an ofSource count without the source or the restored moment', async () => {
    const { error } = await validate({
      spec: spec([{ kind: 'count', database: 'shop', collection: 'orders', ofSource: {} }]),
    });
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'InvalidValidationInput');
    assert.match(error.message, /source: an ofSource count needs the source/);
    assert.match(error.message, /restoredToSeconds: an ofSource count needs the restored moment/);
  });
});
