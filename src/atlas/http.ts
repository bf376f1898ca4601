import { Agent, type Dispatcher } from 'undici';
import { apiErrorBodySchema } from './wire';
import { AtlasApiError, isRetryableStatus, type AtlasErrorKind } from './errors';

/** Timeouts of one HTTP exchange with Atlas, in milliseconds. */
export interface AtlasTimeouts {
  /** TCP (and TLS) connect. Default 10 000. */
  connectMs?: number;
  /** From sending the request until the response headers arrive. Default 30 000. */
  headersMs?: number;
  /** Longest silence between two chunks of the response body. Default 30 000. */
  bodyMs?: number;
}

export const DEFAULT_TIMEOUTS: Required<AtlasTimeouts> = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 30_000,
};

export interface RawRequest {
  method: string;
  /** Path below the base URL, query string included (`/api/atlas/v2/groups?pageNum=2`). */
  path: string;
  headers: Record<string, string>;
  /** A string, so the second leg of an auth round trip can send it again unchanged. */
  body?: string;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** The path of a request as errors show it: no query string (it may carry paging or filters, never needed to act). */
export function pathOnly(path: string): string {
  const cut = path.search(/[?#]/);
  return cut === -1 ? path : path.slice(0, cut);
}

/**
 * One undici Agent (keep-alive connection pool) per Atlas client. It never retries: whether a request may be
 * repeated is the caller's decision (Temporal's retry policy, the activity's idempotency checks).
 */
export class HttpTransport {
  readonly origin: string;
  /** Path part of the base URL (usually empty), prepended to every request path. */
  readonly prefix: string;
  private readonly agent: Agent;
  private readonly userAgent: string;

  constructor(baseUrl: string, options: { timeouts?: AtlasTimeouts; userAgent: string }) {
    const url = new URL(baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Atlas base URL must be http(s), got ${url.protocol}`);
    }
    this.origin = url.origin;
    this.prefix = url.pathname.replace(/\/+$/, '');
    this.userAgent = options.userAgent;
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      keepAliveTimeout: 10_000,
    });
  }

  /** Sends one request and reads the whole body. Transport failures become `AtlasApiError`s; statuses do not. */
  async send(request: RawRequest): Promise<RawResponse> {
    const path = `${this.prefix}${request.path}`;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...request.headers };
    let response: Dispatcher.ResponseData;
    try {
      response = await this.agent.request({
        origin: this.origin,
        path,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body: request.body,
        signal: request.signal,
      });
    } catch (error) {
      throw transportError(error, request.method, path, request.signal);
    }
    let body: string;
    try {
      body = await response.body.text();
    } catch (error) {
      throw transportError(error, request.method, path, request.signal);
    }
    return { status: response.statusCode, headers: flattenHeaders(response.headers), body };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Maps what undici throws to the error kinds callers act on. Everything here is retryable except the
 * caller's own abort: a reset, a refused connection or a timeout says nothing about the request itself.
 */
export function transportError(
  error: unknown,
  method: string,
  path: string,
  signal?: AbortSignal,
): AtlasApiError {
  const base = { method, path: pathOnly(path), cause: error };
  if (signal?.aborted) {
    return new AtlasApiError({
      ...base,
      kind: 'aborted',
      retryable: false,
      detail: 'the request was aborted by the caller',
    });
  }
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new AtlasApiError({ ...base, kind: 'timeout', retryable: true, detail: timeoutDetail(code) });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AtlasApiError({
    ...base,
    kind: 'network',
    retryable: true,
    detail: code ? `${code}: ${message}` : message,
  });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // undici wraps socket errors (`UND_ERR_SOCKET` with an `ECONNRESET` cause); the outer code is the telling one.
  for (let depth = 0; depth < 3 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function timeoutDetail(code: string): string {
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'no response headers within the headers timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'response body stalled past the body timeout';
    default:
      return 'timed out';
  }
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP-date. A date is measured against the response's own
 * `Date` header when there is one, so a skewed local clock does not stretch or cut the wait.
 */
export function parseRetryAfter(
  value: string | undefined,
  dateHeader?: string,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date names its day and month; this keeps numbers like "-5" away from Date.parse's leniency.
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  const serverNow = dateHeader !== undefined ? Date.parse(dateHeader) : Number.NaN;
  return Math.max(0, at - (Number.isNaN(serverNow) ? now : serverNow));
}

function headerInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** `RateLimit-Limit` / `RateLimit-Remaining` (Atlas sends them on most v2 answers since 2026). */
export function rateLimitFromHeaders(
  headers: Record<string, string>,
): { limit?: number; remaining?: number } | undefined {
  const limit = headerInt(headers['ratelimit-limit']);
  const remaining = headerInt(headers['ratelimit-remaining']);
  if (limit === undefined && remaining === undefined) return undefined;
  return { ...(limit !== undefined ? { limit } : {}), ...(remaining !== undefined ? { remaining } : {}) };
}

/**
 * How long to wait before retrying: `Retry-After` first; without it, an exhausted bucket's `RateLimit-Reset`
 * (delta-seconds per the IETF RateLimit draft) on a 429 or 503.
 */
export function retryAfterFromHeaders(
  status: number,
  headers: Record<string, string>,
  now?: number,
): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], headers['date'], now);
  if (retryAfter !== undefined) return retryAfter;
  if (status !== 429 && status !== 503) return undefined;
  const reset = headerInt(headers['ratelimit-reset']);
  const remaining = headerInt(headers['ratelimit-remaining']);
  return reset !== undefined && (remaining === undefined || remaining === 0) ? reset * 1000 : undefined;
}

export interface ErrorMappingOptions {
  /** Overrides the kind derived from the status (e.g. `auth` for the token endpoint). */
  kind?: AtlasErrorKind;
  hint?: string;
  /** Values that must not appear in the error even if the server echoed them (keys, secrets, tokens). */
  redact?: readonly string[];
  now?: number;
}

/**
 * One `AtlasApiError` from a non-2xx answer: status, Atlas `errorCode` (body first, then `X-Error-Code`),
 * `detail` (also from OAuth-style bodies and HTML gateway pages), retryability and how long to wait.
 */
export function errorFromResponse(
  method: string,
  path: string,
  response: RawResponse,
  options: ErrorMappingOptions = {},
): AtlasApiError {
  const { errorCode, detail } = readErrorBody(response);
  const retryAfterMs = retryAfterFromHeaders(response.status, response.headers, options.now);
  const rateLimit = rateLimitFromHeaders(response.headers);
  const redact = (text: string | undefined) =>
    text === undefined ? undefined : redactSecrets(text, options.redact);
  return new AtlasApiError({
    kind: options.kind ?? (response.status === 401 ? 'auth' : 'http'),
    method,
    path: pathOnly(path),
    status: response.status,
    errorCode: redact(errorCode),
    detail: redact(detail),
    retryable: isRetryableStatus(response.status),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(options.hint ? { hint: options.hint } : {}),
  });
}

const MAX_DETAIL = 300;

function readErrorBody(response: RawResponse): { errorCode?: string; detail?: string } {
  const headerCode = response.headers['x-error-code']?.trim() || undefined;
  const text = response.body.trim();
  if (text === '') return { errorCode: headerCode };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { errorCode: headerCode, detail: textOf(text) };
  }
  const atlas = apiErrorBodySchema.safeParse(json);
  if (atlas.success) {
    return {
      errorCode: atlas.data.errorCode ?? headerCode,
      detail: atlas.data.detail ?? atlas.data.reason ?? undefined,
    };
  }
  // OAuth token endpoint: {"error": "invalid_client", "error_description": "..."}.
  if (isRecord(json)) {
    const code =
      typeof json.errorCode === 'string'
        ? json.errorCode
        : typeof json.error === 'string'
          ? json.error
          : headerCode;
    const detail =
      typeof json.detail === 'string'
        ? json.detail
        : typeof json.error_description === 'string'
          ? json.error_description
          : undefined;
    return { errorCode: code, detail: detail ?? textOf(text) };
  }
  return { errorCode: headerCode, detail: textOf(text) };
}

/** A readable line from a body that is not an Atlas error object: HTML from a gateway, plain text. */
function textOf(body: string): string {
  const plain = body
    .replace(/<head[\s\S]*?<\/head>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > MAX_DETAIL ? `${plain.slice(0, MAX_DETAIL)}…` : plain;
}

export function redactSecrets(text: string, secrets: readonly string[] | undefined): string {
  let result = text;
  for (const secret of secrets ?? []) {
    if (secret.length > 0) result = result.split(secret).join('[redacted]');
  }
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
