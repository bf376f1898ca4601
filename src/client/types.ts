/** The restore client's public types: options, what it returns, and the outcome union. */
import type { Client, TLSConfig, WorkflowExecutionStatusName } from '@temporalio/client';
import type {
  AtlasRestoreJob,
  RecoveryPoint,
  RecoveryTime,
  RestoreOutcomeName,
  RestorePhase,
  RestoreResult,
  RestoreStatus,
} from '../common/contract';
import type { ValidationReport } from '../common/validation';
import type { DeploymentKind } from '../common/deployment-kinds';
import type { RestoreRequest, RestoreRequestInput } from '../common/restore-request';

export interface RestoreClientConnectionOptions {
  /** `host:port`. Default `localhost:7233`. */
  address?: string;
  /** Default `default`. */
  namespace?: string;
  tls?: TLSConfig | boolean;
  /** Temporal Cloud API key (implies TLS). */
  apiKey?: string;
}

export interface RestoreClientOptions {
  /** An existing Temporal client; its namespace is used and the caller keeps ownership. */
  client?: Client;
  /** Or where to connect: the restore client opens (lazily) and owns the connection; call `close()`. */
  connection?: RestoreClientConnectionOptions;
  /** Task queue the restore workers poll. Default `atlas-restore`. */
  taskQueue?: string;
}

export interface StartRestoreOptions {
  /** Overrides the client's task queue for this restore. */
  taskQueue?: string;
}

export interface StartedRestore {
  workflowId: string;
  runId: string;
  /** True when the same restore was already running and this call joined it instead of starting another. */
  attached: boolean;
  /** The request as the workflow received it (defaults applied). */
  request: RestoreRequest;
}

export type ExecutionStatus = Lowercase<Exclude<WorkflowExecutionStatusName, 'UNSPECIFIED'>>;

/** Live polling progress of the pending Atlas call (from its last heartbeat), while the restore runs. */
export interface RestoreProgress {
  activityType: string;
  attempt: number;
  state: string;
  lastHeartbeatAt?: string;
  /** The activity's last heartbeat details, as it reported them. */
  details?: unknown;
  /** Why the previous attempt failed, when it is being retried. */
  lastFailure?: string;
}

/**
 * The live view of the poll in flight, from the polling activity's last heartbeat: fresher than the status
 * query, which the workflow updates once per progress window. Heartbeats reach the server throttled
 * (at most every ~0.8 × the heartbeat timeout), so this lags by seconds, not minutes.
 */
export interface PollingProgress {
  activityType: string;
  attempt: number;
  polls?: number;
  jobState?: string;
  lastPolledAt?: string;
  /** When the next poll is due (ISO-8601). */
  nextPollAt?: string;
  /** The activity's own one-line account (job state, polls, last and next poll). */
  summary?: string;
  lastError?: string;
}

export interface RestoreInfo {
  workflowId: string;
  runId: string;
  executionStatus: ExecutionStatus;
  startTime: string;
  closeTime?: string;
  source?: { kind?: string; groupId?: string; name?: string };
  targetName?: string;
  /** Phase from the status query, else from the search attribute. */
  phase?: RestorePhase;
  restoreJobId?: string;
  /** The `status` query's answer, when a worker answered it. */
  status?: RestoreStatus;
  /** Why the status query gave no answer (no worker polling, workflow gone from the cache, ...). */
  statusError?: string;
  progress?: RestoreProgress[];
  /** While a polling activity runs: its live counters (see `PollingProgress`). */
  polling?: PollingProgress;
  summary?: string;
  /** For a closed restore: how it ended (without a worker: from the result, the failure or the memo). */
  outcome?: RestoreOutcome;
}

export type RestoreOutcomeKind =
  | 'failed'
  | 'expired'
  | 'cancelled'
  | 'deadline_exceeded'
  | 'invalid_request'
  | 'validation_failed'
  | 'terminated'
  | 'timed_out'
  | 'error';

export type RestoreOutcome =
  | { outcome: 'finished'; workflowId: string; runId: string; result: RestoreResult }
  | {
      outcome: RestoreOutcomeKind;
      workflowId: string;
      runId: string;
      message: string;
      /**
       * The workflow's failure type (`RestoreFailed`, ...). Outcome `failed` means Atlas ran the restore job and
       * it failed; `error` means an Atlas call was rejected for good (see `status`, `errorCode`, `detail`).
       */
      failureType?: string;
      /** Atlas' HTTP status, `errorCode` and `detail`, when an Atlas call ended the restore. */
      status?: number;
      errorCode?: string;
      detail?: string;
      restoreJobId?: string;
      lastJob?: AtlasRestoreJob;
      /** For `validation_failed`: what every check found. */
      validation?: ValidationReport;
      /** Recovery time and point as far as the restore got (Atlas done, for `validation_failed`). */
      rto?: RecoveryTime;
      rpo?: RecoveryPoint;
    };

export interface RestoreListFilter {
  kind?: DeploymentKind;
  groupId?: string;
  /** Source instance or cluster name. */
  instance?: string;
  /** Target instance or cluster name. */
  target?: string;
  phase?: RestorePhase;
  restoreJobId?: string;
  /** How restores ended (`AtlasRestoreOutcome`, set by the workflow when a restore ends). */
  outcome?: RestoreOutcomeName;
  /** Restores a drill started (`AtlasDrillId`: the drill's workflow id). */
  drillId?: string;
  status?: ExecutionStatus;
  /** Most recent first; default 50. */
  limit?: number;
}

export interface RestoreListRow {
  workflowId: string;
  runId: string;
  executionStatus: ExecutionStatus;
  startTime: string;
  closeTime?: string;
  kind?: string;
  groupId?: string;
  instance?: string;
  target?: string;
  targetGroupId?: string;
  phase?: string;
  restoreJobId?: string;
  /** Recorded by the workflow when the restore ended; absent while running and on runs from before it. */
  outcome?: string;
}

export interface RestoreClient {
  /** The Temporal client in use (for anything this API does not cover). */
  readonly client: Client;
  readonly taskQueue: string;
  startRestore(request: RestoreRequestInput, options?: StartRestoreOptions): Promise<StartedRestore>;
  getRestore(workflowId: string, options?: { runId?: string }): Promise<RestoreInfo>;
  waitForRestore(
    workflowId: string,
    options?: { runId?: string; signal?: AbortSignal },
  ): Promise<RestoreOutcome>;
  cancelRestore(
    workflowId: string,
  ): Promise<{ workflowId: string; runId: string; requested: boolean; executionStatus: ExecutionStatus }>;
  listRestores(filter?: RestoreListFilter): Promise<RestoreListRow[]>;
  /** Closes the connection if this restore client opened it. */
  close(): Promise<void>;
}
