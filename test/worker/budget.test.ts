import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AtlasBackupApi, DeploymentRef } from '../../src/atlas/api';
import { TokenBuckets, withApiBudget } from '../../src/worker/budget';

describe('Atlas API budget', () => {
  it('allows a burst, then spaces requests at the sustained rate, per project', () => {
    let now = 0;
    const buckets = new TokenBuckets({ requestsPerSecond: 2, burst: 3, now: () => now });
    assert.deepEqual(
      [1, 2, 3].map(() => buckets.reserve('p1')),
      [0, 0, 0],
      'burst of 3 goes at once',
    );
    // Tokens are borrowed in arrival order: the 4th waits 0.5 s, the 5th 1 s.
    assert.equal(buckets.reserve('p1'), 500);
    assert.equal(buckets.reserve('p1'), 1000);
    assert.equal(buckets.reserve('p2'), 0, 'another project has its own bucket');
    now = 10_000;
    assert.equal(buckets.reserve('p1'), 0, 'refilled after being quiet');
  });

  it('never refills above the burst', () => {
    let now = 0;
    const buckets = new TokenBuckets({ requestsPerSecond: 10, burst: 2, now: () => now });
    now = 60_000;
    assert.deepEqual([0, 0, 100], [buckets.reserve('p'), buckets.reserve('p'), buckets.reserve('p')]);
  });

  it('gives the token back when a waiting caller is aborted', async () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 });
    await buckets.acquire('p');
    const controller = new AbortController();
    const waiting = buckets.acquire('p', controller.signal);
    controller.abort(new Error('activity cancelled'));
    await assert.rejects(waiting, /activity cancelled/);
    // Had the aborted caller kept its token, the next one would wait about 2 s, not about 1 s.
    const wait = buckets.reserve('p');
    assert.ok(wait > 0 && wait <= 1000, `waits ${wait} ms`);
  });

  it('makes every Atlas call of the wrapped API wait for its project', async () => {
    const calls: string[] = [];
    const record =
      (name: string) =>
      async (ref: DeploymentRef): Promise<never> => {
        calls.push(`${name}:${ref.groupId}`);
        return undefined as never;
      };
    const api = {
      getDeployment: record('getDeployment'),
      setContinuousBackup: record('setContinuousBackup'),
      listSnapshots: record('listSnapshots'),
      getSnapshot: record('getSnapshot'),
      createRestoreJob: record('createRestoreJob'),
      getRestoreJob: record('getRestoreJob'),
      listRestoreJobs: record('listRestoreJobs'),
      cancelRestoreJob: record('cancelRestoreJob'),
    } as unknown as AtlasBackupApi;
    const budgeted = withApiBudget(api, { requestsPerSecond: 20, burst: 1 });
    const ref = { kind: 'cluster' as const, groupId: 'aaaaaaaaaaaaaaaaaaaaaaaa', name: 'c' };
    const started = Date.now();
    await Promise.all([
      budgeted.getDeployment(ref),
      budgeted.listSnapshots(ref),
      budgeted.getRestoreJob(ref, 'j'),
      budgeted.cancelRestoreJob(ref, 'j'),
    ]);
    const elapsed = Date.now() - started;
    // 1 immediate + 3 spaced by 50 ms.
    assert.ok(elapsed >= 140, `four calls at 20/s with burst 1 took ${elapsed} ms`);
    assert.deepEqual(calls.sort(), [
      'cancelRestoreJob:aaaaaaaaaaaaaaaaaaaaaaaa',
      'getDeployment:aaaaaaaaaaaaaaaaaaaaaaaa',
      'getRestoreJob:aaaaaaaaaaaaaaaaaaaaaaaa',
      'listSnapshots:aaaaaaaaaaaaaaaaaaaaaaaa',
    ]);
  });

  it('an aborted call never reaches Atlas', async () => {
    let reached = false;
    const api = {
      getDeployment: async () => {
        reached = true;
        return undefined as never;
      },
    } as unknown as AtlasBackupApi;
    const budgeted = withApiBudget(api, { requestsPerSecond: 1, burst: 1 });
    const ref = { kind: 'cluster' as const, groupId: 'bbbbbbbbbbbbbbbbbbbbbbbb', name: 'c' };
    await budgeted.getDeployment(ref);
    reached = false;
    const controller = new AbortController();
    const pending = budgeted.getDeployment(ref, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await assert.rejects(pending, /cancelled/);
    assert.equal(reached, false);
  });
});
