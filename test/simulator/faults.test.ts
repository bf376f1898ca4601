import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startSimulator, type FaultProfile, type RunningSimulator } from '../../src/simulator';
import { resolveFaultProfile } from '../../src/simulator/faults';
import { call, expectSocketError, fetchToken } from './helpers';

describe('simulator faults', () => {
  let sim: RunningSimulator;
  let g: string;
  before(async () => {
    sim = await startSimulator({});
    g = sim.ids.projectId;
  });
  beforeEach(() => {
    sim.control.reset();
    sim.control.setFaults({ profile: 'none' });
  });
  after(() => sim.close());

  const serverless = () => `/groups/${g}/serverless/${sim.ids.serverlessSource}`;
  const lastEntry = () => sim.control.requests().entries.at(-1)!;

  it('answers the next N requests of a route with 500 or 503, Atlas-shaped, then recovers', async () => {
    sim.control.setFaults({ oneShot: [{ route: 'getServerless', kind: 'error503', count: 3 }] });
    for (let i = 0; i < 3; i++) {
      const result = await call(sim, serverless());
      assert.equal(result.status, 503);
      assert.equal(result.json.errorCode, 'SERVICE_UNAVAILABLE');
      assert.equal(result.headers.get('x-error-code'), 'SERVICE_UNAVAILABLE');
    }
    assert.equal((await call(sim, serverless())).status, 200);
    sim.control.setFaults({ oneShot: { route: 'getServerless', kind: 'error500' } });
    const failed = await call(sim, serverless());
    assert.equal(failed.status, 500);
    assert.equal(failed.json.errorCode, 'UNEXPECTED_ERROR');
    assert.equal(lastEntry().fault, 'error500');
    assert.equal(lastEntry().faultSource, 'oneShot');
  });

  it('injects faults into authenticated requests only, so a Digest challenge never uses one up', async () => {
    sim.control.clearRequests();
    sim.control.setFaults({ oneShot: { route: '*', kind: 'error503' } });
    assert.equal((await call(sim, serverless())).status, 503);
    const [challenge, attempt] = sim.control.requests().entries;
    assert.deepEqual(
      [challenge!.status, challenge!.authenticated, challenge!.fault],
      [401, false, undefined],
    );
    assert.deepEqual([attempt!.status, attempt!.authenticated, attempt!.fault], [503, true, 'error503']);
    assert.equal(attempt!.route, 'getServerless');
    assert.equal(attempt!.groupId, g);
  });

  it('resets the connection before answering', async () => {
    sim.control.setFaults({ oneShot: { route: 'getServerless', kind: 'reset' } });
    const code = await expectSocketError(call(sim, serverless()));
    assert.match(code, /ECONNRESET|UND_ERR_SOCKET/);
    assert.equal(lastEntry().status, 0);
    assert.equal(lastEntry().fault, 'reset');
    assert.equal((await call(sim, serverless())).status, 200);
  });

  it('sends a 200 whose JSON is cut short', async () => {
    sim.control.setFaults({ oneShot: { route: 'listServerlessSnapshots', kind: 'malformedJson' } });
    const result = await call(sim, `${serverless()}/backup/snapshots`);
    assert.equal(result.status, 200);
    assert.ok(result.text.length > 0);
    assert.throws(() => JSON.parse(result.text));
    assert.equal(result.json, undefined);
  });

  it('commits a restore job and then drops the connection (commit-then-drop)', async () => {
    const snapshot = (await call(sim, `${serverless()}/backup/snapshots`)).json.results[0];
    sim.control.setFaults({ oneShot: { route: 'createRestoreJob', kind: 'commitThenDrop' } });
    const body = {
      deliveryType: 'automated',
      snapshotId: snapshot.id,
      targetClusterName: sim.ids.serverlessTarget,
      targetGroupId: g,
    };
    const code = await expectSocketError(
      call(sim, `${serverless()}/backup/restoreJobs`, { method: 'POST', body }),
    );
    assert.match(code, /UND_ERR_SOCKET|ECONNRESET/);
    assert.equal(lastEntry().fault, 'commitThenDrop');
    assert.equal(lastEntry().status, 0);
    const jobs = (await call(sim, `${serverless()}/backup/restoreJobs`)).json;
    assert.equal(jobs.totalCount, 1, 'the job exists although the client saw no response');
    assert.equal(jobs.results[0].snapshotId, snapshot.id);
  });

  it('answers 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After, one-shot or from the project bucket', async () => {
    sim.control.setFaults({ oneShot: { route: 'getRestoreJob', kind: 'rateLimited', retryAfterSeconds: 7 } });
    const limited = await call(
      sim,
      `/groups/${g}/clusters/${sim.ids.clusterSource}/backup/restoreJobs/aaaaaaaaaaaaaaaaaaaaaaaa`,
    );
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.json.errorCode, 'RATE_LIMITED_TOKEN_BUCKET');
    assert.equal(limited.json.reason, 'Too Many Requests');
    assert.match(
      limited.json.detail,
      /^Rate limit exceeded for api\/atlas\/v2\/groups\/\{groupId\}\/clusters\/\{name\}\/backup\/restoreJobs\/\{jobId\}\. Please retry after 7 seconds\./,
    );
    assert.equal(limited.json.parameters[1], 7);

    sim.control.setFaults({
      profile: { rateLimit: { capacity: 3, refillRate: 1, refillDurationSeconds: 60 } },
    });
    const statuses: number[] = [];
    const remaining: (string | null)[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await call(sim, serverless());
      statuses.push(last.status);
      remaining.push(last.headers.get('ratelimit-remaining'));
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.deepEqual(remaining, ['2', '1', '0', '0']);
    assert.equal(last!.headers.get('ratelimit-limit'), '3');
    const retryAfter = Number(last!.headers.get('retry-after'));
    assert.ok(retryAfter > 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.deepEqual(last!.json.parameters.slice(2), [3, 1, 60]);
    assert.equal(lastEntry().faultSource, 'bucket');
  });

  it('adds latency in real time', async () => {
    sim.control.setFaults({ profile: { routes: { getServerless: { latencyMs: 200 } } } });
    const started = Date.now();
    assert.equal((await call(sim, serverless())).status, 200);
    assert.ok(Date.now() - started >= 200);
  });

  it('faults the token endpoint too', async () => {
    sim.control.setFaults({ oneShot: { route: 'token', kind: 'error503' } });
    assert.equal((await fetchToken(sim)).status, 503);
    assert.equal((await fetchToken(sim)).status, 200);
  });

  it('draws the same faults from the same seed, and other faults from another', async () => {
    const profile = (seed: number): FaultProfile => ({
      seed,
      routes: {
        getServerless: { error500: 0.2, error503: 0.3, rateLimited: 0.1 },
        listProjects: { error503: 0.9 },
      },
    });
    const sequence = async (seed: number) => {
      const s = await startSimulator({ faults: profile(seed) });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 24; i++) {
          // Requests to another route in between must not shift this route's stream.
          if (i % 3 === 0) await call(s, '/groups');
          statuses.push((await call(s, `/groups/${g}/serverless/${s.ids.serverlessSource}`)).status);
        }
        return statuses;
      } finally {
        await s.close();
      }
    };
    const a = await sequence(42);
    const b = await sequence(42);
    assert.deepEqual(a, b);
    assert.ok(a.some((status) => status !== 200) && a.some((status) => status === 200), a.join(','));
    assert.notDeepEqual(await sequence(43), a);
  });

  it('has named profiles and refuses unknown ones with their names listed', () => {
    for (const name of ['none', 'flaky', 'storm']) assert.ok(resolveFaultProfile(name));
    assert.throws(
      () => resolveFaultProfile('hurricane'),
      /unknown fault profile "hurricane" \(known: none, flaky, storm\)/,
    );
    assert.throws(
      () => resolveFaultProfile({ routes: { getServerless: { error500: 2 } } }),
      /routes\.getServerless\.error500/,
    );
    assert.throws(
      () => sim.control.setFaults({ oneShot: { route: 'nope' as 'token', kind: 'reset' } }),
      /oneShot/,
    );
  });

  it('counts requests per route, status and fault', async () => {
    sim.control.clearRequests();
    sim.control.setFaults({ oneShot: { route: 'getServerless', kind: 'error503' } });
    await call(sim, serverless());
    await call(sim, serverless());
    const { counts } = sim.control.requests();
    assert.deepEqual(counts.byRouteAndStatus.getServerless, { '200': 1, '503': 1 });
    assert.equal(counts.byStatus['401'], 2);
    assert.deepEqual(counts.byFault, { error503: 1 });
    assert.equal(counts.total, 4);
  });
});
