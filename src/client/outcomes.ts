/** How a run ended, as the `RestoreOutcome` union: every ending is a value, not an exception. */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  type WorkflowFailedError,
} from '@temporalio/client';
import {
  ATLAS_API_ERROR_TYPE,
  RestoreFailureType,
  type AtlasErrorInfo,
  type OutcomeMemo,
  type RestoreFailureDetails,
} from '../common/contract';
import type { RestoreOutcome, RestoreOutcomeKind } from './types';

const FAILURE_OUTCOME: Record<string, RestoreOutcomeKind> = {
  [RestoreFailureType.RestoreFailed]: 'failed',
  [RestoreFailureType.RestoreExpired]: 'expired',
  [RestoreFailureType.RestoreCancelled]: 'cancelled',
  [RestoreFailureType.RestoreDeadlineExceeded]: 'deadline_exceeded',
  [RestoreFailureType.InvalidRestoreRequest]: 'invalid_request',
  [RestoreFailureType.ValidationFailed]: 'validation_failed',
};

function firstDetail<T>(failure: ApplicationFailure): T | undefined {
  const [first] = failure.details ?? [];
  return first !== null && typeof first === 'object' ? (first as T) : undefined;
}

/** The innermost ApplicationFailure of a chain (an activity's Atlas error wrapped in ActivityFailure, ...). */
function applicationFailureIn(error: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure) found = e;
  }
  return found;
}

/** Whether an Atlas call (a regular or a local activity) is what ended the restore. */
function causedByAtlasCall(failure: Error): boolean {
  for (let e: unknown = failure.cause; e instanceof Error; e = e.cause) {
    if (e instanceof ActivityFailure) return true;
    if (e instanceof ApplicationFailure && e.type === ATLAS_API_ERROR_TYPE) return true;
  }
  return false;
}

/**
 * Turns how a run ended into the outcome union. A run closed as Canceled carries no message of its own;
 * the workflow leaves it in the `outcome` memo, passed here as `memo`.
 */
export function outcomeOfFailure(
  workflowId: string,
  runId: string,
  error: WorkflowFailedError,
  memo?: OutcomeMemo,
): RestoreOutcome {
  const cause = error.cause;
  const base = { workflowId, runId };
  if (cause instanceof TerminatedFailure)
    return { ...base, outcome: 'terminated', message: cause.message || 'terminated' };
  if (cause instanceof TimeoutFailure)
    return { ...base, outcome: 'timed_out', message: cause.message || 'timed out' };
  if (cause instanceof CancelledFailure) {
    const cancelled: Extract<RestoreOutcome, { message: string }> = {
      ...base,
      outcome: 'cancelled',
      message: memo?.message ?? (cause.message || 'the workflow was cancelled'),
    };
    if (memo?.restoreJobId) cancelled.restoreJobId = memo.restoreJobId;
    return cancelled;
  }
  const app = cause instanceof ApplicationFailure ? cause : applicationFailureIn(cause);
  if (!app) return { ...base, outcome: 'error', message: cause?.message ?? error.message };
  let kind = FAILURE_OUTCOME[app.type ?? ''] ?? 'error';
  // The workflow reports an Atlas call that failed for good as RestoreFailed caused by the call's failure;
  // that is an error reaching Atlas, not a restore job Atlas ran and failed.
  if (kind === 'failed' && causedByAtlasCall(app)) kind = 'error';
  const outcome: Extract<RestoreOutcome, { message: string }> = {
    ...base,
    outcome: kind,
    message: app.message,
  };
  if (app.type) outcome.failureType = app.type;
  const detail = firstDetail<RestoreFailureDetails & AtlasErrorInfo>(app);
  const atlas = app.type === ATLAS_API_ERROR_TYPE ? detail : detail?.atlasError;
  if (atlas?.status !== undefined) outcome.status = atlas.status;
  if (atlas?.errorCode !== undefined) outcome.errorCode = atlas.errorCode;
  if (atlas?.detail !== undefined) outcome.detail = atlas.detail;
  if (detail?.restoreJobId !== undefined) outcome.restoreJobId = detail.restoreJobId;
  if (detail?.lastJob !== undefined) outcome.lastJob = detail.lastJob;
  if (detail?.validation !== undefined) outcome.validation = detail.validation;
  if (detail?.rto !== undefined) outcome.rto = detail.rto;
  if (detail?.rpo !== undefined) outcome.rpo = detail.rpo;
  return outcome;
}
