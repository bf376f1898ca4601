import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AtlasApiError } from '../../src/atlas/errors';
import {
  errorFromResponse,
  parseRetryAfter,
  pathOnly,
  rateLimitFromHeaders,
  retryAfterFromHeaders,
  transportError,
} from '../../src/atlas/http';

describe('Retry-After and RateLimit headers', () => {
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('55'), 55_000);
    assert.equal(parseRetryAfter(' 0 '), 0);
  });

  it('reads an HTTP-date against the response Date header, not the local clock', () => {
    const retryAfter = 'Wed, 21 Oct 2026 07:28:30 GMT';
    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    assert.equal(parseRetryAfter(retryAfter, date, Date.parse('2030-01-01T00:00:00Z')), 30_000);
  });

  it('reads an HTTP-date against the local clock when there is no Date header; a past date means now', () => {
    const now = Date.parse('2026-10-21T07:28:00Z');
    assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:28:12 GMT', undefined, now), 12_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', undefined, now), 0);
  });

  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(undefined), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-5'), undefined);
  });

  it('uses RateLimit-Reset on an exhausted 429 without Retry-After', () => {
    assert.equal(retryAfterFromHeaders(429, { 'ratelimit-remaining': '0', 'ratelimit-reset': '7' }), 7_000);
    assert.equal(retryAfterFromHeaders(429, { 'ratelimit-reset': '7' }), 7_000);
    assert.equal(
      retryAfterFromHeaders(429, { 'ratelimit-remaining': '3', 'ratelimit-reset': '7' }),
      undefined,
    );
    assert.equal(
      retryAfterFromHeaders(404, { 'ratelimit-remaining': '0', 'ratelimit-reset': '7' }),
      undefined,
    );
    assert.equal(retryAfterFromHeaders(429, { 'retry-after': '2', 'ratelimit-reset': '7' }), 2_000);
  });

  it('reads RateLimit-Limit and RateLimit-Remaining', () => {
    assert.deepEqual(rateLimitFromHeaders({ 'ratelimit-limit': '1200', 'ratelimit-remaining': '1192' }), {
      limit: 1200,
      remaining: 1192,
    });
    assert.equal(rateLimitFromHeaders({}), undefined);
  });
});

describe('errorFromResponse', () => {
  const tokenBucket429 = {
    status: 429,
    headers: {
      'retry-after': '55',
      'x-error-code': 'RATE_LIMITED_TOKEN_BUCKET',
      'ratelimit-limit': '10',
      'ratelimit-remaining': '0',
    },
    body: JSON.stringify({
      detail: 'Rate limit exceeded for api/atlas/v2/orgs. Please retry after 55 seconds.',
      error: 429,
      errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
      parameters: ['api/atlas/v2/orgs', 55, 10, 5, 60],
      reason: 'Too Many Requests',
    }),
  };

  it('a 429 is retryable and says how long to wait', () => {
    const error = errorFromResponse('GET', '/api/atlas/v2/groups/x/clusters?pageNum=3', tokenBucket429);
    assert.ok(error instanceof AtlasApiError);
    assert.equal(error.kind, 'http');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 55_000);
    assert.equal(error.errorCode, 'RATE_LIMITED_TOKEN_BUCKET');
    assert.deepEqual(error.rateLimit, { limit: 10, remaining: 0 });
    assert.equal(error.path, '/api/atlas/v2/groups/x/clusters', 'query strings stay out of errors');
    assert.deepEqual(error.toInfo(), {
      method: 'GET',
      path: '/api/atlas/v2/groups/x/clusters',
      status: 429,
      errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
      detail: 'Rate limit exceeded for api/atlas/v2/orgs. Please retry after 55 seconds.',
      retryable: true,
      retryAfterMs: 55_000,
    });
  });

  for (const [status, retryable] of [
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [405, false],
    [409, false],
    [410, false],
    [408, true],
    [429, true],
    [500, true],
    [503, true],
  ] as const) {
    it(`HTTP ${status} is ${retryable ? '' : 'not '}retryable`, () => {
      assert.equal(errorFromResponse('GET', '/p', { status, headers: {}, body: '' }).retryable, retryable);
    });
  }

  it('reads OAuth-style bodies from the token endpoint', () => {
    const error = errorFromResponse(
      'POST',
      '/api/oauth/token',
      {
        status: 401,
        headers: {},
        body: '{"error":"invalid_client","error_description":"Invalid client credentials"}',
      },
      { kind: 'auth' },
    );
    assert.equal(error.kind, 'auth');
    assert.equal(error.errorCode, 'invalid_client');
    assert.equal(error.detail, 'Invalid client credentials');
  });

  it('redacts secrets a server echoed and appends the hint to the message', () => {
    const error = errorFromResponse(
      'GET',
      '/p',
      { status: 401, headers: {}, body: '{"error":401,"detail":"bad key s3cr3t-private for user pub"}' },
      { redact: ['s3cr3t-private'], hint: 'check the key' },
    );
    assert.equal(error.detail, 'bad key [redacted] for user pub');
    assert.ok(!error.message.includes('s3cr3t-private'));
    assert.match(error.message, /check the key$/);
  });

  it('keeps plain-text bodies short', () => {
    const error = errorFromResponse('GET', '/p', { status: 503, headers: {}, body: 'x'.repeat(5000) });
    assert.ok(error.detail !== undefined && error.detail.length <= 301);
  });
});

describe('transport errors', () => {
  it('the caller abort wins over whatever undici threw, and is not retryable', () => {
    const controller = new AbortController();
    controller.abort();
    const error = transportError(new Error('aborted'), 'GET', '/p?x=1', controller.signal);
    assert.equal(error.kind, 'aborted');
    assert.equal(error.retryable, false);
    assert.equal(error.path, '/p');
  });

  it('timeouts and resets are retryable, each its own kind', () => {
    const timeout = Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const reset = Object.assign(new Error('other side closed'), {
      code: 'UND_ERR_SOCKET',
      cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    });
    assert.equal(transportError(timeout, 'GET', '/p').kind, 'timeout');
    assert.equal(transportError(timeout, 'GET', '/p').retryable, true);
    assert.equal(transportError(reset, 'POST', '/p').kind, 'network');
    assert.equal(transportError(reset, 'POST', '/p').retryable, true);
  });

  it('pathOnly drops query and fragment', () => {
    assert.equal(pathOnly('/a/b?c=d#e'), '/a/b');
    assert.equal(pathOnly('/a/b'), '/a/b');
  });
});
