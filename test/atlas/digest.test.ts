import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeDigestResponse,
  digestAuthorization,
  newCnonce,
  parseDigestChallenge,
  type DigestChallenge,
} from '../../src/atlas/auth/digest';

// Expected values below were computed independently of this code (plain MD5/SHA-256 over the RFC strings).

describe('Digest arithmetic', () => {
  it('reproduces the RFC 2617 §3.5 example (Mufasa / Circle Of Life)', () => {
    const response = computeDigestResponse({
      username: 'Mufasa',
      password: 'Circle Of Life',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });

  it('reproduces the RFC 7616 §3.9.1 examples for MD5 and SHA-256', () => {
    const input = {
      username: 'Mufasa',
      password: 'Circle of Life',
      realm: 'http-auth@example.org',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth' as const,
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    assert.equal(computeDigestResponse({ ...input, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(
      computeDigestResponse({ ...input, algorithm: 'SHA-256' }),
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  const atlas = {
    username: 'abcdefgh',
    password: '01234567-89ab-cdef-0123-456789abcdef',
    realm: 'MMS Public API',
    nonce: '3q2fsl3kDF9Ax0kzTjJ8Ug==',
    nc: '00000001',
    cnonce: '0123456789abcdef',
  };

  it('covers the query string: the uri is path plus query, and changing it changes the response', () => {
    const path = '/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/prod-1/backup/restoreJobs';
    const withQuery = computeDigestResponse({
      ...atlas,
      method: 'GET',
      uri: `${path}?pageNum=2&itemsPerPage=50`,
      qop: 'auth',
    });
    const without = computeDigestResponse({ ...atlas, method: 'GET', uri: path, qop: 'auth' });
    assert.equal(withQuery, '1de1cbb7fbd5ff5cc409b7fbcbec4b27');
    assert.equal(without, '745f7f8b6071980a5dda6ec5fe2d5d62');
  });

  it('covers the method', () => {
    const response = computeDigestResponse({
      ...atlas,
      method: 'POST',
      uri: '/api/atlas/v1.0/groups/5f1a2b3c4d5e6f7a8b9c0d1e/serverless/inst-1/backup/restoreJobs',
      qop: 'auth',
    });
    assert.equal(response, '330e6a182c226272764cfdf6c21c455f');
  });

  it('supports MD5-sess and the qop-less RFC 2069 form', () => {
    const uri = '/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/prod-1/backup/restoreJobs';
    assert.equal(
      computeDigestResponse({ ...atlas, method: 'GET', uri, qop: 'auth', algorithm: 'MD5-sess' }),
      'd7c1ea4a6d5cb0e39e67ecc59fd2b706',
    );
    assert.equal(computeDigestResponse({ ...atlas, method: 'GET', uri }), 'b9725b26f5d8544afbf679acbf58c1c6');
  });

  it('refuses algorithms it cannot compute', () => {
    assert.throws(
      () =>
        computeDigestResponse({ ...atlas, method: 'GET', uri: '/', qop: 'auth', algorithm: 'SHA-512-256' }),
      /unsupported Digest algorithm SHA-512-256/,
    );
  });
});

describe('Digest challenge parsing', () => {
  it('reads the challenge Atlas sends (recorded header, nonce redacted in the recording)', () => {
    const header =
      'Digest realm="MMS Public API", domain="", nonce="REDACTED", algorithm=MD5, qop="auth", stale=false';
    assert.deepEqual(parseDigestChallenge(header), {
      realm: 'MMS Public API',
      nonce: 'REDACTED',
      qop: ['auth'],
      algorithm: 'MD5',
      stale: false,
    });
  });

  it('reads stale=true, opaque, a qop list and escaped quotes', () => {
    const header =
      'Digest realm="a \\"quoted\\" realm", nonce="n1", opaque="op", qop="auth,auth-int", stale=TRUE';
    const challenge = parseDigestChallenge(header);
    assert.equal(challenge?.realm, 'a "quoted" realm');
    assert.equal(challenge?.opaque, 'op');
    assert.deepEqual(challenge?.qop, ['auth', 'auth-int']);
    assert.equal(challenge?.stale, true);
    assert.equal(challenge?.algorithm, 'MD5');
  });

  it('finds the Digest challenge among several schemes and stops at the next one', () => {
    const header =
      'Bearer realm="oauth", Digest realm="MMS Public API", nonce="abc", qop="auth", Basic realm="other"';
    const challenge = parseDigestChallenge(header);
    assert.equal(challenge?.realm, 'MMS Public API');
    assert.equal(challenge?.nonce, 'abc');
  });

  it('returns undefined without a usable Digest challenge', () => {
    assert.equal(parseDigestChallenge(undefined), undefined);
    assert.equal(parseDigestChallenge('Basic realm="x"'), undefined);
    assert.equal(parseDigestChallenge('Digest realm="x"'), undefined);
  });
});

describe('Digest Authorization header', () => {
  const challenge: DigestChallenge = {
    realm: 'MMS Public API',
    nonce: '3q2fsl3kDF9Ax0kzTjJ8Ug==',
    qop: ['auth'],
    algorithm: 'MD5',
    stale: false,
  };
  const credentials = { username: 'abcdefgh', password: '01234567-89ab-cdef-0123-456789abcdef' };

  it('has the fields Atlas expects, in the Go SDK order, with the uri including the query string', () => {
    const uri =
      '/api/atlas/v2/groups/5f1a2b3c4d5e6f7a8b9c0d1e/clusters/prod-1/backup/restoreJobs?pageNum=2&itemsPerPage=50';
    const header = digestAuthorization(challenge, credentials, { method: 'GET', uri }, '0123456789abcdef');
    assert.equal(
      header,
      'Digest username="abcdefgh", realm="MMS Public API", nonce="3q2fsl3kDF9Ax0kzTjJ8Ug==", ' +
        `uri="${uri}", response="1de1cbb7fbd5ff5cc409b7fbcbec4b27", algorithm=MD5, qop=auth, nc=00000001, ` +
        'cnonce="0123456789abcdef"',
    );
    assert.ok(!header.includes(credentials.password), 'the private key never goes on the wire');
  });

  it('echoes opaque when the challenge has one', () => {
    const header = digestAuthorization(
      { ...challenge, opaque: 'xyz' },
      credentials,
      { method: 'GET', uri: '/' },
      '0123456789abcdef',
    );
    assert.match(header, /, opaque="xyz"$/);
  });

  it('makes a fresh 16-hex cnonce each time', () => {
    const a = newCnonce();
    const b = newCnonce();
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.notEqual(a, b);
  });
});
