import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestoreFailureType, searchAttributes } from '../../src/common/contract';
import { statusQuery } from '../../src/workflows';
import {
  clusterRequest,
  expectFailure,
  recordHistory,
  routeRequests,
  startKit,
  startRestore,
  waitFor,
  type Kit,
} from './support';

// Its own file: the smallest deadline is a real minute, which then overlaps the other files' tests.
describe('the deadline', () => {
  let kit: Kit;
  before(async () => {
    kit = await startKit();
  });
  after(() => kit?.close());

  it('fails with RestoreDeadlineExceeded when the job is still running at the deadline, and stops polling', async () => {
    kit.sim.control.setScenario({ outcome: 'never' });
    const started = Date.now();
    const handle = await startRestore(kit, clusterRequest(kit.sim.ids, { deadline: '1m' }));
    await waitFor('the restoring phase', async () => (await handle.query(statusQuery)).phase === 'restoring');
    const failure = await expectFailure(handle);
    const elapsed = Date.now() - started;
    const [job] = kit.sim.control.state().restoreJobs;
    assert.equal(failure.type, RestoreFailureType.RestoreDeadlineExceeded);
    assert.match(
      failure.message,
      /did not finish within its deadline of 1m \(phase restoring\); Atlas continues restore job/,
    );
    assert.equal(failure.details.restoreJobId, job!.id);
    assert.ok(elapsed >= 60_000 && elapsed < 75_000, `ended ${elapsed} ms after the start`);
    const polls = routeRequests(kit.requests(), 'getRestoreJob').length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(
      routeRequests(kit.requests(), 'getRestoreJob').length,
      polls,
      'no poll after the workflow ended',
    );
    const sa = (await handle.describe()).typedSearchAttributes;
    assert.equal(sa.get(searchAttributes.restorePhase), 'done');
    assert.equal(sa.get(searchAttributes.restoreOutcome), 'deadline_exceeded');
    await recordHistory('cluster-deadline', handle);
  });
});
