import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CollectionRestoreNamespaceView, RestoreJobView } from './atlas-views';
import type { DeploymentKind } from './deployment-kinds';
import type { RestoreJobState } from './restore-job-state';
import type { RestoreRequest } from './restore-request';
import type { ValidationReport } from './validation';

/** Names other issues, the CLI and external checks rely on. */
export const DEFAULT_TASK_QUEUE = 'atlas-restore';
export const RESTORE_WORKFLOW_TYPE = 'restoreSnapshot';
export const STATUS_QUERY_NAME = 'status';

/**
 * How long one waiting activity polls before it reports anyway, when nothing changed. Each report costs an
 * activity (one Action, six history events), so a long window keeps a quiet hour at ~3 events; the job's
 * changes are reported as they happen regardless.
 */
export const RESTORE_WAIT_WINDOW_MS = 2 * 3_600_000;

/** Search attributes (all Keyword); registered on the server by the harness, the demo and compose. */
export const searchAttributes = {
  deploymentKind: defineSearchAttributeKey('AtlasDeploymentKind', SearchAttributeType.KEYWORD),
  groupId: defineSearchAttributeKey('AtlasGroupId', SearchAttributeType.KEYWORD),
  instanceName: defineSearchAttributeKey('AtlasInstanceName', SearchAttributeType.KEYWORD),
  targetCluster: defineSearchAttributeKey('AtlasTargetCluster', SearchAttributeType.KEYWORD),
  /** The target's project: with the name, the key of "one restore per target". */
  targetGroupId: defineSearchAttributeKey('AtlasTargetGroupId', SearchAttributeType.KEYWORD),
  restoreJobId: defineSearchAttributeKey('AtlasRestoreJobId', SearchAttributeType.KEYWORD),
  restorePhase: defineSearchAttributeKey('AtlasRestorePhase', SearchAttributeType.KEYWORD),
  /** Set when a restore ends, so the Web UI's list and `list` show and filter how each one ended. */
  restoreOutcome: defineSearchAttributeKey('AtlasRestoreOutcome', SearchAttributeType.KEYWORD),
  /** On every restore a drill started: the drill's workflow id (`list --drill`, a Web UI query). */
  drillId: defineSearchAttributeKey('AtlasDrillId', SearchAttributeType.KEYWORD),
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
  'validating_data',
  'done',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** How long a restore may take when its request names no `deadline`. */
export const DEFAULT_RESTORE_DEADLINE = '24h';

/** Answer of the `status` query. Times are ISO-8601 UTC. */
export interface RestoreStatus {
  phase: RestorePhase;
  /** Set once the restore has ended, with the reason in plain words (absent for `finished`). */
  outcome?: RestoreOutcomeName;
  reason?: string;
  /** The source's kind; for a request of kind `auto`, once resolved. */
  kind?: DeploymentKind;
  /** The target's kind, once read (a Flex snapshot may go to a Flex or a dedicated cluster). */
  targetKind?: DeploymentKind;
  /** The snapshot being restored, once chosen, and the moment its data is from. */
  snapshotId?: string;
  restoredTo?: string;
  restoreJobId?: string;
  jobState?: RestoreJobState;
  /** Atlas' own word for the job's state, where the kind has one (Flex: PENDING, QUEUED, RUNNING, ...). */
  atlasStatus?: string;
  /**
   * Polls of Atlas so far, as of the last time the polling activity reported to the workflow (it reports
   * on every change it sees); `getRestore` adds the live count from the activity's heartbeat.
   */
  polls: number;
  lastPolledAt?: string;
  lastError?: string;
  deadline: string;
  startedAt?: string;
  submittedAt?: string;
  /** When Atlas reported the job done. */
  atlasFinishedAt?: string;
  validatedAt?: string;
  endedAt?: string;
  rto?: RecoveryTime;
  rpo?: RecoveryPoint;
  validation?: ValidationReport;
  /** A collection restore's documents restored so far (Atlas' counts; the total may be an estimate). */
  progress?: { restoredDocuments?: number; totalDocuments?: number; estimate: boolean; percent?: number };
  /** A collection restore's namespaces, once Atlas lists them. */
  namespaces?: CollectionRestoreNamespaceView[];
}

/** Time from the request to Atlas done and to validated, graded against the request's objective if any. */
export interface RecoveryTime {
  /** Seconds from the start of the restore to Atlas reporting the job done. */
  toAtlasDoneSeconds?: number;
  /** Seconds from the start to the end of validation (when the request validates). */
  toValidatedSeconds?: number;
  objectiveSeconds?: number;
  /** Whether the restore (validated, where it validates) was done within the objective. */
  met?: boolean;
}

/** How old the restored data is: from the snapshot or point in time to the request. */
export interface RecoveryPoint {
  restoredTo: string;
  seconds: number;
  objectiveSeconds?: number;
  met?: boolean;
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
  /** The target's kind (absent in results from before it was read). */
  targetKind?: DeploymentKind;
  restoreJobId: string;
  /** The kind-neutral view of the job as last seen: no links, no per-kind field names. */
  restoreJob: AtlasRestoreJob;
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  continuousBackup: { wasEnabled: boolean; changed: boolean };
  timings: {
    startedAt: string;
    submittedAt: string;
    /** When Atlas reported the job done (absent in results from before it was recorded). */
    atlasFinishedAt?: string;
    validatedAt?: string;
    finishedAt: string;
  };
  polls: number;
  rto?: RecoveryTime;
  rpo?: RecoveryPoint;
  /** Every check's result, when the request asked for validation. */
  validation?: ValidationReport;
  /** For a collection- or database-level restore: what Atlas restored, per namespace. */
  collections?: {
    restoredDocuments?: number;
    totalDocuments?: number;
    namespaces: CollectionRestoreNamespaceView[];
  };
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
  /** Atlas finished the job but a check of the restored data failed; details carry every check's result. */
  ValidationFailed: 'ValidationFailed',
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
  /** For `ValidationFailed`: what every check found. */
  validation?: ValidationReport;
  rto?: RecoveryTime;
  rpo?: RecoveryPoint;
  /** How far the restore got, for reports: when the job was submitted, Atlas finished it, it was checked. */
  times?: { submittedAt?: string; atlasFinishedAt?: string; validatedAt?: string };
  /** The snapshot restored and the moment its data is from, once chosen. */
  snapshotId?: string;
  restoredTo?: string;
}

/**
 * The memo a cancelled restore leaves (a run closed as Canceled carries no message of its own): what was
 * cancelled and what goes on in Atlas.
 */
export const OUTCOME_MEMO = 'outcome';
export interface OutcomeMemo {
  outcome: RestoreOutcomeName;
  message: string;
  restoreJobId?: string;
}

function snapshotToken(snapshot: RestoreRequest['snapshot']): string {
  if ('snapshotId' in snapshot) return `snapshot-${snapshot.snapshotId}`;
  if ('pointInTimeUtcSeconds' in snapshot) return `pit-${snapshot.pointInTimeUtcSeconds}`;
  return 'latest';
}

/**
 * The workflow id of a restore: its target. Temporal allows one running workflow per id, so two restores
 * can never write into the same deployment at once, whoever starts them (the CLI, code, a drill); a start
 * for a busy target is refused, naming the restore that holds it. Readable first (the name), unique by the
 * project id. Restores started before this scheme used `legacyRestoreWorkflowId`.
 */
export function restoreWorkflowId(request: Pick<RestoreRequest, 'target'>): string {
  return `restore/${request.target.name}/${request.target.groupId}`;
}

/** What a start compares to tell "the same restore again" (attach) from another restore of the target. */
export function restoreRequestKey(
  request: Pick<RestoreRequest, 'source' | 'snapshot' | 'target'> & { scope?: RestoreRequest['scope'] },
): string {
  const { source, target } = request;
  const key = [
    source.kind,
    source.groupId,
    source.name,
    snapshotToken(request.snapshot),
    target.groupId,
    target.name,
  ].join('/');
  return request.scope ? `${key}/scope:${JSON.stringify(request.scope)}` : key;
}

/** The id scheme of restores started before ids were keyed by target (still found when checking a target). */
export function legacyRestoreWorkflowId(
  request: Pick<RestoreRequest, 'source' | 'snapshot' | 'target'>,
): string {
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

/** The target of a restore whose id has the legacy form, or undefined. */
export function legacyIdTarget(workflowId: string): { groupId: string; name: string } | undefined {
  const parts = workflowId.split('/');
  if (parts.length !== 8 || parts[0] !== 'restore' || parts[5] !== 'to') return undefined;
  return { groupId: parts[6]!, name: parts[7]! };
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
