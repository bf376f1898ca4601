import type { AtlasErrorInfo } from '../common/contract';

/** Why a call failed when there is no HTTP status to say it. */
export type AtlasErrorKind =
  | 'http' // Atlas answered with a non-2xx status
  | 'network' // connection refused or reset, socket closed before a response
  | 'timeout' // connect, headers or body timeout
  | 'aborted' // the caller's AbortSignal fired (activity cancelled)
  | 'schema' // a 2xx body that does not match our schema
  | 'malformed' // a body that is not JSON at all
  | 'auth' // credentials rejected or token endpoint refused
  | 'unsupported' // an operation the deployment kind does not have (e.g. cancel on serverless)
  | 'invalid_request'; // our own request failed its schema, so nothing was sent

/**
 * Whether a status is worth retrying: 5xx, 429 and 408 yes; every other 4xx (400, 401, 403, 404, 405, 409,
 * 410, ...) says the request itself is wrong and a retry would fail the same way (docs/atlas.md#errors).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export interface AtlasApiErrorInit {
  kind: AtlasErrorKind;
  method: string;
  path: string;
  status?: number;
  errorCode?: string;
  detail?: string;
  retryable: boolean;
  retryAfterMs?: number;
  rateLimit?: { limit?: number; remaining?: number };
  /** What the person reading the message should do about it; appended to the message only. */
  hint?: string;
  cause?: unknown;
}

/**
 * The one error type of the Atlas client. It carries what a caller needs to decide and to tell a person:
 * status, Atlas `errorCode` and `detail`, the method and path (query string stripped), whether a retry can
 * help and how long to wait. It never holds headers or credentials.
 */
export class AtlasApiError extends Error {
  override readonly name = 'AtlasApiError';
  readonly kind: AtlasErrorKind;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly detail?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly rateLimit?: { limit?: number; remaining?: number };

  constructor(init: AtlasApiErrorInit) {
    super(describe(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.detail = init.detail;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.rateLimit = init.rateLimit;
  }

  /** The plain-data form that crosses the activity boundary into workflow history. */
  toInfo(): AtlasErrorInfo {
    const info: AtlasErrorInfo = { method: this.method, path: this.path, retryable: this.retryable };
    if (this.status !== undefined) info.status = this.status;
    if (this.errorCode !== undefined) info.errorCode = this.errorCode;
    if (this.detail !== undefined) info.detail = this.detail;
    if (this.retryAfterMs !== undefined) info.retryAfterMs = this.retryAfterMs;
    return info;
  }
}

function describe(init: AtlasApiErrorInit): string {
  const head = `Atlas ${init.method} ${init.path}`;
  const status = init.status !== undefined ? ` failed with HTTP ${init.status}` : ` failed (${init.kind})`;
  const code = init.errorCode ? ` ${init.errorCode}` : '';
  const detail = init.detail ? `: ${init.detail.replace(/\.$/, '')}` : '';
  const hint = init.hint ? `. ${init.hint}` : '';
  return `${head}${status}${code}${detail}${hint}`;
}
