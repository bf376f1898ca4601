import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtlasApiError } from '../errors';
import {
  errorFromResponse,
  retryAfterFromHeaders,
  type HttpTransport,
  type RawRequest,
  type RawResponse,
} from '../http';
import { oauthTokenSchema } from '../wire';
import type { Authenticator } from './authenticator';

/**
 * Service accounts: OAuth 2.0 client credentials at `{baseUrl}/api/oauth/token`
 * (docs/atlas.md#service-accounts). The token endpoint allows about 10 requests a minute per client and IP,
 * so tokens live in a cache shared by every client in the process that uses the same base URL and
 * credentials: all activities of a worker share one token, and concurrent callers share one refresh.
 */

export interface ServiceAccountCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ServiceAccountOptions {
  /** Get a new token this long before the current one expires. Default 60 000 ms (at most half its lifetime). */
  refreshMarginMs?: number;
  /**
   * When the token endpoint answers 429, wait for its `Retry-After` if that is at most this long and try
   * once more; a longer wait fails at once as retryable with `retryAfterMs`. Default 5 000 ms.
   */
  maxRateLimitWaitMs?: number;
  /** Clock for token expiry. Default `Date.now`. */
  now?: () => number;
}

export const TOKEN_PATH = '/api/oauth/token';

interface CachedToken {
  value: string;
  refreshAt: number;
}

interface CacheEntry {
  token?: CachedToken;
  inflight?: Promise<CachedToken>;
}

const tokenCache = new Map<string, CacheEntry>();

/** Forgets every cached token of this process (tests; a credential rotation without restart). */
export function clearServiceAccountTokenCache(): void {
  tokenCache.clear();
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before they go into Basic auth. */
function formEncode(value: string): string {
  return new URLSearchParams([['v', value]]).toString().slice(2);
}

export class ServiceAccountAuthenticator implements Authenticator {
  readonly rejectedHint =
    'Atlas rejected the service account token: check the service account, its roles and its API access list';
  private readonly refreshMarginMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly now: () => number;
  private readonly cacheKey: string;

  /** `baseUrl` scopes the cached token: the same service account on another Atlas gets its own. */
  constructor(
    private readonly credentials: ServiceAccountCredentials,
    baseUrl: string,
    options: ServiceAccountOptions = {},
  ) {
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 5_000;
    this.now = options.now ?? Date.now;
    // The secret's fingerprint is part of the key so a rotated secret never reuses a token minted with the old one.
    const fingerprint = createHash('sha256').update(credentials.clientSecret).digest('hex').slice(0, 16);
    this.cacheKey = [baseUrl.replace(/\/+$/, ''), credentials.clientId, fingerprint].join('\n');
  }

  get secrets(): readonly string[] {
    const current = tokenCache.get(this.cacheKey)?.token?.value;
    return current === undefined ? [this.credentials.clientSecret] : [this.credentials.clientSecret, current];
  }

  async send(transport: HttpTransport, request: RawRequest): Promise<RawResponse> {
    const token = await this.token(transport, request.signal);
    const response = await transport.send(withBearer(request, token));
    if (response.status !== 401) return response;
    // An expired or revoked token: mint a new one and try once more (what the Atlas CLI does).
    this.invalidate(token);
    const fresh = await this.token(transport, request.signal);
    return transport.send(withBearer(request, fresh));
  }

  /** A valid access token, from the cache when it is not about to expire. */
  async token(transport: HttpTransport, signal?: AbortSignal): Promise<string> {
    const entry = this.entry();
    if (entry.token && this.now() < entry.token.refreshAt) return entry.token.value;
    if (!entry.inflight) {
      const inflight = this.fetchToken(transport).then(
        (token) => {
          entry.token = token;
          entry.inflight = undefined;
          return token;
        },
        (error: unknown) => {
          entry.inflight = undefined;
          throw error;
        },
      );
      // Callers may all abort while the refresh goes on; its failure must not become an unhandled rejection.
      inflight.catch(() => undefined);
      entry.inflight = inflight;
    }
    return (await abortable(entry.inflight, signal, TOKEN_PATH)).value;
  }

  private invalidate(token: string): void {
    const entry = this.entry();
    if (entry.token?.value === token) entry.token = undefined;
  }

  private entry(): CacheEntry {
    let entry = tokenCache.get(this.cacheKey);
    if (!entry) {
      entry = {};
      tokenCache.set(this.cacheKey, entry);
    }
    return entry;
  }

  private async fetchToken(transport: HttpTransport): Promise<CachedToken> {
    const basic = Buffer.from(
      `${formEncode(this.credentials.clientId)}:${formEncode(this.credentials.clientSecret)}`,
    ).toString('base64');
    const request: RawRequest = {
      method: 'POST',
      path: TOKEN_PATH,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
    };
    let response = await transport.send(request);
    if (response.status === 429) {
      const wait = retryAfterFromHeaders(429, response.headers, this.now());
      if (wait !== undefined && wait <= this.maxRateLimitWaitMs) {
        await sleep(wait);
        response = await transport.send(request);
      }
    }
    const redact = [this.credentials.clientSecret, basic];
    if (response.status < 200 || response.status >= 300) {
      throw errorFromResponse('POST', TOKEN_PATH, response, {
        kind: 'auth',
        redact,
        hint:
          response.status === 429
            ? 'The OAuth token endpoint is rate limited per service account and IP; tokens are cached per process, so many processes may be sharing this service account'
            : 'Atlas refused the service account credentials: check the client id and secret',
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (error) {
      throw new AtlasApiError({
        kind: 'malformed',
        method: 'POST',
        path: TOKEN_PATH,
        status: response.status,
        retryable: true,
        detail: 'the token response is not JSON',
        cause: error,
      });
    }
    const parsed = oauthTokenSchema.safeParse(json);
    if (!parsed.success) {
      throw new AtlasApiError({
        kind: 'schema',
        method: 'POST',
        path: TOKEN_PATH,
        status: response.status,
        retryable: false,
        detail: `token response: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ')}`,
      });
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(this.refreshMarginMs, lifetimeMs / 2);
    return { value: parsed.data.access_token, refreshAt: this.now() + lifetimeMs - margin };
  }
}

function withBearer(request: RawRequest, token: string): RawRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}

/** Waits for a shared promise, giving up (for this caller only) when its signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, path: string): Promise<T> {
  if (!signal) return promise;
  const aborted = () =>
    new AtlasApiError({
      kind: 'aborted',
      method: 'POST',
      path,
      retryable: false,
      detail: 'the request was aborted by the caller',
    });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
