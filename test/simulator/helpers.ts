import { createHash, randomBytes } from 'node:crypto';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator';

/**
 * Raw HTTP against the simulator, with a Digest implementation written here from RFC 7616 rather than the
 * project's client, so these tests pin the simulator's wire behaviour on their own.
 */

export const md5 = (text: string) => createHash('md5').update(text).digest('hex');

export function challengeParams(header: string | null): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/([a-z]+)=(?:"([^"]*)"|([^,\s]*))/g))
    params[m[1]!] = m[2] ?? m[3] ?? '';
  return params;
}

export interface DigestCredentials {
  publicKey: string;
  privateKey: string;
}

export function digestHeader(
  creds: DigestCredentials,
  method: string,
  uri: string,
  nonce: string,
  options: { nc?: string; quoteAlgorithm?: boolean; realm?: string } = {},
): string {
  const nc = options.nc ?? '00000001';
  const cnonce = randomBytes(8).toString('hex');
  const realm = options.realm ?? 'MMS Public API';
  const ha1 = md5(`${creds.publicKey}:${realm}:${creds.privateKey}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const algorithm = options.quoteAlgorithm === false ? 'algorithm=MD5' : 'algorithm="MD5"';
  return `Digest username="${creds.publicKey}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", ${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** `v2` (default) or `v1.0`. */
  flavour?: 'v2' | 'v1.0';
  /** Explicit Accept; default: the version the path's resource family has. */
  accept?: string | null;
  /** Digest with the simulator's credentials (default), a bearer token, or none. */
  auth?: 'digest' | 'none' | { bearer: string } | { digest: DigestCredentials };
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The version each resource speaks: Flex 2024-11-13, clusters 2024-08-05, everything else 2023-01-01. */
export function acceptFor(path: string): string {
  if (/\/flexClusters(\/|\?|$)/.test(path)) return 'application/vnd.atlas.2024-11-13+json';
  const clusterResource = /\/clusters(\/[^/]+)?\/?(\?|$)/.test(path);
  return `application/vnd.atlas.${clusterResource ? '2024-08-05' : '2023-01-01'}+json`;
}

async function send(url: string, init: RequestInit): Promise<CallResult> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** One API call; with Digest it does the unauthenticated first leg and answers the challenge. */
export async function call(
  sim: RunningSimulator,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const method = options.method ?? 'GET';
  const uri = `/api/atlas/${options.flavour ?? 'v2'}${path}`;
  const headers: Record<string, string> = {};
  const accept =
    options.accept === undefined
      ? options.flavour === 'v1.0'
        ? 'application/json'
        : acceptFor(path)
      : options.accept;
  if (accept !== null) headers.Accept = accept;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const auth = options.auth ?? 'digest';
  if (auth === 'none') return send(sim.url + uri, { method, headers, body });
  if (typeof auth === 'object' && 'bearer' in auth)
    return send(sim.url + uri, {
      method,
      headers: { ...headers, Authorization: `Bearer ${auth.bearer}` },
      body,
    });
  const creds = typeof auth === 'object' ? auth.digest : sim.credentials;
  const challenge = await send(sim.url + uri, { method, headers, body });
  if (challenge.status !== 401) return challenge;
  const { nonce } = challengeParams(challenge.headers.get('www-authenticate'));
  return send(sim.url + uri, {
    method,
    headers: { ...headers, Authorization: digestHeader(creds, method, uri, nonce!) },
    body,
  });
}

/** A bearer token from the simulator's token endpoint. */
export async function fetchToken(
  sim: RunningSimulator,
  clientId = sim.credentials.clientId,
  secret = sim.credentials.clientSecret,
) {
  return send(`${sim.url}/api/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: 'grant_type=client_credentials',
  });
}

/** Fails the test with the socket error's code, or returns it when the call did get an answer. */
export async function expectSocketError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(error);
  }
  throw new Error('expected the connection to be dropped, but a response arrived');
}

/** Starts a simulator for one test file and closes it after. */
export async function withSimulator<T>(
  options: SimulatorOptions,
  fn: (sim: RunningSimulator) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;
