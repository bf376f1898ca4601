/**
 * What both generations of the restore workflow share: how failures are classified and worded, which request
 * field an Atlas rejection is about, and how deployments are named in messages. Deterministic code only.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { DeploymentRef } from '../activities';
import {
  ATLAS_API_ERROR_TYPE,
  RestoreFailureType,
  type AtlasErrorInfo,
  type RestoreOutcomeName,
} from '../common/contract';
import { capabilitiesOf } from '../common/deployment-kinds';

/**
 * The outcome a failure stands for. A restore job Atlas ran and failed is `failed`; an Atlas call refused
 * for good (or out of retries) is `error`, as the client reads it.
 */
export function outcomeOf(failure: ApplicationFailure): RestoreOutcomeName {
  switch (failure.type) {
    case RestoreFailureType.InvalidRestoreRequest:
      return 'invalid_request';
    case RestoreFailureType.RestoreExpired:
      return 'expired';
    case RestoreFailureType.RestoreCancelled:
      return 'cancelled';
    case RestoreFailureType.RestoreDeadlineExceeded:
      return 'deadline_exceeded';
    case RestoreFailureType.ValidationFailed:
      return 'validation_failed';
    case RestoreFailureType.RestoreFailed:
      return failure.cause instanceof ActivityFailure || atlasErrorIn(failure) ? 'error' : 'failed';
    default:
      return 'error';
  }
}

export function invalidRequest(message: string, what = 'invalid restore request'): ApplicationFailure {
  return ApplicationFailure.create({
    type: RestoreFailureType.InvalidRestoreRequest,
    message: `${what}: ${message}`,
    nonRetryable: true,
  });
}

/**
 * The request field an Atlas rejection is about, as `field: `, so a well-formed request that is wrong
 * about Atlas (no such project, instance or snapshot, the wrong kind) is reported like a schema error.
 */
export function fieldPrefix(activityType: string, atlasError: AtlasErrorInfo | undefined): string {
  if (!atlasError || atlasError.retryable) return '';
  const { status, errorCode = '' } = atlasError;
  let field: string | undefined;
  if (
    activityType === 'getDeployment' ||
    activityType === 'resolveDeployment' ||
    activityType === 'setContinuousBackup'
  ) {
    if (errorCode === 'GROUP_NOT_FOUND') field = 'source.groupId';
    else if (errorCode.startsWith('CANNOT_USE_')) field = 'source.kind';
    else if (status === 404) field = 'source.name';
  } else if (activityType === 'getSnapshot' && status === 404) {
    field = 'snapshot.snapshotId';
  } else if (activityType === 'createRestoreJob' && status === 404) {
    // The source was read just before, so a 404 now is about the target.
    field = errorCode === 'GROUP_NOT_FOUND' ? 'target.groupId' : 'target.name';
  }
  return field ? `${field}: ` : '';
}

/** The Atlas error an activity failed with, as its activity put it in the failure details. */
export function atlasErrorIn(error: unknown): AtlasErrorInfo | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.type === ATLAS_API_ERROR_TYPE) {
      const [info] = e.details ?? [];
      return info !== null && typeof info === 'object' ? (info as AtlasErrorInfo) : undefined;
    }
  }
  return undefined;
}

/**
 * An Atlas refusal in plain words first: Atlas' own detail, then the status, errorCode and call, so a
 * table that cuts the message short still shows why. Other failures: their most telling message.
 */
export function atlasReason(error: unknown, activityType?: string): string {
  const info = atlasErrorIn(error);
  const call = activityType ? `; ${activityType}` : '';
  if (!info?.detail) return `${messageOf(error)}${activityType ? ` (${activityType})` : ''}`;
  const codes = [info.status, info.errorCode].filter((part) => part !== undefined).join(' ');
  return `${info.detail.replace(/\.$/, '')} (Atlas ${codes} on ${info.method} ${info.path}${call})`;
}

/** The most telling message of a failure chain: the innermost cause says what Atlas answered. */
export function messageOf(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e.message) message = e.message;
  return message;
}

export function describeSource(source: DeploymentRef): string {
  return `${capabilitiesOf(source.kind).label} ${source.name}`;
}

export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
