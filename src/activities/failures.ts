import { ApplicationFailure } from '@temporalio/common';
import { AtlasApiError } from '../atlas/errors';
import { ATLAS_API_ERROR_TYPE } from '../common/contract';

/**
 * The Temporal form of an Atlas error. Retryable ones (5xx, 429, resets, timeouts) are left to the retry
 * policy, with `nextRetryDelay` so a 429 waits at least its Retry-After; the others fail for good. The
 * message says status, errorCode and detail; the details carry the same as data (`AtlasErrorInfo`), never
 * headers or credentials. No `cause`: the undici error underneath is not history material.
 */
export function atlasFailure(error: AtlasApiError): ApplicationFailure {
  return ApplicationFailure.create({
    type: ATLAS_API_ERROR_TYPE,
    message: error.message,
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryable && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
    details: [error.toInfo()],
  });
}

/**
 * Runs one Atlas call for an activity: a cancelled activity reports its cancellation (not the aborted
 * request), an Atlas error becomes `atlasFailure`, anything else (a bug) is left for Temporal to retry.
 */
export async function callAtlas<T>(signal: AbortSignal, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof AtlasApiError) throw atlasFailure(error);
    throw error;
  }
}
