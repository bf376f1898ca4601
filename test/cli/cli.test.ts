import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRestoreClient, type RestoreClient } from '../../src/client';
import { startRestoreStack, type RestoreStack } from '../client/stack';
import { runCli } from './run-cli';
import { drillReportSchema } from '../../src/common/drill-report';

/** Parses NDJSON output; every line must be JSON. */
function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('atlas-restore CLI as a subprocess (real Temporal server, simulator, worker)', () => {
  let stack: RestoreStack;
  let restores: RestoreClient;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await startRestoreStack({ prefix: 'cli', timeScale: 600 });
    restores = createRestoreClient({ client: stack.env.client, taskQueue: stack.taskQueue });
    env = {
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_NAMESPACE: stack.env.namespace,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    };
  });
  after(() => stack?.close());

  const startFlags = (kind: 'serverless' | 'cluster', target: number) => {
    const t = stack.target(kind, target);
    const source = kind === 'serverless' ? 'orders-serverless' : 'orders-cluster';
    return [
      '--kind',
      kind,
      '--group',
      stack.projectId,
      '--source',
      source,
      '--target',
      t.name,
      '--poll-initial',
      '1s',
      '--poll-max',
      '1s',
      '--deadline',
      '10m',
    ];
  };

  it('start --json starts, a second start attaches, watch --json follows to the finished outcome (exit 0)', async () => {
    const first = await runCli(['start', ...startFlags('serverless', 1), '--latest', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const [started] = events(first.stdout);
    assert.equal(started!.type, 'started');
    assert.equal(started!.attached, false);
    assert.equal(started!.taskQueue, stack.taskQueue);
    const workflowId = started!.workflowId as string;
    // Keyed by the target: readable name first, then its project.
    assert.match(workflowId, /^restore\/[a-z0-9-]+\/[0-9a-f]{24}$/);
    assert.deepEqual((started!.request as { snapshot: unknown }).snapshot, { latest: true });

    const second = await runCli(['start', ...startFlags('serverless', 1), '--latest', '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      [events(second.stdout)[0]!.attached, events(second.stdout)[0]!.runId],
      [true, started!.runId],
    );

    const watch = await runCli(['watch', workflowId, '--json', '--interval', '300ms'], { env });
    assert.equal(watch.code, 0, watch.stderr);
    const lines = events(watch.stdout);
    const outcome = lines.at(-1)!;
    assert.equal(outcome.type, 'outcome');
    assert.equal(outcome.outcome, 'finished');
    assert.match((outcome.result as { restoreJobId: string }).restoreJobId, /^[0-9a-f]{24}$/);
    assert.ok(lines.slice(0, -1).every((e) => e.type === 'progress' && e.workflowId === workflowId));

    const status = await runCli(['status', workflowId, '--json'], { env });
    assert.equal(status.code, 0, status.stderr);
    const info = JSON.parse(status.stdout) as Record<string, unknown>;
    assert.equal(info.executionStatus, 'completed');
    assert.equal(info.phase, 'done');
    assert.equal((info.status as { jobState: string }).jobState, 'finished');

    assert.equal(
      (info.outcome as { outcome: string }).outcome,
      'finished',
      'closed: the outcome, without a worker',
    );

    const human = await runCli(['status', workflowId], { env });
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^restore restore\//);
    assert.match(human.stdout, /outcome: +finished/);
    assert.match(human.stdout, /job: +[0-9a-f]{24} \(finished\)/);
    assert.match(human.stdout, /data: +snapshot [0-9a-f]{24}, as of \d{4}-/);
    assert.match(human.stdout, /submitted: +\d{4}-/);
    assert.match(human.stdout, /atlas done: +\d{4}-/);
    assert.match(human.stdout, /rto: +Atlas done after /);
    assert.ok(!/polls:/.test(human.stdout), 'a closed restore shows no live poll count');
  });

  it('start --wait follows in plain lines when not on a terminal, and exits 1 when the job fails', async () => {
    stack.simulator.control.setScenario({ outcome: 'failed' });
    const run = await runCli(
      ['start', ...startFlags('cluster', 2), '--latest', '--wait', '--interval', '300ms'],
      { env },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.lines[0]!, /^started restore restore\//);
    assert.match(
      run.lines.at(-1)!,
      /^failed: Atlas reports restore job [0-9a-f]{24} failed \(restore job [0-9a-f]{24}\)$/,
    );
    assert.match(run.stderr, /restoring · job [0-9a-f]{24}/, 'progress lines on stderr');
    assert.ok(!run.stderr.includes('\x1b[2K'), 'no terminal redraws when piped');
  });

  it('start --file - reads the request from stdin; cancel stops it (watch exits 1, a second cancel exits 1)', async () => {
    stack.simulator.control.setScenario({ outcome: 'never' });
    const request = stack.request('serverless', { target: stack.target('serverless', 3), deadline: '20m' });
    const start = await runCli(['start', '--file', '-', '--json'], { env, input: JSON.stringify(request) });
    assert.equal(start.code, 0, start.stderr);
    const workflowId = events(start.stdout)[0]!.workflowId as string;
    for (let i = 0; i < 100 && !(await restores.getRestore(workflowId)).restoreJobId; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const cancel = await runCli(['cancel', workflowId, '--json'], { env });
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.deepEqual(
      (({ requested, executionStatus }) => ({ requested, executionStatus }))(
        JSON.parse(cancel.stdout) as Record<string, unknown>,
      ),
      { requested: true, executionStatus: 'running' },
    );

    const watch = await runCli(['watch', workflowId], { env });
    assert.equal(watch.code, 1);
    assert.match(
      watch.lines.at(-1)!,
      /^cancelled: restore cancelled and polling stopped, but Atlas continues restore job/,
    );

    const again = await runCli(['cancel', workflowId], { env });
    assert.equal(again.code, 1);
    assert.match(again.stdout, /is not running \(cancelled\): nothing to cancel/);

    const closed = await runCli(['status', workflowId], { env });
    assert.match(closed.stdout, /outcome: +cancelled/);
    assert.match(
      closed.stdout,
      /reason: +restore cancelled and polling stopped, but Atlas continues restore job/,
    );
  });

  it('list prints a table and --json rows with outcomes, filtered by search attributes', async () => {
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && rows.length < 3; i++) {
      const list = await runCli(['list', '--group', stack.projectId, '--json'], { env });
      assert.equal(list.code, 0, list.stderr);
      rows = JSON.parse(list.stdout) as Record<string, unknown>[];
      if (rows.length < 3) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.deepEqual(rows.map((r) => r.outcome).sort(), ['cancelled', 'failed', 'finished']);
    assert.ok(rows.every((r) => r.groupId === stack.projectId && typeof r.workflowId === 'string'));

    const table = await runCli(['list', '--group', stack.projectId, '--kind', 'serverless'], { env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.lines[0]!, /^STARTED +OUTCOME +PHASE +SOURCE +TARGET +ID$/);
    assert.equal(table.lines.length, 3, table.stdout);
    assert.ok(table.lines.slice(1).every((l) => l.includes('serverless:orders-serverless')));
    assert.ok(
      table.lines.some((l) => /Z {2}finished /.test(l)) && table.lines.some((l) => /Z {2}cancelled /.test(l)),
    );

    const none = await runCli(['list', '--group', stack.projectId, '--status', 'terminated', '--json'], {
      env,
    });
    assert.deepEqual(JSON.parse(none.stdout), []);
  });

  it('start prints the Web UI link; a second restore into a busy target exits 6 naming the holder', async () => {
    stack.simulator.control.setScenario({ outcome: 'never' });
    const uiEnv = { ...env, TEMPORAL_UI_URL: 'http://ui.example:8080/' };
    const holder = await runCli(['start', ...startFlags('serverless', 5), '--latest'], { env: uiEnv });
    assert.equal(holder.code, 0, holder.stderr);
    const holderId = /^started restore (\S+)$/.exec(holder.lines[0]!)![1]!;
    assert.ok(
      holder.lines.includes(
        `  Web UI: http://ui.example:8080/namespaces/default/workflows/${encodeURIComponent(holderId)}`,
      ),
      holder.stdout,
    );
    const snapshot = stack.simulator.control
      .state()
      .deployments.find((d) => d.name === 'orders-serverless' && d.groupId === stack.projectId)!
      .snapshots.find((s) => s.status === 'completed')!;
    const other = await runCli(['start', ...startFlags('serverless', 5), '--snapshot', snapshot.id], {
      env: uiEnv,
    });
    assert.equal(other.code, 6, other.stdout + other.stderr);
    assert.match(
      other.stderr,
      new RegExp(
        `^atlas-restore: error: target\\.name: \\S+ \\(project ${stack.projectId}\\) is held by restore ${holderId.replace(/[/]/g, '\\/')} \\(restore latest snapshot`,
      ),
    );
    assert.equal(
      stack.simulator.control
        .state()
        .restoreJobs.filter((j) => j.targetClusterName === stack.target('serverless', 5).name).length <= 1,
      true,
      'the refused start created nothing',
    );
    const cancel = await runCli(['cancel', holderId], { env });
    assert.equal(cancel.code, 0, cancel.stderr);
    await restores.waitForRestore(holderId);
  });

  it('drill run --wait follows a drill to its end; drill report writes JSON to the schema; list --drill finds its restores', async () => {
    const plan = {
      name: `cli-drill-${Date.now().toString(36)}`,
      defaults: { polling: { initialInterval: '1s', maxInterval: '2s' } },
      restores: [
        {
          source: { kind: 'cluster', groupId: stack.projectId, name: 'orders-cluster' },
          target: stack.target('cluster', 4),
        },
        {
          source: { kind: 'auto', groupId: stack.projectId, name: 'orders-serverless' },
          target: stack.target('serverless', 4),
          ensureContinuousBackup: false,
        },
      ],
    };
    const run = await runCli(['drill', 'run', '--plan', '-', '--wait', '--by', 'cli-test'], {
      env,
      input: JSON.stringify(plan),
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const drillId = /^started drill (\S+) \(2 restores\)$/.exec(run.lines[0]!)![1]!;
    assert.match(run.stdout, /: completed, PASSED/);
    assert.equal(run.lines.filter((l) => /^ +\d+ +finished /.test(l)).length, 2, run.stdout);

    const json = await runCli(['drill', 'report', drillId, '--format', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const report = drillReportSchema.parse(JSON.parse(json.stdout));
    assert.equal(report.drill.startedBy, 'cli-test');
    assert.deepEqual(
      report.restores.map((r) => r.outcome),
      ['finished', 'finished'],
    );
    assert.equal(report.restores[1]!.source.kind, 'serverless', 'auto resolved');

    const md = await runCli(['drill', 'report', drillId], { env });
    assert.match(md.stdout, /^# Restore drill report: cli-drill-/);

    const listed = await runCli(['list', '--drill', drillId, '--json'], { env });
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 2);

    const badPlan = await runCli(['drill', 'run', '--plan', '-'], {
      env,
      input: JSON.stringify({
        name: 'x',
        restores: [{ source: { groupId: 'nope', name: 'a' }, target: stack.target('cluster', 4) }],
      }),
    });
    assert.equal(badPlan.code, 2);
    assert.match(badPlan.stderr, /invalid drill plan: restores\.0\.source\.groupId: must be a 24-character/);

    const scheduleId = `cli-sched-${Date.now().toString(36)}`;
    const created = await runCli(
      ['drill', 'schedule', 'create', scheduleId, '--plan', '-', '--every', '7d', '--paused'],
      {
        env,
        input: JSON.stringify(plan),
      },
    );
    assert.equal(created.code, 0, created.stderr);
    const described = await runCli(['drill', 'schedule', 'describe', scheduleId], { env });
    assert.match(described.stdout, new RegExp(`^schedule ${scheduleId}: paused`));
    const deleted = await runCli(['drill', 'schedule', 'delete', scheduleId], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
  });

  it('exit codes and one-line errors: usage 2, not found 3, unreachable or bad config 4', async () => {
    const badFlag = await runCli(['list', '--bogus'], { env });
    assert.equal(badFlag.code, 2);
    assert.equal(
      badFlag.stderr,
      'atlas-restore: error: unknown flag --bogus for "atlas-restore list" (see: atlas-restore list --help)\n',
    );

    const badRequest = await runCli(
      ['start', ...startFlags('cluster', 1), '--snapshot', 'not-an-id', '--json'],
      { env },
    );
    assert.equal(badRequest.code, 2);
    assert.match(
      badRequest.stderr,
      /^atlas-restore: error: invalid restore request: --snapshot \(snapshot\.snapshotId\): must be a 24-character lower-case hex id/,
    );
    assert.equal(badRequest.stderr.split('\n').filter(Boolean).length, 1);
    assert.equal((JSON.parse(badRequest.stdout) as { error: { exitCode: number } }).error.exitCode, 2);

    const missing = await runCli(
      ['status', `restore/cluster/${stack.projectId}/ghost/latest/to/${stack.projectId}/ghost`],
      { env },
    );
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /^atlas-restore: error: no restore with workflow id restore\/cluster\//);

    const unreachable = await runCli(['list', '--address', '127.0.0.1:1'], { env });
    assert.equal(unreachable.code, 4);
    assert.match(unreachable.stderr, /^atlas-restore: error: cannot reach Temporal at 127\.0\.0\.1:1/);

    const badEnv = await runCli(['list'], { env: { TEMPORAL_ADDRESS: 'no-port' } });
    assert.equal(badEnv.code, 4);
    assert.match(badEnv.stderr, /TEMPORAL_ADDRESS: must be host:port/);

    const help = await runCli(['watch', '--help'], { env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: atlas-restore watch <workflow-id> \[flags\]/);
  });

  it("a collection restore: watch shows a progress bar that reaches 100 % from the job's own counts", async () => {
    const run = await runCli(
      [
        'start',
        ...startFlags('cluster', 3),
        '--latest',
        '--collections',
        'shop.orders=shop.orders_restored',
        '--wait',
        '--interval',
        '200ms',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.lines.at(-1)!, /^finished: /);
    const percents = run.stderr
      .split('\n')
      .map((line) => /\[[#.]{20}\] (\d+)%/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    assert.ok(percents.length >= 2, `progress lines with a bar:\n${run.stderr}`);
    assert.equal(percents.at(-1), 100, 'the last bar is full');
    assert.ok(percents[0]! < 100, 'the bar started below 100 %');
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'it only moves forward',
    );
    assert.match(run.stderr, /\[#{20}\] 100% \([\d,]+ of [\d,]+ documents\)/);
  });
});
