import { createHash, randomBytes } from 'node:crypto';
import { AtlasApiError } from '../errors';
import { pathOnly, type HttpTransport, type RawRequest, type RawResponse } from '../http';
import type { Authenticator } from './authenticator';

/**
 * HTTP Digest (RFC 7616) as Atlas API keys use it: username = public key, password = private key, MD5 with
 * `qop=auth` (docs/atlas.md#digest-api-keys). Like the official Go SDK, every request fetches a fresh
 * challenge (an unauthenticated first leg) instead of caching nonces, whose lifetime Atlas does not document.
 */

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** Offered qop values (`auth`, `auth-int`); empty for an RFC 2069 challenge. */
  qop: string[];
  /** `MD5` when the challenge names none (RFC 7616 §3.3). */
  algorithm: string;
  opaque?: string;
  stale: boolean;
}

/** The Digest challenge among the schemes of a `WWW-Authenticate` header, or `undefined` if there is none. */
export function parseDigestChallenge(header: string | undefined): DigestChallenge | undefined {
  if (!header) return undefined;
  const start = /(?:^|[\s,])Digest\s+/i.exec(header);
  if (!start) return undefined;
  const params = parseAuthParams(header, start.index + start[0].length);
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  const opaque = params.get('opaque');
  return {
    realm,
    nonce,
    qop,
    algorithm: params.get('algorithm') ?? 'MD5',
    ...(opaque !== undefined ? { opaque } : {}),
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
  };
}

/**
 * `name=value` pairs (token or quoted-string) from `from` on, until something that is not a pair (the next
 * scheme of a multi-challenge header) or the end.
 */
function parseAuthParams(header: string, from: number): Map<string, string> {
  const params = new Map<string, string>();
  const pair = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;
  pair.lastIndex = from;
  for (let match = pair.exec(header); match !== null; match = pair.exec(header)) {
    const name = match[1]!.toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    if (!params.has(name)) params.set(name, value);
    if (pair.lastIndex >= header.length) break;
  }
  return params;
}

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Algorithms this client can answer; `-sess` variants of each are supported too. */
export function isSupportedDigestAlgorithm(algorithm: string): boolean {
  return HASHES[algorithm.toUpperCase().replace(/-SESS$/, '')] !== undefined;
}

export interface DigestResponseInput {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  /** The request-URI exactly as sent: path and query string. */
  uri: string;
  /** `auth`, or `undefined` for the RFC 2069 form. */
  qop?: 'auth';
  /** 8 hex digits. */
  nc: string;
  cnonce: string;
  algorithm?: string;
}

/** The `response` value: lower-case hex of KD(H(A1), nonce:nc:cnonce:qop:H(A2)) (RFC 7616 §3.4.1). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const algorithm = (input.algorithm ?? 'MD5').toUpperCase();
  const hashName = HASHES[algorithm.replace(/-SESS$/, '')];
  if (hashName === undefined) throw new RangeError(`unsupported Digest algorithm ${input.algorithm}`);
  const h = (text: string) => createHash(hashName).update(text, 'utf8').digest('hex');
  let ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  if (algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${input.nonce}:${input.cnonce}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  return input.qop
    ? h(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`)
    : h(`${ha1}:${input.nonce}:${ha2}`);
}

/** 16 hex digits, fresh per request. */
export function newCnonce(): string {
  return randomBytes(8).toString('hex');
}

const quote = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;

/** The `Authorization` header answering `challenge` for one request. */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: { username: string; password: string },
  request: { method: string; uri: string },
  cnonce: string = newCnonce(),
): string {
  if (challenge.qop.length > 0 && !challenge.qop.includes('auth'))
    throw new RangeError('challenge offers no qop=auth');
  const qop = challenge.qop.length > 0 ? 'auth' : undefined;
  const nc = '00000001';
  const response = computeDigestResponse({
    username: credentials.username,
    password: credentials.password,
    realm: challenge.realm,
    nonce: challenge.nonce,
    method: request.method,
    uri: request.uri,
    qop,
    nc,
    cnonce,
    algorithm: challenge.algorithm,
  });
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `response="${response}"`,
    `algorithm=${challenge.algorithm}`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

export interface DigestCredentials {
  publicKey: string;
  privateKey: string;
}

/**
 * Sends a request with Digest auth: unauthenticated first leg, answer to its challenge, and on a
 * `stale=true` second challenge one more answer with the new nonce. A final 401 is returned to the caller,
 * which maps it (kind `auth`); only a challenge this client cannot answer is thrown from here.
 */
export class DigestAuthenticator implements Authenticator {
  readonly secrets: readonly string[];
  readonly rejectedHint =
    'Atlas rejected the API key (HTTP Digest): check the public/private key pair, its roles and its IP access list';

  constructor(private readonly credentials: DigestCredentials) {
    // The public key is not secret the way the private key is, but an error has no reason to show either.
    this.secrets = [credentials.privateKey, credentials.publicKey];
  }

  async send(transport: HttpTransport, request: RawRequest): Promise<RawResponse> {
    const first = await transport.send(request);
    if (first.status !== 401) return first;
    let challenge = this.challengeOf(first, request);
    let response = await transport.send(this.answer(transport, request, challenge));
    if (response.status !== 401) return response;
    const next = parseDigestChallenge(response.headers['www-authenticate']);
    if (next?.stale) {
      challenge = this.challengeOf(response, request);
      response = await transport.send(this.answer(transport, request, challenge));
    }
    return response;
  }

  private challengeOf(response: RawResponse, request: RawRequest): DigestChallenge {
    const challenge = parseDigestChallenge(response.headers['www-authenticate']);
    const problem =
      challenge === undefined
        ? 'the 401 carries no Digest challenge (WWW-Authenticate); is the base URL an Atlas Admin API?'
        : !isSupportedDigestAlgorithm(challenge.algorithm)
          ? `the Digest challenge asks for algorithm ${challenge.algorithm}, which this client does not support`
          : challenge.qop.length > 0 && !challenge.qop.includes('auth')
            ? `the Digest challenge offers qop ${challenge.qop.join(',')} but not auth`
            : undefined;
    if (challenge === undefined || problem !== undefined) {
      throw new AtlasApiError({
        kind: 'auth',
        method: request.method,
        path: pathOnly(request.path),
        status: 401,
        retryable: false,
        detail: problem,
      });
    }
    return challenge;
  }

  private answer(transport: HttpTransport, request: RawRequest, challenge: DigestChallenge): RawRequest {
    // The digest covers the request-URI as it goes on the wire, base-URL prefix and query string included.
    const uri = `${transport.prefix}${request.path}`;
    const authorization = digestAuthorization(
      challenge,
      { username: this.credentials.publicKey, password: this.credentials.privateKey },
      { method: request.method, uri },
    );
    return { ...request, headers: { ...request.headers, authorization } };
  }
}
