import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { History } from '@temporalio/common/lib/proto-utils';
import { searchAttributes } from '../../src/common/contract';
import { statusQuery } from '../../src/workflows';
import { startConfiguredDevServer, type ConfiguredDevServer } from './configured-dev-server';
import {
  assertNoSecrets,
  chainHistories,
  eventTypes,
  expectSuccess,
  recordHistoryOf,
  routeRequests,
  serverlessRequest,
  startKit,
  startRestore,
  type Kit,
} from './support';

const HOUR_MS = 3_600_000;

/** How many times the workflow scheduled an activity of this type. */
function scheduledActivities(history: History, type: string): number {
  return (history.events ?? []).filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type,
  ).length;
}

describe('a restore lasting 12 simulated hours', () => {
  let kit: Kit;
  before(async () => {
    // One simulated hour per real second; the worker reports progress every 6 s of real time.
    kit = await startKit({
      simulator: { timeScale: 3600, restoreJobDurationMs: 12 * HOUR_MS, updateDurationMs: 3 * HOUR_MS },
      progressWindowMs: 6_000,
    });
  });
  after(() => kit?.close());

  it('keeps its history to a handful of events per progress window', async () => {
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids));
    const result = await expectSuccess(handle);
    const [job] = kit.sim.control.state().restoreJobs;
    const simulatedMs = Date.parse(String(job!.finishedAt)) - Date.parse(job!.createdAt);
    assert.ok(simulatedMs >= 12 * HOUR_MS, `the job ran ${simulatedMs / HOUR_MS} simulated hours`);

    const history = await handle.fetchHistory();
    const events = eventTypes(history).length;
    const windows = scheduledActivities(history, 'waitForRestoreJob');
    const idleWindows = scheduledActivities(history, 'waitForDeploymentIdle');
    const polls = routeRequests(kit.requests(), 'getRestoreJob').length;
    console.log(
      `[12h restore] ${events} history events, ${idleWindows} + ${windows} progress windows, ${polls} job polls, result.polls ${result.polls}`,
    );
    // A standard restore is at most 40 events with one window per wait; each further window adds 6
    // (activity scheduled/started/completed, workflow task scheduled/started/completed), whatever the
    // number of polls inside it. (Here a window is 6 s; in production 2 h: 3 events an hour.)
    assert.ok(windows >= 2, `${windows} progress windows`);
    const extraWindows = windows - 1 + (idleWindows - 1);
    assert.ok(
      events <= 40 + 6 * extraWindows,
      `${events} events for ${extraWindows} extra windows and ${polls} polls`,
    );
    assert.ok(polls > windows, 'several polls per window, none of them in history');
    const deploymentReads = routeRequests(kit.requests(), 'getServerless').length;
    assert.ok(
      result.polls > polls && result.polls < polls + deploymentReads,
      'status polls of both waits counted',
    );
    assertNoSecrets(history, kit.sim.credentials);
  });
});

describe('continue-as-new while polling', () => {
  const SUGGEST_AT = 40;
  let server: ConfiguredDevServer;
  let kit: Kit;
  before(async () => {
    server = await startConfiguredDevServer({ 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT });
    kit = await startKit({
      env: server.env,
      progressWindowMs: 1_000,
      simulator: { restoreJobDurationMs: 15 * 60_000 },
    });
  });
  after(async () => {
    await kit?.close();
    await server?.stop();
  });

  it('continues as new when the server suggests it, carrying the job, polls and timings', async () => {
    const handle = await startRestore(kit, serverlessRequest(kit.sim.ids));
    const firstRunId = handle.firstExecutionRunId;
    const result = await expectSuccess(handle);
    const runs = await chainHistories(kit.env, handle.workflowId);
    assert.ok(runs.length >= 3, `${runs.length} runs`);
    console.log(`[continue-as-new] events per run: ${runs.map((r) => eventTypes(r).length).join(', ')}`);
    for (const [i, run] of runs.entries()) {
      const types = eventTypes(run);
      // The suggestion is acted on at the end of the window during which it came: at most one window
      // (6 events) past it; the first run also holds the phases before polling.
      const limit = i === 0 ? 80 : SUGGEST_AT + 8;
      assert.ok(types.length <= limit, `run ${i}: ${types.length} events`);
      assert.equal(
        types.at(-1),
        i === runs.length - 1 ? 'WORKFLOW_EXECUTION_COMPLETED' : 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
      );
      assertNoSecrets(run, kit.sim.credentials);
    }
    // Later runs only poll: no second POST, no second PATCH.
    const log = kit.requests();
    assert.equal(routeRequests(log, 'createRestoreJob').length, 1);
    assert.equal(routeRequests(log, 'updateServerless').length, 1);
    assert.equal(kit.sim.control.state().restoreJobs.length, 1);
    assert.ok(result.polls >= routeRequests(log, 'getRestoreJob').length, 'polls carried across runs');
    const firstStart = runs[0]!.events![0]!.eventTime!;
    assert.equal(
      Date.parse(result.timings.startedAt),
      Number(firstStart.seconds) * 1000 + Math.floor((firstStart.nanos ?? 0) / 1e6),
    );

    const last = kit.env.client.workflow.getHandle(handle.workflowId);
    const description = await last.describe();
    assert.notEqual(description.runId, firstRunId);
    assert.equal(description.typedSearchAttributes.get(searchAttributes.restorePhase), 'done');
    assert.equal(description.typedSearchAttributes.get(searchAttributes.restoreJobId), result.restoreJobId);
    assert.equal(
      description.typedSearchAttributes.get(searchAttributes.instanceName),
      kit.sim.ids.serverlessSource,
    );
    assert.equal((await last.query(statusQuery)).polls, result.polls);

    recordHistoryOf('continue-as-new-first-run', runs[0]!);
    recordHistoryOf('continue-as-new-continued-run', runs[1]!);
  });
});
