import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { RestoreJobView } from './atlas-views';
import type { DeploymentKind } from './deployment-kinds';
import type { RestoreJobState } from './restore-job-state';
import type { RestoreRequest } from './restore-request';

/** Names other issues, the CLI and external checks rely on. */
export const DEFAULT_TASK_QUEUE = 'atlas-restore';
export const RESTORE_WORKFLOW_TYPE = 'restoreSnapshot';
export const STATUS_QUERY_NAME = 'status';

/** Search attributes (all Keyword); registered on the server by the harness, the demo and compose. */
export const searchAttributes = {
  deploymentKind: defineSearchAttributeKey('AtlasDeploymentKind', SearchAttributeType.KEYWORD),
  groupId: defineSearchAttributeKey('AtlasGroupId', SearchAttributeType.KEYWORD),
  instanceName: defineSearchAttributeKey('AtlasInstanceName', SearchAttributeType.KEYWORD),
  targetCluster: defineSearchAttributeKey('AtlasTargetCluster', SearchAttributeType.KEYWORD),
  restoreJobId: defineSearchAttributeKey('AtlasRestoreJobId', SearchAttributeType.KEYWORD),
  restorePhase: defineSearchAttributeKey('AtlasRestorePhase', SearchAttributeType.KEYWORD),
  /** Set when a restore ends, so the Web UI's list and `list` show and filter how each one ended. */
  restoreOutcome: defineSearchAttributeKey('AtlasRestoreOutcome', SearchAttributeType.KEYWORD),
} as const;
export const SEARCH_ATTRIBUTE_KEYS = Object.values(searchAttributes);

/** How a restore ended, as the workflow records it in `AtlasRestoreOutcome`. */
export const RESTORE_OUTCOMES = [
  'finished',
  'failed',
  'expired',
  'cancelled',
  'deadline_exceeded',
  'validation_failed',
  'invalid_request',
  'error',
] as const;
export type RestoreOutcomeName = (typeof RESTORE_OUTCOMES)[number];

export const RESTORE_PHASES = [
  'validating',
  'enabling_backup',
  'waiting_for_idle',
  'selecting_snapshot',
  'submitting',
  'restoring',
  'done',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** Answer of the `status` query. Times are ISO-8601 UTC. */
export interface RestoreStatus {
  phase: RestorePhase;
  /** Set once the restore has ended. */
  outcome?: RestoreOutcomeName;
  /** The source's kind; for a request of kind `auto`, once resolved. */
  kind?: DeploymentKind;
  restoreJobId?: string;
  jobState?: RestoreJobState;
  polls: number;
  lastPolledAt?: string;
  lastError?: string;
  deadline: string;
}

/**
 * A restore job as the workflow reports it: the kind-neutral view. Restores started before the kind
 * adapters reported Atlas' raw job here instead.
 */
export type AtlasRestoreJob = RestoreJobView;

export interface RestoreResult {
  outcome: 'finished';
  /** The source's kind (resolved, for a request of kind `auto`). */
  kind: DeploymentKind;
  restoreJobId: string;
  restoreJob: AtlasRestoreJob;
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  continuousBackup: { wasEnabled: boolean; changed: boolean };
  timings: { startedAt: string; submittedAt: string; finishedAt: string };
  polls: number;
}

/**
 * Failure types of the workflow, a closed set callers switch on. All are non-retryable
 * `ApplicationFailure`s; the restore ones carry `{ restoreJobId, lastJob }` as their first detail.
 */
export const RestoreFailureType = {
  InvalidRestoreRequest: 'InvalidRestoreRequest',
  RestoreFailed: 'RestoreFailed',
  RestoreExpired: 'RestoreExpired',
  RestoreCancelled: 'RestoreCancelled',
  RestoreDeadlineExceeded: 'RestoreDeadlineExceeded',
} as const;
export type RestoreFailureType = (typeof RestoreFailureType)[keyof typeof RestoreFailureType];

/** Failure type of an activity whose Atlas call was rejected for good (4xx); details: `AtlasErrorInfo`. */
export const ATLAS_API_ERROR_TYPE = 'AtlasApiError';

/** What an Atlas error carries across the activity boundary: never headers, never credentials. */
export interface AtlasErrorInfo {
  status?: number;
  errorCode?: string;
  detail?: string;
  method: string;
  path: string;
  retryable: boolean;
  retryAfterMs?: number;
}

export interface RestoreFailureDetails {
  restoreJobId?: string;
  lastJob?: AtlasRestoreJob;
  atlasError?: AtlasErrorInfo;
}

function snapshotToken(snapshot: RestoreRequest['snapshot']): string {
  if ('snapshotId' in snapshot) return `snapshot-${snapshot.snapshotId}`;
  if ('pointInTimeUtcSeconds' in snapshot) return `pit-${snapshot.pointInTimeUtcSeconds}`;
  return 'latest';
}

/**
 * Workflow id derived from what the restore does, so a second start of the same restore attaches to the
 * running one (conflict policy USE_EXISTING) instead of submitting another Atlas job.
 */
export function restoreWorkflowId(request: Pick<RestoreRequest, 'source' | 'snapshot' | 'target'>): string {
  const { source, target } = request;
  return [
    'restore',
    source.kind,
    source.groupId,
    source.name,
    snapshotToken(request.snapshot),
    'to',
    target.groupId,
    target.name,
  ].join('/');
}

/** One line for the Web UI list (≤ 200 bytes). */
export function restoreSummary(request: Pick<RestoreRequest, 'source' | 'snapshot' | 'target'>): string {
  const what =
    'snapshotId' in request.snapshot
      ? `snapshot ${request.snapshot.snapshotId}`
      : 'pointInTimeUtcSeconds' in request.snapshot
        ? `point in time ${new Date(request.snapshot.pointInTimeUtcSeconds * 1000).toISOString()}`
        : 'latest snapshot';
  return `restore ${what} of ${request.source.kind} ${request.source.name} into ${request.target.name}`.slice(
    0,
    200,
  );
}

export type { DeploymentKind };
