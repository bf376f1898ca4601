import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SimulatorCredentials } from './default-seed';

/**
 * Authentication as Atlas does it (docs/atlas.md#authentication): HTTP Digest with API keys, and bearer tokens minted
 * by the simulator's `/api/oauth/token` for service accounts.
 */

export const DIGEST_REALM = 'MMS Public API';

/**
 * The challenge, byte for byte as Atlas sends it. MongoDB's Go digest client splits it on `", "` and
 * rejects unknown keys, so key set, order and quoting are fixed: realm, domain, nonce, algorithm, qop, stale.
 */
export function digestChallenge(nonce: string, stale: boolean): string {
  return `Digest realm="${DIGEST_REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
}

/** Body of every Digest 401, as recorded (no errorCode). */
export const UNAUTHORIZED_BODY = {
  error: 401,
  reason: 'Unauthorized',
  detail: 'You are not authorized for this resource.',
} as const;

/** Parses `Digest k=v, k="v", …` into lower-cased keys; `undefined` when it is not a Digest header. */
export function parseDigestAuthorization(header: string): Map<string, string> | undefined {
  const match = /^\s*Digest\s+/i.exec(header);
  if (!match) return undefined;
  const params = new Map<string, string>();
  const pair = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  pair.lastIndex = match[0].length;
  for (let m = pair.exec(header); m !== null && m[0].length > 0; m = pair.exec(header)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return params;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export type AuthOutcome =
  | { ok: true; principal: string }
  /** Answer 401 with a fresh Digest challenge (`stale` per RFC 7616: right credentials, old nonce). */
  | { ok: false; scheme: 'digest'; stale: boolean }
  | { ok: false; scheme: 'bearer'; detail: string };

/** Nonces we issued (real time: their life is a transport matter, not simulated time). */
class NonceStore {
  private issued = new Map<string, { issuedMs: number; lastNc: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly realNow: () => number,
  ) {}

  issue(): string {
    const now = this.realNow();
    // A Map iterates in insertion order, which is issue order, so the sweep stops at the first nonce young
    // enough to keep instead of walking every nonce on every challenge. An expired nonce is kept for one
    // more lifetime, so a client still sending it hears `stale` (fetch a new one), not `unknown`.
    for (const [nonce, entry] of this.issued) {
      if (now - entry.issuedMs <= 2 * this.ttlMs) break;
      this.issued.delete(nonce);
    }
    const nonce = randomBytes(24).toString('base64');
    this.issued.set(nonce, { issuedMs: now, lastNc: 0 });
    return nonce;
  }

  /** `unknown` for a nonce we never issued, `stale` for an expired or replayed one. */
  check(nonce: string, nc: number): 'ok' | 'unknown' | 'stale' {
    const entry = this.issued.get(nonce);
    if (!entry) return 'unknown';
    if (this.realNow() - entry.issuedMs > this.ttlMs) return 'stale';
    // A repeated or lower nonce count is a replay: make the client fetch a new nonce.
    if (nc <= entry.lastNc) return 'stale';
    entry.lastNc = nc;
    return 'ok';
  }
}

interface IssuedToken {
  clientId: string;
  expiresSimMs: number;
}

export interface AuthOptions {
  credentials: SimulatorCredentials;
  nonceTtlMs: number;
  tokenTtlSeconds: number;
  simNow: () => number;
  realNow: () => number;
  timeScale: number;
}

export class Authenticator {
  private readonly nonces: NonceStore;
  private tokens = new Map<string, IssuedToken>();

  constructor(private readonly options: AuthOptions) {
    this.nonces = new NonceStore(options.nonceTtlMs, options.realNow);
  }

  newNonce(): string {
    return this.nonces.issue();
  }

  /** Checks an API request's `Authorization` against `method` and the raw request-URI (path + query). */
  authenticate(header: string | undefined, method: string, uri: string): AuthOutcome {
    if (header && /^\s*Bearer\s+/i.test(header))
      return this.checkBearer(header.replace(/^\s*Bearer\s+/i, '').trim());
    const params = header ? parseDigestAuthorization(header) : undefined;
    if (!params) return { ok: false, scheme: 'digest', stale: false };
    const { publicKey, privateKey } = this.options.credentials;
    const get = (key: string) => params.get(key) ?? '';
    const nc = get('nc');
    const algorithm = params.get('algorithm');
    const wellFormed =
      get('username') === publicKey &&
      get('realm') === DIGEST_REALM &&
      get('uri') === uri &&
      get('qop') === 'auth' &&
      /^[0-9a-fA-F]{8}$/.test(nc) &&
      get('cnonce').length > 0 &&
      get('nonce').length > 0 &&
      (algorithm === undefined || algorithm.toUpperCase() === 'MD5');
    if (!wellFormed) return { ok: false, scheme: 'digest', stale: false };
    const ha1 = md5(`${publicKey}:${DIGEST_REALM}:${privateKey}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1}:${get('nonce')}:${nc}:${get('cnonce')}:auth:${ha2}`);
    if (!safeEqual(expected, get('response').toLowerCase()))
      return { ok: false, scheme: 'digest', stale: false };
    const nonce = this.nonces.check(get('nonce'), Number.parseInt(nc, 16));
    if (nonce !== 'ok') return { ok: false, scheme: 'digest', stale: nonce === 'stale' };
    return { ok: true, principal: `apiKey:${publicKey}` };
  }

  private checkBearer(token: string): AuthOutcome {
    const issued = this.tokens.get(token);
    if (!issued) return { ok: false, scheme: 'bearer', detail: 'The access token is invalid.' };
    if (this.options.simNow() >= issued.expiresSimMs) {
      this.tokens.delete(token);
      return { ok: false, scheme: 'bearer', detail: 'The access token has expired.' };
    }
    return { ok: true, principal: `serviceAccount:${issued.clientId}` };
  }

  /** The client id of a valid `Authorization: Basic` header for the service account, else `undefined`. */
  checkClient(header: string | undefined): { clientId?: string; valid: boolean } {
    const match = header ? /^\s*Basic\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) return { valid: false };
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { valid: false };
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside the Basic credentials.
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    };
    const clientId = decode(decoded.slice(0, colon));
    const secret = decode(decoded.slice(colon + 1));
    if (clientId === undefined || secret === undefined) return { valid: false };
    const { credentials } = this.options;
    return {
      clientId,
      valid: clientId === credentials.clientId && safeEqual(secret, credentials.clientSecret),
    };
  }

  /**
   * Mints a token valid for `tokenTtlSeconds` of simulated time. `expires_in` is stated in real seconds
   * (ttl ÷ timeScale), so a client refreshing "before expiry" on the wall clock stays ahead at any time scale.
   */
  issueToken(clientId: string): { access_token: string; token_type: 'Bearer'; expires_in: number } {
    const token = randomBytes(32).toString('base64url');
    const { tokenTtlSeconds, timeScale } = this.options;
    this.tokens.set(token, { clientId, expiresSimMs: this.options.simNow() + tokenTtlSeconds * 1000 });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.floor(tokenTtlSeconds / timeScale)),
    };
  }

  /** RFC 7009: revoking an unknown token, or another client's, is not an error. */
  revokeToken(clientId: string, token: string): void {
    if (this.tokens.get(token)?.clientId === clientId) this.tokens.delete(token);
  }
}

/** Sliding one-minute window of token requests per client (Atlas: 10 per minute, real time). */
export class TokenEndpointLimiter {
  private hits = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly realNow: () => number = Date.now,
  ) {}

  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.realNow();
    const recent = (this.hits.get(key) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.perMinute) {
      this.hits.set(key, recent);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + 60_000 - now) / 1000)) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return { ok: true };
  }
}
