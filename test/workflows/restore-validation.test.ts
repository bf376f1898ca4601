import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestoreFailureType, searchAttributes } from '../../src/common/contract';
import { parseRestoreRequest } from '../../src/common/restore-request';
import { DEFAULT_SEED, type SeedData } from '../../src/simulator';
import { eventTypes, expectFailure, serverlessRequest, startKit, startRestore, type Kit } from './support';

const GROUP = '66320490d7a6931071338f34';
const valid = {
  source: { kind: 'serverless', groupId: GROUP, name: 'orders-serverless' },
  snapshot: { latest: true },
  target: { groupId: GROUP, name: 'orders-serverless-restore' },
};

/** Each bad input, and the start of the message that must name its field and rule. */
const BAD_INPUTS: { name: string; input: unknown; message: string }[] = [
  {
    name: 'not an object',
    input: 'restore orders please',
    message: '(request): Invalid input: expected object',
  },
  {
    name: 'no source',
    input: { ...valid, source: undefined },
    message: 'source: Invalid input: expected object',
  },
  {
    name: 'unknown kind',
    input: { ...valid, source: { ...valid.source, kind: 'dedicated' } },
    message: 'source.kind: must be one of serverless, cluster',
  },
  {
    name: 'bad project id',
    input: { ...valid, source: { ...valid.source, groupId: 'my-project' } },
    message: 'source.groupId: must be a 24-character lower-case hex id',
  },
  {
    name: 'bad instance name',
    input: { ...valid, source: { ...valid.source, name: '-orders' } },
    message: 'source.name: must start with a letter or digit',
  },
  {
    name: 'credential pasted into the source',
    input: { ...valid, source: { ...valid.source, privateKey: 'hunter2' } },
    message: 'source: Unrecognized key: "privateKey"',
  },
  {
    name: 'unknown option',
    input: { ...valid, dryRun: true },
    message: '(request): Unrecognized key: "dryRun"',
  },
  {
    name: 'empty snapshot selector',
    input: { ...valid, snapshot: {} },
    message: 'snapshot: must be one of { snapshotId }, { latest: true } or { pointInTimeUtcSeconds }',
  },
  {
    name: 'upper-case snapshot id',
    input: { ...valid, snapshot: { snapshotId: '66320490D7A6931071338F34' } },
    message: 'snapshot.snapshotId: must be a 24-character lower-case hex id',
  },
  {
    name: 'point in time before 2008',
    input: { ...valid, snapshot: { pointInTimeUtcSeconds: 100 } },
    message: 'snapshot.pointInTimeUtcSeconds: must be after 2008-01-01',
  },
  {
    name: 'no target',
    input: { ...valid, target: undefined },
    message: 'target: Invalid input: expected object',
  },
  {
    name: 'bad target name',
    input: { ...valid, target: { ...valid.target, name: 'orders restore' } },
    message: 'target.name: must start with a letter or digit',
  },
  {
    name: 'ensureContinuousBackup not a boolean',
    input: { ...valid, ensureContinuousBackup: 'yes' },
    message: 'ensureContinuousBackup: must be true or false',
  },
  {
    name: 'deadline too short',
    input: { ...valid, deadline: '30s' },
    message: 'deadline: must be between 1m and 30d',
  },
  {
    name: 'deadline not a duration',
    input: { ...valid, deadline: 'tomorrow' },
    message: 'deadline: must be a duration such as 30s, 5m, 6h or 1h30m',
  },
  {
    name: 'initial interval above the maximum',
    input: { ...valid, polling: { initialInterval: '2m', maxInterval: '1m' } },
    message: 'polling.initialInterval: initialInterval must not exceed maxInterval',
  },
  {
    name: 'interval below a second',
    input: { ...valid, polling: { initialInterval: '500ms' } },
    message: 'polling.initialInterval: must be between 1s and 1h',
  },
];

