import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TypedSearchAttributes } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { searchAttributes } from '../../src/common/contract';
import { createTimeSkippingEnv, getTestEnv, installTestRuntime, runWorker, uniqueTaskQueue } from './index';
import * as activities from './fixtures/activities';

const workflowsPath = require.resolve('./fixtures/workflows');

describe('test harness', () => {
  it('runs a workflow with an activity and a timer on the dev server, and reads its history', async () => {
    const { client } = await getTestEnv();
    const taskQueue = uniqueTaskQueue('harness');
    const workflowId = `harness-${taskQueue}`;
    const result = await runWorker({ taskQueue, activities, workerOptions: { workflowsPath } }, () =>
      client.workflow.execute('greetAfterTimer', { taskQueue, workflowId, args: ['atlas', 200] }),
    );
    assert.equal(result, 'hello, atlas');
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    assert.ok(
      events.some((e) => e.activityTaskCompletedEventAttributes),
      'activity completion in history',
    );
    assert.ok(
      events.some((e) => e.timerFiredEventAttributes),
      'timer in history',
    );
    assert.ok(events.at(-1)?.workflowExecutionCompletedEventAttributes, 'history ends with completion');
  });

  it('finds a workflow by a custom search attribute set at start', async () => {
    const { client } = await getTestEnv();
    const taskQueue = uniqueTaskQueue('harness-sa');
    const groupId = taskQueue
      .replace(/[^a-z0-9]/g, '')
      .padEnd(24, '0')
      .slice(0, 24);
    const handle = await client.workflow.start('sleepFor', {
      taskQueue,
      workflowId: `harness-sa-${taskQueue}`,
      args: [60_000],
      typedSearchAttributes: new TypedSearchAttributes([{ key: searchAttributes.groupId, value: groupId }]),
    });
    try {
      // Visibility is eventually consistent: poll briefly for the indexed row.
      let ids: string[] = [];
      for (let attempt = 0; attempt < 50 && ids.length === 0; attempt++) {
        ids = [];
        for await (const wf of client.workflow.list({ query: `AtlasGroupId = '${groupId}'` }))
          ids.push(wf.workflowId);
        if (ids.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(ids, [handle.workflowId]);
    } finally {
      await handle.terminate('harness test done');
    }
  });

  it('completes a 24 h timer in seconds on the time-skipping server', async () => {
    installTestRuntime();
    const env = await createTimeSkippingEnv();
    const taskQueue = uniqueTaskQueue('harness-ts');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath,
      activities,
    });
    const wallStart = Date.now();
    const workflowElapsed = await worker.runUntil(
      env.client.workflow.execute('sleepFor', {
        taskQueue,
        workflowId: `harness-ts-${taskQueue}`,
        args: [24 * 3_600_000],
      }),
    );
    const wallElapsed = Date.now() - wallStart;
    assert.ok(workflowElapsed >= 24 * 3_600_000, `workflow time advanced ${workflowElapsed} ms`);
    assert.ok(wallElapsed < 3_600_000, `wall time ${wallElapsed} ms is far below the 24 h of workflow time`);
  });
});
