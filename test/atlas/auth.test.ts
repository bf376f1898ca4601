import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as undiciRequest } from 'undici';
import { createAtlasClient, type AtlasClient, type AtlasClientConfig } from '../../src/atlas/client';
import { clearServiceAccountTokenCache } from '../../src/atlas/auth/service-account';
import { AtlasApiError } from '../../src/atlas/errors';
import { startSimulator, type RunningSimulator } from '../../src/simulator';

/** Digest and service-account auth against the simulator over real HTTP. */

async function rejection(promise: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AtlasApiError, `expected AtlasApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const statuses = (sim: RunningSimulator, route: string) =>
  sim.control
    .requests()
    .entries.filter(
      (entry) =>
        entry.route === route || (route === 'listProjects' && entry.path.startsWith('/api/atlas/v2/groups')),
    )
    .map((entry) => entry.status);

describe('HTTP Digest against the simulator', () => {
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

  before(async () => {
    // Nonces live 100 ms of real time: the proxy below makes a nonce go stale by holding a request back.
    sim = await startSimulator({ nonceTtlMs: 100, faults: { rateLimit: false } });
  });
  beforeEach(() => sim.control.clearRequests());
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim?.close();
  });

  it('answers the challenge: one unauthenticated leg, one authenticated, both for every request', async () => {
    const atlas = client();
    await atlas.projects.list();
    await atlas.projects.list({ pageNum: 1, itemsPerPage: 10 });
    assert.deepEqual(statuses(sim, 'listProjects'), [401, 200, 401, 200]);
  });

  it('signs the query string too (the simulator checks uri against the request-URI)', async () => {
    const atlas = client();
    const page = await atlas.clusters.listSnapshots(
      { groupId: sim.ids.projectId, name: sim.ids.clusterSource },
      { pageNum: 1, itemsPerPage: 1 },
    );
    assert.equal(page.results.length, 1);
  });

  it('wrong credentials: a clear 401 auth error that never contains the key', async () => {
    const wrongKey = 'wrong-private-key-7f3a91';
    const atlas = client({
      credentials: { type: 'digest', publicKey: sim.credentials.publicKey, privateKey: wrongKey },
    });
    const error = await rejection(atlas.projects.list());
    assert.equal(error.kind, 'auth');
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.equal(error.detail, 'You are not authorized for this resource.');
    assert.match(error.message, /Atlas rejected the API key \(HTTP Digest\)/);
    for (const secret of [wrongKey, sim.credentials.privateKey]) {
      assert.ok(!error.message.includes(secret));
      assert.ok(!JSON.stringify(error.toInfo()).includes(secret));
      assert.ok(!String(error.stack).includes(secret));
    }
    assert.deepEqual(statuses(sim, 'listProjects'), [401, 401], 'no retry on a plain (not stale) rejection');
  });

  describe('through a proxy that holds authenticated requests back past the nonce lifetime', () => {
    let proxy: Server;
    let proxyUrl: string;
    let holdBack = 0;

    before(async () => {
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          void (async () => {
            if (req.headers.authorization && holdBack > 0) {
              holdBack -= 1;
              await sleep(250);
            }
            const headers = { ...req.headers };
            delete headers.host;
            delete headers.connection;
            const upstream = await undiciRequest(`${sim.url}${req.url}`, {
              method: req.method as 'GET',
              headers,
              body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
            });
            const body = await upstream.body.text();
            const out: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(upstream.headers)) {
              if (
                value !== undefined &&
                !['connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)
              ) {
                out[name] = value;
              }
            }
            res.writeHead(upstream.statusCode, out);
            res.end(body);
          })().catch(() => res.destroy());
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    after(async () => {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });

    it('a stale=true challenge gets one more answer with the new nonce, and the call succeeds', async () => {
      holdBack = 1;
      const atlas = client({ baseUrl: proxyUrl });
      const page = await atlas.projects.list();
      assert.equal(page.results[0]?.id, sim.ids.projectId);
      assert.deepEqual(statuses(sim, 'listProjects'), [401, 401, 200]);
    });

    it('a second stale challenge is not chased: the call fails as auth after exactly one retry', async () => {
      holdBack = 2;
      const atlas = client({ baseUrl: proxyUrl });
      const error = await rejection(atlas.projects.list());
      assert.equal(error.kind, 'auth');
      assert.equal(error.status, 401);
      assert.deepEqual(statuses(sim, 'listProjects'), [401, 401, 401]);
    });
  });
});

describe('service accounts against the simulator', () => {
  let sim: RunningSimulator;
  let now = Date.now();
  const clients: AtlasClient[] = [];
  const client = (overrides: Partial<AtlasClientConfig> = {}) => {
    const atlas = createAtlasClient({
      baseUrl: sim.url,
      credentials: {
        type: 'serviceAccount',
        clientId: sim.credentials.clientId,
        clientSecret: sim.credentials.clientSecret,
      },
      serviceAccount: { now: () => now },
      ...overrides,
    });
    clients.push(atlas);
    return atlas;
  };
  const tokenStatuses = () => statuses(sim, 'token');

  before(async () => {
    sim = await startSimulator({ tokenRequestsPerMinute: 1000, faults: { rateLimit: false } });
  });
  beforeEach(() => {
    clearServiceAccountTokenCache();
    sim.control.clearRequests();
    sim.control.setFaults({ clearOneShots: true });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sim?.close();
  });

  it('N concurrent calls from several clients in the process share one token', async () => {
    const a = client();
    const b = client();
    const pages = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).projects.list()),
    );
    assert.ok(pages.every((page) => page.results[0]?.id === sim.ids.projectId));
    assert.deepEqual(tokenStatuses(), [200]);
    await a.projects.list();
    assert.deepEqual(tokenStatuses(), [200], 'later calls reuse the cached token');
  });

  it('refreshes before expiry by its own clock, without waiting for a 401', async () => {
    const atlas = client();
    await atlas.projects.list();
    now += 3_600_000 - 30_000; // inside the 60 s refresh margin of a 3600 s token
    await atlas.projects.list();
    assert.deepEqual(tokenStatuses(), [200, 200]);
    assert.ok(!statuses(sim, 'listProjects').includes(401));
  });

  it('a token the server expired (simulated clock advanced) is refreshed once on the 401 and the call succeeds', async () => {
    const atlas = client();
    await atlas.projects.list();
    sim.control.advanceClock(3_601_000);
    const page = await atlas.projects.list();
    assert.equal(page.results[0]?.id, sim.ids.projectId);
    assert.deepEqual(tokenStatuses(), [200, 200]);
    assert.deepEqual(statuses(sim, 'listProjects'), [200, 401, 200]);
  });

  it('honours a short Retry-After of the token endpoint, then gets the token', async () => {
    sim.control.setFaults({ oneShot: { route: 'token', kind: 'rateLimited', retryAfterSeconds: 1 } });
    const atlas = client();
    const started = Date.now();
    await atlas.projects.list();
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
    assert.deepEqual(tokenStatuses(), [429, 200]);
  });

  it('a long Retry-After of the token endpoint fails at once, retryable, with retryAfterMs', async () => {
    sim.control.setFaults({ oneShot: { route: 'token', kind: 'rateLimited', retryAfterSeconds: 30 } });
    const atlas = client();
    const started = Date.now();
    const error = await rejection(atlas.projects.list());
    assert.ok(Date.now() - started < 5_000);
    assert.equal(error.kind, 'auth');
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 30_000);
    assert.equal(error.path, '/api/oauth/token');
    assert.deepEqual(tokenStatuses(), [429]);
  });

  it('wrong client secret: auth error from the token endpoint, secret never shown', async () => {
    const secret = 'mdb_sa_sk_wrongwrongwrongwrong';
    const atlas = client({
      credentials: { type: 'serviceAccount', clientId: sim.credentials.clientId, clientSecret: secret },
    });
    const error = await rejection(atlas.projects.list());
    assert.equal(error.kind, 'auth');
    assert.equal(error.status, 401);
    assert.equal(error.errorCode, 'invalid_client');
    assert.equal(error.retryable, false);
    assert.match(error.message, /check the client id and secret/);
    assert.ok(!error.message.includes(secret));
    assert.ok(
      !error.message.includes(Buffer.from(`${sim.credentials.clientId}:${secret}`).toString('base64')),
    );
  });

  it('a caller abort while the token is being fetched rejects that caller only', async () => {
    sim.control.setFaults({ oneShot: { route: 'token', kind: 'rateLimited', retryAfterSeconds: 1 } });
    const atlas = client();
    const controller = new AbortController();
    const aborted = rejection(atlas.projects.list({}, { signal: controller.signal }));
    const patient = atlas.projects.list();
    setTimeout(() => controller.abort(), 100);
    assert.equal((await aborted).kind, 'aborted');
    assert.equal((await patient).results[0]?.id, sim.ids.projectId);
    assert.deepEqual(tokenStatuses(), [429, 200]);
  });
});
