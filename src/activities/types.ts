/**
 * What crosses the activity boundary, in both directions. Everything here lands in workflow history, so it
 * is plain data: never a credential, never a header, never a raw HTTP body beyond the Atlas object itself.
 * Workflow code imports this module as types only.
 */
import type { DeploymentRef } from '../atlas/api';
import type {
  CollectionRestoreJobView,
  CollectionRestoreSpec,
  DeploymentState,
  RestoreJobSpec,
  RestoreJobView,
  RestoreTarget,
  SnapshotNamespacesView,
  SnapshotView,
} from '../common/atlas-views';
import type { RestoreJobState } from '../common/restore-job-state';
import type { ValidationReport, ValidationSpec } from '../common/validation';

export type {
  CollectionRestoreJobView,
  CollectionRestoreSpec,
  DeploymentRef,
  DeploymentState,
  RestoreJobSpec,
  RestoreJobView,
  SnapshotNamespacesView,
  SnapshotView,
  ValidationReport,
};

/** The restore jobs a submission may adopt: the same restore, created by this workflow's own POST. */
export interface RestoreJobMatch {
  delivery: 'automated' | 'pointInTime';
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  target: RestoreTarget;
  /** Jobs whose id embeds an earlier creation second were not created by this workflow. */
  createdAtOrAfterSeconds: number;
  /**
   * Only jobs still in progress. Set before this workflow's first POST: a matching job that has already
   * ended then is an earlier identical restore finished within the clock-skew allowance, not ours.
   */
  inProgressOnly?: boolean;
}

/**
 * What workers before the kind adapters scheduled: the same match and create body in the serverless and
 * dedicated wire names. An activity task scheduled by such a worker may still reach a new one.
 */
export interface LegacyRestoreJobFields {
  deliveryType?: 'automated' | 'pointInTime';
  targetClusterName?: string;
  targetGroupId?: string;
  pointInTimeUTCSeconds?: number;
}

/** When to poll. Times are epoch milliseconds; intervals milliseconds. */
export interface PollSchedule {
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** Polling stops with outcome `deadline` once this passes. */
  deadlineAt: number;
}

/**
 * Where a polling loop stands. Heartbeated after every poll, returned at the end of every progress window
 * and handed back on the next call, so a retry or a new window resumes instead of starting over.
 */
export interface PollProgress {
  /** Polls made so far (successful or not). */
  polls: number;
  /** Current backoff interval. */
  intervalMs: number;
  /** Not before this (backoff or Retry-After). */
  nextPollAt: number;
  lastPolledAt?: string;
  /** The last failed poll, while polls keep failing; cleared by a successful one. */
  lastError?: string;
  consecutiveErrors: number;
}

export interface IdleWaitProgress extends PollProgress {
  /** A state other than IDLE was seen since the change: the update really began. */
  sawNonIdle: boolean;
  last?: DeploymentState;
}

export interface IdleWaitInput {
  deployment: DeploymentRef;
  /** The continuous-backup value the change set; the wait is over only once the description shows it. */
  expectContinuousBackup: boolean;
  /** When the change was accepted (epoch ms). */
  changedAt: number;
  /**
   * How long a deployment must keep reading IDLE after the change, when it was never seen in another
   * state, before that IDLE is believed (the IDLE-before-UPDATING trap).
   */
  settleMs: number;
  schedule: PollSchedule;
  progress: IdleWaitProgress;
  /** Real time one call polls before handing its progress back. Default: the worker's progress window. */
  windowMs?: number;
}

export type IdleWaitResult =
  | { outcome: 'idle'; deployment: DeploymentState; progress: IdleWaitProgress }
  /** The deployment settled in IDLE without showing the change (Flex-backed serverless instances ignore it). */
  | { outcome: 'not_applied'; deployment: DeploymentState; progress: IdleWaitProgress }
  | { outcome: 'window' | 'deadline'; progress: IdleWaitProgress };

export interface RestoreWaitProgress extends PollProgress {
  lastJob?: RestoreJobView;
  jobState?: RestoreJobState;
}

