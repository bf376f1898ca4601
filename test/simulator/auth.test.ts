import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { HOUR, call, challengeParams, digestHeader, fetchToken } from './helpers';

const exec = promisify(execFile);

describe('simulator authentication', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ nonceTtlMs: 300, tokenRequestsPerMinute: 10 });
  });
  after(() => sim.close());

  const groupsUri = '/api/atlas/v2/groups';
  const accept = { Accept: 'application/vnd.atlas.2023-01-01+json' };

  it('challenges with the Digest header byte for byte (docs/atlas.md#digest-api-keys) and the recorded 401 body', async () => {
    const response = await fetch(sim.url + groupsUri, { headers: accept });
    assert.equal(response.status, 401);
    const header = response.headers.get('www-authenticate');
    assert.match(
      header ?? '',
      /^Digest realm="MMS Public API", domain="", nonce="[^",\s]+", algorithm=MD5, qop="auth", stale=false$/,
    );
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get('x-error-code'), null);
    assert.deepEqual(await response.json(), {
      error: 401,
      reason: 'Unauthorized',
      detail: 'You are not authorized for this resource.',
    });
  });

  it('issues a fresh nonce with every challenge', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await fetch(sim.url + groupsUri, { headers: accept });
      await response.arrayBuffer();
      nonces.add(challengeParams(response.headers.get('www-authenticate')).nonce!);
    }
    assert.equal(nonces.size, 3);
  });

  it('works with curl --digest', async () => {
    const { publicKey, privateKey } = sim.credentials;
    const { stdout } = await exec('curl', [
      '--silent',
      '--digest',
      '--user',
      `${publicKey}:${privateKey}`,
      '--header',
      'Accept: application/vnd.atlas.2023-01-01+json',
      '--write-out',
      '\n%{http_code}',
      `${sim.url}/api/atlas/v2/groups/${sim.ids.projectId}/serverless/${sim.ids.serverlessSource}?pretty=true`,
    ]);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.pop(), '200');
    const body = JSON.parse(lines.join('\n'));
    assert.equal(body.name, sim.ids.serverlessSource);
    assert.equal(body.groupId, sim.ids.projectId);
  });

  it('accepts algorithm=MD5 quoted and unquoted', async () => {
    for (const quoteAlgorithm of [true, false]) {
      const first = await fetch(sim.url + groupsUri, { headers: accept });
      await first.arrayBuffer();
      const { nonce } = challengeParams(first.headers.get('www-authenticate'));
      const response = await fetch(sim.url + groupsUri, {
        headers: {
          ...accept,
          Authorization: digestHeader(sim.credentials, 'GET', groupsUri, nonce!, { quoteAlgorithm }),
        },
      });
      assert.equal(response.status, 200, `quoteAlgorithm=${quoteAlgorithm}`);
      await response.arrayBuffer();
    }
  });

  it('answers wrong credentials with 401 and a new challenge, never echoing the key', async () => {
    const wrongPrivate = 'this-is-the-wrong-private-key-000';
    for (const creds of [
      { publicKey: sim.credentials.publicKey, privateKey: wrongPrivate },
      { publicKey: 'nobodyyy', privateKey: wrongPrivate },
    ]) {
      const result = await call(sim, '/groups', { auth: { digest: creds } });
      assert.equal(result.status, 401);
      assert.equal(challengeParams(result.headers.get('www-authenticate')).stale, 'false');
      const everything = result.text + JSON.stringify([...result.headers]);
      assert.ok(!everything.includes(wrongPrivate));
      assert.ok(!everything.includes(sim.credentials.privateKey));
      assert.ok(!everything.includes(creds.publicKey));
    }
  });

  it('rejects a response computed for another uri (uri must be the request path and query)', async () => {
    const uri = `${groupsUri}?pageNum=1`;
    const first = await fetch(sim.url + uri, { headers: accept });
    await first.arrayBuffer();
    const { nonce } = challengeParams(first.headers.get('www-authenticate'));
    const signedWithoutQuery = digestHeader(sim.credentials, 'GET', groupsUri, nonce!);
    const response = await fetch(sim.url + uri, {
      headers: { ...accept, Authorization: signedWithoutQuery },
    });
    assert.equal(response.status, 401);
    await response.arrayBuffer();
  });

  it('answers an expired nonce with stale=true, and a nonce it never issued with stale=false', async () => {
    const first = await fetch(sim.url + groupsUri, { headers: accept });
    await first.arrayBuffer();
    const { nonce } = challengeParams(first.headers.get('www-authenticate'));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const stale = await fetch(sim.url + groupsUri, {
      headers: { ...accept, Authorization: digestHeader(sim.credentials, 'GET', groupsUri, nonce!) },
    });
    assert.equal(stale.status, 401);
    await stale.arrayBuffer();
    assert.equal(challengeParams(stale.headers.get('www-authenticate')).stale, 'true');

    const unknown = await fetch(sim.url + groupsUri, {
      headers: {
        ...accept,
        Authorization: digestHeader(sim.credentials, 'GET', groupsUri, 'bm90LWlzc3VlZA=='),
      },
    });
    assert.equal(unknown.status, 401);
    await unknown.arrayBuffer();
    assert.equal(challengeParams(unknown.headers.get('www-authenticate')).stale, 'false');
  });

  it('treats a replayed nonce count as stale', async () => {
    const first = await fetch(sim.url + groupsUri, { headers: accept });
    await first.arrayBuffer();
    const { nonce } = challengeParams(first.headers.get('www-authenticate'));
    const authorization = digestHeader(sim.credentials, 'GET', groupsUri, nonce!);
    const once = await fetch(sim.url + groupsUri, { headers: { ...accept, Authorization: authorization } });
    assert.equal(once.status, 200);
    await once.arrayBuffer();
    const replay = await fetch(sim.url + groupsUri, { headers: { ...accept, Authorization: authorization } });
    assert.equal(replay.status, 401);
    await replay.arrayBuffer();
    assert.equal(challengeParams(replay.headers.get('www-authenticate')).stale, 'true');
    const next = await fetch(sim.url + groupsUri, {
      headers: {
        ...accept,
        Authorization: digestHeader(sim.credentials, 'GET', groupsUri, nonce!, { nc: '00000002' }),
      },
    });
    assert.equal(next.status, 200);
    await next.arrayBuffer();
  });

  it('mints bearer tokens for the service account; they expire in simulated time and can be revoked', async () => {
    const minted = await fetchToken(sim);
    assert.equal(minted.status, 200);
    assert.equal(minted.json.token_type, 'Bearer');
    assert.equal(minted.json.expires_in, 3600);
    const token = minted.json.access_token as string;

    const ok = await call(sim, '/groups', { auth: { bearer: token } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.results[0].id, sim.ids.projectId);

    sim.control.advanceClock(HOUR + 1000);
    const expired = await call(sim, '/groups', { auth: { bearer: token } });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.errorCode, 'UNAUTHORIZED');
    assert.match(expired.json.detail, /expired/);
    assert.ok(!expired.text.includes(token));

    const second = (await fetchToken(sim)).json.access_token as string;
    const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString(
      'base64',
    );
    const revoke = await fetch(`${sim.url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: second, token_type_hint: 'access_token' }).toString(),
    });
    assert.equal(revoke.status, 200);
    await revoke.arrayBuffer();
    assert.equal((await call(sim, '/groups', { auth: { bearer: second } })).status, 401);
    assert.equal((await call(sim, '/groups', { auth: { bearer: 'made-up-token' } })).status, 401);
  });

  it('refuses bad client credentials with invalid_client and never echoes the secret', async () => {
    const wrongSecret = 'mdb_sa_sk_definitely-not-the-secret';
    const result = await fetchToken(sim, 'mdb_sa_id_000000000000000000000000', wrongSecret);
    assert.equal(result.status, 401);
    assert.equal(result.json.error, 'invalid_client');
    assert.ok(!result.text.includes(wrongSecret));
  });

  it('rate limits the token endpoint to 10 requests a minute per client (docs/atlas.md#service-accounts)', async () => {
    const limited = await startSimulator({});
    try {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 11; i++) {
        last = await fetchToken(limited);
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
      assert.deepEqual(last!.json, {
        detail: 'Resource /api/oauth/token is limited to 10 requests every 1 minutes.',
        error: 429,
        errorCode: 'RATE_LIMITED',
        parameters: ['/api/oauth/token', 10, 1],
        reason: 'Too Many Requests',
      });
      const retryAfter = Number(last!.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(last!.headers.get('x-error-code'), 'RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });

  it('states expires_in in real seconds when time runs faster', async () => {
    const fast = await startSimulator({ timeScale: 60 });
    try {
      const minted = await fetchToken(fast);
      assert.equal(minted.json.expires_in, 60);
    } finally {
      await fast.close();
    }
  });
});