describe('bad restore requests', () => {
  for (const bad of BAD_INPUTS) {
    it(`parseRestoreRequest rejects: ${bad.name}`, () => {
      const parsed = parseRestoreRequest(bad.input);
      assert.equal(parsed.ok, false);
      assert.ok(!parsed.ok && parsed.message.startsWith(bad.message), `got: ${!parsed.ok && parsed.message}`);
    });
  }

  describe('started as workflows', () => {
    let kit: Kit;
    before(async () => {
      kit = await startKit();
    });
    after(() => kit?.close());

    it('fails each with InvalidRestoreRequest naming the field, before any Atlas call', async () => {
      const handles = await Promise.all(
        BAD_INPUTS.map((bad) => startRestore(kit, bad.input as Parameters<typeof startRestore>[1])),
      );
      const failures = await Promise.all(handles.map((handle) => expectFailure(handle)));
      failures.forEach((failure, i) => {
        assert.equal(failure.type, RestoreFailureType.InvalidRestoreRequest, BAD_INPUTS[i]!.name);
        assert.ok(
          failure.message.startsWith(`invalid restore request: ${BAD_INPUTS[i]!.message}`),
          `${BAD_INPUTS[i]!.name}: ${failure.message}`,
        );
      });
      const history = await handles[5]!.fetchHistory();
      assert.deepEqual(
        eventTypes(history),
        [
          'WORKFLOW_EXECUTION_STARTED',
          'WORKFLOW_TASK_SCHEDULED',
          'WORKFLOW_TASK_STARTED',
          'WORKFLOW_TASK_COMPLETED',
          'MARKER_RECORDED',
          'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
          'MARKER_RECORDED',
          'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
          'WORKFLOW_EXECUTION_FAILED',
        ],
        // The first marker and upsert are the SDK's record of the patch (free of Actions); the second
        // marker is the request check, a local activity in the same task.
        'one task: the patch, the check, the outcome recorded, nothing scheduled',
      );
      for (const handle of handles) {
        const sa = (await handle.describe()).typedSearchAttributes;
        assert.equal(sa.get(searchAttributes.restoreOutcome), 'invalid_request');
      }
      assert.equal(kit.requests().length, 0, 'no request reached Atlas');
    });
  });
});

describe('requests that the source cannot serve', () => {
  const backupOn: SeedData = {
    ...DEFAULT_SEED,
    serverless: DEFAULT_SEED.serverless!.map((s, i) => (i === 0 ? { ...s, continuousBackup: true } : s)),
  };
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());
  beforeEach(() => kit.sim.control.reset());

  async function rejected(pointInTimeUtcSeconds: number, seed?: SeedData) {
    if (seed) kit.sim.control.seed(seed);
    const failure = await expectFailure(
      await startRestore(kit, serverlessRequest(kit.sim.ids, { snapshot: { pointInTimeUtcSeconds } })),
    );
    assert.equal(failure.type, RestoreFailureType.InvalidRestoreRequest);
    const log = kit.requests();
    assert.deepEqual(
      log.filter((e) => e.authenticated).map((e) => e.route),
      ['getServerless', 'getServerless'],
      'only the source and the target were read: no PATCH, no restore job',
    );
    return failure.message;
  }

  it('rejects a point in time in the future', async () => {
    const message = await rejected(Math.floor(Date.now() / 1000) + 3600, backupOn);
    assert.match(message, /snapshot\.pointInTimeUtcSeconds: \S+ is in the future/);
  });

  it('rejects a point in time outside the 72 h serverless window', async () => {
    const message = await rejected(Math.floor(Date.now() / 1000) - 73 * 3600, backupOn);
    assert.match(message, /snapshot\.pointInTimeUtcSeconds: \S+ is outside the 72 h point-in-time window/);
  });

  it('rejects a point in time when continuous backup is off, without turning it on', async () => {
    const message = await rejected(Math.floor(Date.now() / 1000) - 600);
    assert.match(
      message,
      /snapshot\.pointInTimeUtcSeconds: a point-in-time restore needs continuous backup, which is off on serverless instance orders-serverless/,
    );
    const source = kit.sim.control.state().deployments.find((d) => d.name === kit.sim.ids.serverlessSource)!;
    assert.equal(source.continuousBackup, false);
  });
});