export interface RestoreWaitInput {
  deployment: DeploymentRef;
  restoreJobId: string;
  schedule: PollSchedule;
  progress: RestoreWaitProgress;
  /** Real time one call polls before handing its progress back. Default: the worker's progress window. */
  windowMs?: number;
  /**
   * Return as soon as the job shows something new (its state, or Atlas' own status word), so the
   * workflow's status and the Web UI follow the job within one poll. Absent in workflows from before it.
   */
  returnOnChange?: boolean;
}

export type RestoreWaitResult =
  | { outcome: 'terminal'; job: RestoreJobView; state: RestoreJobState; progress: RestoreWaitProgress }
  /** The job's own `expiresAt` passed while Atlas still reported it in progress. */
  | { outcome: 'expires_at_passed'; job: RestoreJobView; progress: RestoreWaitProgress }
  /** `changed`: only with `returnOnChange`; the new state is in `progress`. */
  | { outcome: 'window' | 'deadline' | 'changed'; progress: RestoreWaitProgress };

export interface PickSnapshotInput {
  /** The source; a kind of `auto` is resolved first. */
  source: { kind: string; groupId: string; name: string };
  withinDays: number;
  /** In [0, 1): which of the candidates (oldest first) to take. */
  draw: number;
  /** The drill's now (epoch ms): the window ends here. */
  nowMs: number;
}

export interface PickedSnapshot {
  kind: DeploymentRef['kind'];
  /** How many completed snapshots were in the window. */
  candidates: number;
  /** Absent when there were none. */
  snapshotId?: string;
  takenAt?: string;
}

/**
 * What `validateRestore` checks: the target, read from Atlas for its connection string, against the spec.
 * `ofSource` counts also read the live source, counting its documents up to the restored moment.
 */
export interface ValidateRestoreInput {
  target: DeploymentRef;
  /** Needed by `ofSource` count checks. */
  source?: DeploymentRef;
  /** The moment the restored data is from (snapshot time or point in time), Unix seconds; for `ofSource`. */
  restoredToSeconds?: number;
  spec: ValidationSpec;
}

/** Heartbeat details of `validateRestore`, so a stuck connection shows what it is waiting for. */
export interface ValidationProgress {
  phase: 'connecting' | 'checking';
  /** Which deployment it is connecting to (or checking), `host:port`. */
  deployment?: 'target' | 'source';
  host?: string;
  attempts: number;
  lastError?: string;
  /** Checks done so far. */
  checked: number;
}

/**
 * The collection restore jobs a submission may adopt: the same restore (target, source snapshot or point in
 * time, strategies, scope), created by this workflow's own POST: the spec it sends, and when it began.
 */
export type CollectionRestoreJobMatch = CollectionRestoreSpec & {
  /** Jobs whose id embeds an earlier creation second were not created by this workflow. */
  createdAtOrAfterSeconds: number;
  /** Only jobs still in progress (set before the first POST, as for `RestoreJobMatch`). */
  inProgressOnly?: boolean;
};

export interface CollectionRestoreWaitProgress extends PollProgress {
  /** The job as last read, without its collections. */
  lastJob?: CollectionRestoreJobView;
}

export interface CollectionRestoreWaitInput {
  /** The source cluster the job is filed under. */
  deployment: DeploymentRef;
  jobId: string;
  schedule: PollSchedule;
  progress: CollectionRestoreWaitProgress;
  /** Real time one call polls before handing its progress back. Default: the worker's progress window. */
  windowMs?: number;
  /**
   * Return as soon as the job shows a step a person would notice: a new Atlas state, `restoredDocuments`
   * crossing another tenth of `totalDocuments`, or `totalDocuments` moving by more than a tenth, compared
   * with `progress.lastJob` (the job as the workflow last saw it). Default true.
   */
  returnOnChange?: boolean;
}

export type CollectionRestoreWaitResult =
  /** SUCCESSFUL, FAILED or CANCELED; the job is read with its collections. */
  | { outcome: 'terminal'; job: CollectionRestoreJobView; progress: CollectionRestoreWaitProgress }
  /** `changed`: only with `returnOnChange`. `job`: as last read, when it has been. */
  | {
      outcome: 'window' | 'deadline' | 'changed';
      job?: CollectionRestoreJobView;
      progress: CollectionRestoreWaitProgress;
    };
