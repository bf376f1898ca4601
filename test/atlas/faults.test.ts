import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAtlasClient, type AtlasClient, type AtlasClientConfig } from '../../src/atlas/client';
import { AtlasApiError, type AtlasErrorKind } from '../../src/atlas/errors';
import { startSimulator, type FaultKind, type RunningSimulator } from '../../src/simulator';

/** Each simulator fault, met by a real client over HTTP, becomes the error kind the activity layer acts on. */

async function rejection(promise: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AtlasApiError, `expected AtlasApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('simulator faults mapped to AtlasApiError', () => {
  let sim: RunningSimulator;
  const clients: AtlasClient[] = [];
  const client = (overrides: Partial<AtlasClientConfig> = {}) => {
    const atlas = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
      ...overrides,
    });
    clients.push(atlas);
    return atlas;
  };
  const cluster = () => ({ groupId: sim.ids.projectId, name: sim.ids.clusterSource });

  before(async () => {
    sim = await startSimulator();
  });
  beforeEach(() => {
    sim.control.reset();
    sim.control.setFaults({ profile: 'none', clearOneShots: true });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim?.close();
  });

  const cases: { fault: FaultKind; kind: AtlasErrorKind; status?: number; errorCode?: string }[] = [
    { fault: 'error500', kind: 'http', status: 500, errorCode: 'UNEXPECTED_ERROR' },
    { fault: 'error503', kind: 'http', status: 503, errorCode: 'SERVICE_UNAVAILABLE' },
    { fault: 'rateLimited', kind: 'http', status: 429, errorCode: 'RATE_LIMITED_TOKEN_BUCKET' },
    { fault: 'reset', kind: 'network' },
    { fault: 'malformedJson', kind: 'malformed', status: 200 },
    { fault: 'commitThenDrop', kind: 'network' },
  ];
  for (const { fault, kind, status, errorCode } of cases) {
    it(`${fault} → kind ${kind}${status ? `, HTTP ${status}` : ''}, retryable`, async () => {
      sim.control.setFaults({ oneShot: { route: 'getCluster', kind: fault, retryAfterSeconds: 7 } });
      const atlas = client();
      const error = await rejection(atlas.clusters.get(cluster()));
      assert.equal(error.kind, kind);
      assert.equal(error.retryable, true);
      assert.equal(error.status, status);
      assert.equal(error.errorCode, errorCode);
      assert.equal(error.path, `/api/atlas/v2/groups/${sim.ids.projectId}/clusters/${sim.ids.clusterSource}`);
      if (fault === 'rateLimited') {
        assert.equal(error.retryAfterMs, 7_000);
        assert.equal(error.rateLimit?.remaining, 1199);
      }
      // The fault was one-shot: the same client's next call goes through.
      assert.equal((await atlas.clusters.get(cluster())).name, sim.ids.clusterSource);
    });
  }

  it('commit-then-drop on create: the client sees a retryable network error, yet the job exists', async () => {
    const atlas = client();
    const target = cluster();
    const snapshotId = (await atlas.clusters.listSnapshots(target)).results.find(
      (s) => s.status === 'completed',
    )!.id;
    sim.control.setFaults({ oneShot: { route: 'createRestoreJob', kind: 'commitThenDrop' } });
    const error = await rejection(
      atlas.clusters.createRestoreJob(target, { deliveryType: 'download', snapshotId }),
    );
    assert.equal(error.kind, 'network');
    assert.equal(error.retryable, true);
    assert.equal(error.method, 'POST');
    const jobs = await atlas.clusters.listRestoreJobs(target);
    assert.equal(
      jobs.results.length,
      1,
      'the lost response hid a created job: the caller must adopt it, not POST again',
    );
  });

  it('an exhausted per-project bucket answers 429 with Retry-After and RateLimit-Remaining 0', async () => {
    sim.control.setFaults({
      profile: { rateLimit: { capacity: 2, refillRate: 1, refillDurationSeconds: 60 } },
    });
    const atlas = client();
    await atlas.clusters.get(cluster());
    await atlas.clusters.get(cluster());
    const error = await rejection(atlas.clusters.get(cluster()));
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 0 && error.retryAfterMs <= 60_000);
    assert.deepEqual(error.rateLimit, { limit: 2, remaining: 0 });
  });

  it('latency past the headers timeout → kind timeout, retryable', async () => {
    sim.control.setFaults({ profile: { rateLimit: false, routes: { getCluster: { latencyMs: 1_500 } } } });
    const atlas = client({ timeouts: { headersMs: 300 } });
    const error = await rejection(atlas.clusters.get(cluster()));
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
  });

  it('an AbortSignal stops a slow request in flight (activity cancellation)', async () => {
    sim.control.setFaults({ profile: { rateLimit: false, routes: { getCluster: { latencyMs: 2_000 } } } });
    const atlas = client();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const error = await rejection(atlas.clusters.get(cluster(), { signal: controller.signal }));
    assert.equal(error.kind, 'aborted');
    assert.equal(error.retryable, false);
    assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms`);
  });

  it('a deterministic fault profile gives the same errors on every run', async () => {
    const profile = { seed: 42, rateLimit: false as const, routes: { getCluster: { error503: 0.5 } } };
    const run = async () => {
      sim.control.setFaults({ profile });
      const atlas = client();
      const outcomes: string[] = [];
      for (let i = 0; i < 8; i += 1) {
        outcomes.push(
          await atlas.clusters.get(cluster()).then(
            () => 'ok',
            (error: AtlasApiError) => `${error.status}`,
          ),
        );
      }
      return outcomes;
    };
    const first = await run();
    assert.ok(first.includes('503') && first.includes('ok'));
    assert.deepEqual(await run(), first);
  });
});
