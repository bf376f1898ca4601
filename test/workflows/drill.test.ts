/**
 * Restore drills end to end on the dev server and the simulator (with its data plane): a plan of 20
 * restores across kinds and projects with mixed outcomes, the evidence report built from Temporal, the
 * caps and the one-restore-per-target rule checked from the simulator's own records, plan errors,
 * cancellation mid-drill, and a drill on a Temporal Schedule.
 */
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  buildDrillReport,
  createDrillClient,
  createRestoreClient,
  InvalidDrillPlanError,
  renderDrillReport,
} from '../../src/client';
import type { DrillPlanInput } from '../../src/common/drill-plan';
import { drillReportSchema } from '../../src/common/drill-report';
import { DEFAULT_SEED, type SeedData } from '../../src/simulator';
import { DEFAULT_SOURCE_DATA } from '../../src/simulator/default-seed';
import { recordHistory, startKit, waitFor, type Kit } from './support';

const P1 = DEFAULT_SEED.projects[0]!.id;
const P2 = DEFAULT_SEED.projects[1]!.id;
let counter = 0;
/** Ids dated 2024-05-01 like the default seed's, so every deployment has completed snapshots. */
const id = () =>
  `66320490${(++counter).toString(16).padStart(4, '0')}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

function drillSeed(): SeedData {
  const seed = structuredClone(DEFAULT_SEED);
  for (let i = 1; i <= 6; i++) seed.clusters!.push({ id: id(), groupId: P1, name: `drill-c-${i}` });
  for (let i = 1; i <= 3; i++) seed.clusters!.push({ id: id(), groupId: P2, name: `drill-dr-${i}` });
  for (let i = 1; i <= 3; i++) seed.serverless!.push({ id: id(), groupId: P1, name: `drill-s-${i}` });
  for (let i = 1; i <= 3; i++) seed.flexClusters!.push({ id: id(), groupId: P1, name: `drill-f-${i}` });
  // A second source project, so the per-project cap has two projects to hold apart.
  seed.clusters!.push({
    id: id(),
    groupId: P2,
    name: 'dr-source',
    backupEnabled: true,
    data: DEFAULT_SOURCE_DATA,
  });
  return seed;
}

const cluster = (name: string, groupId = P1) => ({ kind: 'cluster' as const, groupId, name });
const into = (name: string, groupId = P1) => ({ groupId, name });

describe('restore drills', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit({ simulator: { dataPlane: true, seed: drillSeed() } });
  });
  after(() => kit?.close());

  const clients = () => {
    const restores = createRestoreClient({ client: kit.env.client, taskQueue: kit.taskQueue });
    return { restores, drills: createDrillClient(restores) };
  };

  it('runs 20 restores across kinds and projects with mixed outcomes, and its report matches what happened', async () => {
    const { restores, drills } = clients();
    const s = kit.sim.ids;
    const orders = { kind: 'exists' as const, database: 'shop', collection: 'orders' };
    const plan: DrillPlanInput = {
      name: `mixed-${randomUUID().slice(0, 6)}`,
      concurrency: { total: 4, perProject: 2 },
      defaults: {
        polling: { initialInterval: '1s', maxInterval: '2s' },
        deadline: '10m',
        objectives: { rto: '1h' },
      },
      restores: [
        // 0-5: dedicated, three of them into one target (they must run one after another).
        { source: cluster(s.clusterSource), target: into('drill-c-1'), validate: { checks: [orders] } },
        { source: cluster(s.clusterSource), target: into('drill-c-1'), snapshot: { randomWithinDays: 2 } },
        { source: cluster(s.clusterSource), target: into('drill-c-1') },
        { source: cluster(s.clusterSource), target: into('drill-c-2'), label: 'fails in Atlas' },
        {
          source: cluster(s.clusterSource),
          target: into('drill-c-3'),
          label: 'stale data',
          validate: { checks: [{ kind: 'count', database: 'shop', collection: 'orders', min: 1 }] },
        },
        { source: cluster(s.clusterSource), target: into('drill-c-4'), label: 'too slow', deadline: '1m' },
        // 6-8: across projects.
        { source: cluster(s.clusterSource), target: into('drill-dr-1', P2) },
        { source: cluster('dr-source', P2), target: into('drill-dr-2', P2) },
        { source: cluster('dr-source', P2), target: into('drill-dr-3', P2), validate: { checks: [orders] } },
        // 9-12: serverless.
        {
          source: { kind: 'serverless', groupId: P1, name: s.serverlessSource },
          target: into('drill-s-1'),
          ensureContinuousBackup: false,
        },
        {
          source: { kind: 'serverless', groupId: P1, name: s.serverlessSource },
          target: into('drill-s-2'),
          ensureContinuousBackup: false,
        },
        {
          source: { kind: 'auto', groupId: P1, name: s.serverlessSource },
          target: into('drill-s-3'),
          ensureContinuousBackup: false,
        },
        {
          source: { kind: 'serverless', groupId: P1, name: s.serverlessSource },
          target: into('drill-s-1'),
          ensureContinuousBackup: false,
        },
        // 13-17: Flex into Flex and into dedicated.
        { source: { kind: 'flex', groupId: P1, name: s.flexSource }, target: into('drill-f-1') },
        {
          source: { kind: 'auto', groupId: P1, name: s.flexSource },
          target: into('drill-f-2'),
          validate: { checks: [orders] },
        },
        { source: { kind: 'flex', groupId: P1, name: s.flexSource }, target: into('drill-f-3') },
        { source: { kind: 'flex', groupId: P1, name: s.flexSource }, target: into('drill-c-5') },
        {
          source: { kind: 'flex', groupId: P1, name: s.flexSource },
          target: into('drill-f-1'),
          snapshot: { randomWithinDays: 7 },
        },
        // 18-19: more dedicated.
        { source: cluster(s.clusterSource), target: into('drill-c-6') },
        {
          source: cluster(s.clusterSource),
          target: into('drill-c-2'),
          label: 'after the failure, same target',
        },
      ],
    };
    kit.sim.control.setScenario({ outcome: 'failed', target: into('drill-c-2') });
    kit.sim.control.setScenario({ outcome: 'finished', data: 'stale', target: into('drill-c-3') });
    kit.sim.control.setScenario({ outcome: 'never', target: into('drill-c-4') });
    const started = await drills.startDrill(plan, { startedBy: 'drill-test' });
    const info = await drills.waitForDrill(started.drillId);
    assert.equal(info.executionStatus, 'completed');
    const result = info.result!;
    const outcomes = result.restores.map((r) => r.outcome);
    const expected = Array(20).fill('finished');
    expected[3] = 'failed';
    expected[4] = 'validation_failed';
    expected[5] = 'deadline_exceeded';
    assert.deepEqual(
      outcomes,
      expected,
      JSON.stringify(result.restores.map((r) => [r.index, r.outcome, r.message])),
    );
    assert.equal(result.passed, false);
    assert.deepEqual(result.byOutcome, {
      finished: 17,
      failed: 1,
      validation_failed: 1,
      deadline_exceeded: 1,
    });
    // The random draws are recorded with what they chose among.
    for (const r of [result.restores[1]!, result.restores[17]!]) {
      assert.equal(r.snapshot?.policy, 'random');
      assert.ok(r.snapshot!.draw! >= 0 && r.snapshot!.draw! < 1);
      assert.ok(r.snapshot!.candidates! >= 1 && r.snapshot!.snapshotId);
    }

    // One restore per target at a time, and at most 2 per source project: from the simulator's own jobs.
    const jobs = kit.sim.control
      .state()
      .restoreJobs.filter((j) =>
        result.restores.some((r) =>
          r.workflowId.includes(String(j.targetClusterName ?? j.targetDeploymentItemName)),
        ),
      );
    const interval = (j: (typeof jobs)[number]) =>
      [
        Date.parse(j.createdAt),
        Date.parse(String(j.finishedAt ?? j.restoreFinishedDate ?? '9999-01-01')),
      ] as const;
    const byTarget = new Map<string, (typeof jobs)[number][]>();
    for (const j of jobs) {
      const key = `${String(j.targetGroupId ?? j.targetProjectId)}/${String(j.targetClusterName ?? j.targetDeploymentItemName)}`;
      byTarget.set(key, [...(byTarget.get(key) ?? []), j]);
    }
    assert.equal(byTarget.get(`${P1}/drill-c-1`)?.length, 3, 'three restores into drill-c-1');
    for (const [target, list] of byTarget) {
      const sorted = list.map(interval).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < sorted.length; i++)
        assert.ok(sorted[i]![0] >= sorted[i - 1]![1], `restores into ${target} overlapped`);
    }
    // The drill's own timeline: never more than 2 of a project's restores in flight.
    const spans = result.restores.map((r) => ({
      project: r.source.groupId,
      from: Date.parse(r.startedAt!),
      to: Date.parse(r.endedAt!),
    }));
    for (const span of spans) {
      const overlapping = spans.filter(
        (o) => o.project === span.project && o.from <= span.from && o.to > span.from,
      );
      assert.ok(overlapping.length <= 2, `${overlapping.length} restores of ${span.project} at once`);
      assert.ok(spans.filter((o) => o.from <= span.from && o.to > span.from).length <= 4, 'at most 4 in all');
    }

    // Every restore of the drill carries its search attribute.
    const listed = await restores.listRestores({ drillId: started.drillId, limit: 100 });
    assert.equal(listed.length, 20);

    // The evidence report: one row per restore, matching what happened.
    const report = await buildDrillReport(restores, drills, started.drillId);
    drillReportSchema.parse(report);
    assert.equal(report.drill.passed, false);
    assert.equal(report.drill.startedBy, 'drill-test');
    assert.equal(report.restores.length, 20);
    for (const [i, row] of report.restores.entries()) {
      assert.equal(row.outcome, expected[i], `row ${i}`);
      assert.equal(row.target.name, plan.restores[i]!.target.name);
      if (row.outcome === 'finished') {
        assert.match(row.restoreJobId ?? '', /^[0-9a-f]{24}$/, `row ${i} names its Atlas job`);
        assert.ok(
          row.times.started && row.times.submitted && row.times.atlasDone && row.times.ended,
          `row ${i} times`,
        );
        assert.ok(
          row.rto?.toAtlasDoneSeconds !== undefined && row.rto.met !== undefined,
          `row ${i} RTO graded`,
        );
        assert.ok(row.rpo?.restoredTo, `row ${i} RPO`);
        assert.ok(row.source.kind !== 'auto', `row ${i} kind resolved`);
      }
    }
    assert.equal(report.restores[0]!.validation?.ok, true);
    assert.equal(report.restores[4]!.validation?.ok, false);
    assert.match(report.restores[3]!.message ?? '', /failed/);
    const md = renderDrillReport(report, 'md');
    assert.match(md, /NOT PASSED/);
    assert.equal(md.split('\n').filter((line) => /^\| \d+ \|/.test(line)).length, 20);
    const html = renderDrillReport(report, 'html');
    assert.match(html, /<table>/);
    assert.equal((html.match(/<tr class=/g) ?? []).length, 20);
  });

  it('takes collection restores, validated against the restored namespaces', async () => {
    const { drills, restores } = clients();
    const started = await drills.startDrill({
      name: `collections-${randomUUID().slice(0, 6)}`,
      defaults: { polling: { initialInterval: '1s', maxInterval: '2s' } },
      restores: [
        {
          source: cluster(kit.sim.ids.clusterSource),
          target: into('drill-c-6'),
          scope: { collections: [{ namespace: 'shop.orders', targetNamespace: 'shop.orders_drill' }] },
          validate: {
            checks: [
              {
                kind: 'count',
                database: 'shop',
                collection: 'orders_drill',
                ofSource: { collection: 'orders' },
              },
              { kind: 'exists', database: 'shop', collection: 'orders_drill' },
            ],
          },
        },
      ],
    });
    const info = await drills.waitForDrill(started.drillId);
    assert.equal(info.result?.passed, true, JSON.stringify(info.result?.restores));
    await recordHistory('drill-collection-validated', kit.env.client.workflow.getHandle(started.drillId));
    const report = await buildDrillReport(restores, drills, started.drillId);
    assert.equal(
      report.restores[0]!.validation?.checks.every((c) => c.ok),
      true,
    );

    // Past the namespace's retention the restore's own workflow is gone: the row says so, and keeps the rest.
    const row = report.restores[0]!;
    await kit.env.client.workflowService.deleteWorkflowExecution({
      namespace: kit.env.namespace,
      workflowExecution: { workflowId: row.workflowId, runId: row.runId },
    });
    await waitFor('the restore deleted', async () =>
      kit.env.client.workflow
        .getHandle(row.workflowId, row.runId)
        .describe()
        .then(
          () => undefined,
          (error: unknown) => (error instanceof WorkflowNotFoundError ? true : undefined),
        ),
    );
    const later = await buildDrillReport(restores, drills, started.drillId);
    const gone = later.restores[0]!;
    assert.equal(gone.outcome, 'finished', 'the drill still knows how it ended');
    assert.match(gone.message ?? '', /no longer on the server \(past the namespace's retention\)/);
    assert.equal(gone.validation, undefined);
    assert.equal(gone.restoreJobId, undefined);
  });

  it('refuses a plan naming the restore index and field, before starting anything', async () => {
    const { drills } = clients();
    const bad: [DrillPlanInput, RegExp][] = [
      [
        {
          name: 'bad',
          restores: [
            { source: cluster('a'), target: into('b') },
            { source: cluster('a'), target: { groupId: 'x', name: 'b' } },
          ],
        },
        /restores\.1\.target\.groupId: must be a 24-character/,
      ],
      [
        {
          name: 'bad',
          restores: [
            {
              source: { kind: 'flex', groupId: P1, name: 'f' },
              target: into('t'),
              snapshot: { pointInTimeAgo: '1h' },
            },
          ],
        },
        /restores\.0\.snapshot\.pointInTimeAgo: Flex clusters have no point-in-time restore/,
      ],
      [
        { name: 'bad plan name!', restores: [{ source: cluster('a'), target: into('b') }] },
        /^invalid drill plan: name: /,
      ],
      [{ name: 'empty', restores: [] }, /restores: must hold at least one restore/],
      [
        {
          name: 'huge',
          restores: Array.from({ length: 1_001 }, () => ({ source: cluster('a'), target: into('b') })),
        },
        /restores: must hold at most 1000 restores/,
      ],
    ];
    for (const [plan, message] of bad) {
      await assert.rejects(drills.startDrill(plan), (error: unknown) => {
        assert.ok(error instanceof InvalidDrillPlanError);
        assert.match(error.message, message);
        return true;
      });
    }
  });

  it('cancelling a drill mid-way cancels its running restores, starts no more, and says what goes on in Atlas', async () => {
    const { drills, restores } = clients();
    const s = kit.sim.ids;
    for (const t of ['drill-c-5', 'drill-c-6'])
      kit.sim.control.setScenario({ outcome: 'never', target: into(t) });
    const jobsInto = (name: string) =>
      kit.sim.control.state().restoreJobs.filter((j) => j.targetClusterName === name).length;
    const before = jobsInto('drill-c-1');
    const started = await drills.startDrill({
      name: `cancel-${randomUUID().slice(0, 6)}`,
      concurrency: { total: 2, perProject: 2 },
      defaults: { polling: { initialInterval: '1s', maxInterval: '2s' } },
      restores: [
        { source: cluster(s.clusterSource), target: into('drill-c-5') },
        { source: cluster(s.clusterSource), target: into('drill-c-6') },
        { source: cluster(s.clusterSource), target: into('drill-c-1') },
      ],
    });
    await waitFor('two restores polling', async () => {
      const rows = await restores.listRestores({ drillId: started.drillId, phase: 'restoring' });
      return rows.length === 2 ? true : undefined;
    });
    await drills.cancelDrill(started.drillId);
    const info = await drills.waitForDrill(started.drillId);
    assert.equal(info.executionStatus, 'cancelled');
    await recordHistory('drill-cancelled', kit.env.client.workflow.getHandle(started.drillId));
    assert.match(info.message ?? '', /2 running restore\(s\) cancelled, 1 not started/);
    assert.match(info.message ?? '', /Atlas continues restore job [0-9a-f]{24}/);
    const report = await buildDrillReport(restores, drills, started.drillId);
    assert.deepEqual(
      report.restores.map((r) => r.outcome),
      ['cancelled', 'cancelled', 'not_started'],
    );
    assert.equal(jobsInto('drill-c-1'), before, 'the restore not started created nothing');
  });

  it('a restore cancelled from outside keeps, in the drill, what Atlas still does', async () => {
    const { drills, restores } = clients();
    kit.sim.control.setScenario({ outcome: 'never', target: into('drill-c-4') });
    const started = await drills.startDrill({
      name: `outside-${randomUUID().slice(0, 6)}`,
      defaults: { polling: { initialInterval: '1s', maxInterval: '2s' } },
      restores: [{ source: cluster(kit.sim.ids.clusterSource), target: into('drill-c-4') }],
    });
    const [row] = await waitFor('the restore polling', async () => {
      const rows = await restores.listRestores({ drillId: started.drillId, phase: 'restoring' });
      return rows.length === 1 ? rows : undefined;
    });
    await restores.cancelRestore(row!.workflowId);
    const info = await drills.waitForDrill(started.drillId);
    assert.equal(info.executionStatus, 'completed', 'the drill itself was not cancelled');
    const record = info.result!.restores[0]!;
    assert.equal(record.outcome, 'cancelled');
    assert.match(record.message ?? '', /Atlas continues restore job [0-9a-f]{24}/);
  });

  it('runs on a Temporal Schedule: created, triggered, run to a report, paused and deleted', async () => {
    const { drills, restores } = clients();
    const scheduleId = `drill-schedule-${randomUUID().slice(0, 6)}`;
    await drills.createSchedule({
      scheduleId,
      cron: '0 3 * * 1',
      plan: {
        name: `weekly-${randomUUID().slice(0, 6)}`,
        defaults: { polling: { initialInterval: '1s', maxInterval: '2s' } },
        restores: [{ source: cluster(kit.sim.ids.clusterSource), target: into('drill-dr-1', P2) }],
      },
    });
    // The schedule list comes from visibility, which catches up a moment after the create.
    await waitFor('the schedule in the list', async () =>
      (await drills.listSchedules()).some((schedule) => schedule.scheduleId === scheduleId),
    );
    await drills.triggerSchedule(scheduleId);
    const drillId = await waitFor('the triggered run', async () => {
      const description = await drills.describeSchedule(scheduleId);
      return description.info.recentActions[0]?.action.workflow.workflowId;
    });
    const info = await drills.waitForDrill(drillId);
    assert.equal(info.executionStatus, 'completed');
    assert.equal(info.startedBy, `schedule:${scheduleId}`);
    const report = await buildDrillReport(restores, drills, drillId);
    assert.equal(report.drill.passed, true);
    assert.equal(report.drill.startedBy, `schedule:${scheduleId}`);
    await drills.pauseSchedule(scheduleId, 'test');
    assert.equal((await drills.describeSchedule(scheduleId)).state.paused, true);
    await drills.deleteSchedule(scheduleId);
    await waitFor('the schedule gone from the list', async () =>
      (await drills.listSchedules()).every((schedule) => schedule.scheduleId !== scheduleId),
    );
  });
});
