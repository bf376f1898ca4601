import { randomUUID } from 'node:crypto';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  isGrpcDeadlineError,
  type TLSConfig,
  type WorkflowExecutionStatusName,
} from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import {
  ATLAS_API_ERROR_TYPE,
  DEFAULT_TASK_QUEUE,
  RESTORE_WORKFLOW_TYPE,
  RestoreFailureType,
  STATUS_QUERY_NAME,
  restoreSummary,
  restoreWorkflowId,
  searchAttributes,
  type AtlasErrorInfo,
  type AtlasRestoreJob,
  type RestoreOutcomeName,
  type RestorePhase,
  type RestoreResult,
  type RestoreStatus,
} from '../common/contract';
import type { DeploymentKind } from '../common/deployment-kinds';
import {
  describeIssues,
  restoreRequestSchema,
  type RestoreRequest,
  type RestoreRequestInput,
} from '../common/restore-request';

/** A request that does not pass the shared schema; nothing was started. */
export class InvalidRestoreRequestError extends Error {
  override readonly name = 'InvalidRestoreRequestError';
  /** Each offending field as a dotted path (`source.groupId`) with its rule. */
  readonly issues: { field: string; message: string }[];
  constructor(issues: { field: string; message: string }[]) {
    super(`invalid restore request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** No restore workflow with this id (or run id) exists in the namespace. */
export class RestoreNotFoundError extends Error {
  override readonly name = 'RestoreNotFoundError';
  constructor(readonly workflowId: string) {
    super(`no restore with workflow id ${workflowId}`);
  }
}

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
}

export type RestoreOutcomeKind =
  | 'failed'
  | 'expired'
  | 'cancelled'
  | 'deadline_exceeded'
  | 'invalid_request'
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
  phase?: string;
  restoreJobId?: string;
  /** Recorded by the workflow when the restore ended; absent while running and on runs from before it. */
  outcome?: string;
}

/** Reads the counters a polling activity heartbeats; anything else in the details is ignored. */
export function pollingProgressOf(progress: RestoreProgress): PollingProgress | undefined {
  const details = progress.details;
  if (details === null || typeof details !== 'object') return undefined;
  const d = details as Record<string, unknown>;
  if (typeof d.polls !== 'number') return undefined;
  const polling: PollingProgress = {
    activityType: progress.activityType,
    attempt: progress.attempt,
    polls: d.polls,
  };
  if (typeof d.jobState === 'string') polling.jobState = d.jobState;
  if (typeof d.lastPolledAt === 'string') polling.lastPolledAt = d.lastPolledAt;
  // Epoch ms in heartbeats from before readable details, an ISO string since.
  if (typeof d.nextPollAt === 'number' && d.nextPollAt > 0)
    polling.nextPollAt = new Date(d.nextPollAt).toISOString();
  if (typeof d.nextPollAt === 'string' && d.nextPollAt !== '') polling.nextPollAt = d.nextPollAt;
  if (typeof d.summary === 'string') polling.summary = d.summary;
  if (typeof d.lastError === 'string') polling.lastError = d.lastError;
  return polling;
}

/** `temporal.api.enums.v1.PendingActivityState`, whose numbers the API fixes. */
const PENDING_ACTIVITY_STATES = [
  'unspecified',
  'scheduled',
  'started',
  'cancel_requested',
  'paused',
  'pause_requested',
];

function pendingActivityStateName(state: number | null | undefined): string {
  return (state == null ? undefined : PENDING_ACTIVITY_STATES[state]) ?? 'unknown';
}

const FAILURE_OUTCOME: Record<string, RestoreOutcomeKind> = {
  [RestoreFailureType.RestoreFailed]: 'failed',
  [RestoreFailureType.RestoreExpired]: 'expired',
  [RestoreFailureType.RestoreCancelled]: 'cancelled',
  [RestoreFailureType.RestoreDeadlineExceeded]: 'deadline_exceeded',
  [RestoreFailureType.InvalidRestoreRequest]: 'invalid_request',
};

const VISIBILITY_STATUS: Record<ExecutionStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  continued_as_new: 'ContinuedAsNew',
  timed_out: 'TimedOut',
  paused: 'Paused',
  unknown: 'Unknown',
};
export const EXECUTION_STATUSES = Object.keys(VISIBILITY_STATUS) as ExecutionStatus[];

/** Memo key holding a per-call id, so `startRestore` can tell a run it started from one it joined. */
const START_REQUEST_MEMO = 'startRequestId';
/** Queries need a worker; without one the server would hold the call for a long time. */
const QUERY_TIMEOUT_MS = 5_000;

/** The search attributes a restore carries from its start (the workflow keeps the phase and job id current). */
export function restoreSearchAttributes(request: RestoreRequest): SearchAttributePair[] {
  return [
    { key: searchAttributes.deploymentKind, value: request.source.kind },
    { key: searchAttributes.groupId, value: request.source.groupId },
    { key: searchAttributes.instanceName, value: request.source.name },
    { key: searchAttributes.targetCluster, value: request.target.name },
    { key: searchAttributes.restorePhase, value: 'validating' },
  ];
}

/** Validates like the workflow does, but throws with every offending field instead of returning a message. */
export function validateRestoreRequest(input: unknown): RestoreRequest {
  const parsed = restoreRequestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = describeIssues(parsed.error);
  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(request)',
    message: issue.message,
  }));
  throw new InvalidRestoreRequestError(issues.length > 0 ? issues : [{ field: '(request)', message }]);
}

function statusName(name: WorkflowExecutionStatusName): ExecutionStatus {
  return (name === 'UNSPECIFIED' ? 'unknown' : name.toLowerCase()) as ExecutionStatus;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for a filter; exported so operators can paste it into the Web UI or `temporal workflow list`. */
export function restoreListQuery(filter: RestoreListFilter = {}): string {
  const clauses = [`WorkflowType = ${quote(RESTORE_WORKFLOW_TYPE)}`];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${name} = ${quote(value)}`);
  };
  add(searchAttributes.deploymentKind.name, filter.kind);
  add(searchAttributes.groupId.name, filter.groupId);
  add(searchAttributes.instanceName.name, filter.instance);
  add(searchAttributes.targetCluster.name, filter.target);
  add(searchAttributes.restorePhase.name, filter.phase);
  add(searchAttributes.restoreJobId.name, filter.restoreJobId);
  add(searchAttributes.restoreOutcome.name, filter.outcome);
  if (filter.status !== undefined) add('ExecutionStatus', VISIBILITY_STATUS[filter.status]);
  return clauses.join(' AND ');
}

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

/** Turns how a run ended into the outcome union: every way a restore can end is a value, not an exception. */
export function outcomeOfFailure(
  workflowId: string,
  runId: string,
  error: WorkflowFailedError,
): RestoreOutcome {
  const cause = error.cause;
  const base = { workflowId, runId };
  if (cause instanceof TerminatedFailure)
    return { ...base, outcome: 'terminated', message: cause.message || 'terminated' };
  if (cause instanceof TimeoutFailure)
    return { ...base, outcome: 'timed_out', message: cause.message || 'timed out' };
  if (cause instanceof CancelledFailure) {
    return { ...base, outcome: 'cancelled', message: cause.message || 'the workflow was cancelled' };
  }
  const app = cause instanceof ApplicationFailure ? cause : applicationFailureIn(cause);
  if (!app) return { ...base, outcome: 'error', message: cause?.message ?? error.message };
  let kind = FAILURE_OUTCOME[app.type ?? ''] ?? 'error';
  // The workflow reports an Atlas call that failed for good as RestoreFailed caused by the activity's
  // failure; that is an error reaching Atlas, not a restore job Atlas ran and failed.
  if (kind === 'failed' && causedByAtlasCall(app)) kind = 'error';
  const outcome: Extract<RestoreOutcome, { message: string }> = {
    ...base,
    outcome: kind,
    message: app.message,
  };
  if (app.type) outcome.failureType = app.type;
  const detail = firstDetail<
    { restoreJobId?: string; lastJob?: AtlasRestoreJob; atlasError?: AtlasErrorInfo } & AtlasErrorInfo
  >(app);
  const atlas = app.type === ATLAS_API_ERROR_TYPE ? detail : detail?.atlasError;
  if (atlas?.status !== undefined) outcome.status = atlas.status;
  if (atlas?.errorCode !== undefined) outcome.errorCode = atlas.errorCode;
  if (atlas?.detail !== undefined) outcome.detail = atlas.detail;
  if (detail?.restoreJobId !== undefined) outcome.restoreJobId = detail.restoreJobId;
  if (detail?.lastJob !== undefined) outcome.lastJob = detail.lastJob;
  return outcome;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

/** How many matching runs `listRestores` reads to find the newest ones. */
const LIST_SCAN_LIMIT = 1000;

export function createRestoreClient(options: RestoreClientOptions = {}): RestoreClient {
  let connection: Connection | undefined;
  let client = options.client;
  if (!client) {
    const { address = 'localhost:7233', namespace = 'default', tls, apiKey } = options.connection ?? {};
    connection = Connection.lazy({
      address,
      ...(tls !== undefined ? { tls } : {}),
      ...(apiKey ? { apiKey } : {}),
    });
    client = new Client({ connection, namespace });
  }
  const temporal = client;
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;

  async function notFoundAware<T>(workflowId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RestoreNotFoundError(workflowId);
      throw error;
    }
  }

  async function progressOf(
    raw: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['describe']>>['raw'],
  ) {
    const progress: RestoreProgress[] = [];
    for (const activity of raw.pendingActivities ?? []) {
      const entry: RestoreProgress = {
        activityType: activity.activityType?.name ?? 'unknown',
        attempt: activity.attempt ?? 1,
        state: pendingActivityStateName(activity.state),
      };
      const seconds = activity.lastHeartbeatTime?.seconds;
      if (seconds != null) entry.lastHeartbeatAt = new Date(Number(seconds) * 1000).toISOString();
      const payloads = activity.heartbeatDetails?.payloads;
      if (payloads && payloads.length > 0) {
        const [details] = await decodeArrayFromPayloads(temporal.options.loadedDataConverter, payloads);
        entry.details = details;
      }
      if (activity.lastFailure?.message) entry.lastFailure = activity.lastFailure.message;
      progress.push(entry);
    }
    return progress;
  }

  return {
    client: temporal,
    taskQueue,

    async startRestore(input, startOptions = {}) {
      const request = validateRestoreRequest(input);
      const workflowId = restoreWorkflowId(request);
      const startRequestId = randomUUID();
      const handle = await temporal.workflow.start(RESTORE_WORKFLOW_TYPE, {
        taskQueue: startOptions.taskQueue ?? taskQueue,
        workflowId,
        args: [request],
        workflowIdConflictPolicy: 'USE_EXISTING',
        typedSearchAttributes: new TypedSearchAttributes(restoreSearchAttributes(request)),
        staticSummary: restoreSummary(request),
        memo: { [START_REQUEST_MEMO]: startRequestId },
      });
      // USE_EXISTING answers with the running run's id either way; only the memo says whose start it was.
      const description = await handle.describe();
      return {
        workflowId,
        runId: description.runId,
        attached: description.memo?.[START_REQUEST_MEMO] !== startRequestId,
        request,
      };
    },

    async getRestore(workflowId, { runId } = {}) {
      const handle = temporal.workflow.getHandle(workflowId, runId);
      const description = await notFoundAware(workflowId, () => handle.describe());
      const sa = description.typedSearchAttributes;
      const info: RestoreInfo = {
        workflowId,
        runId: description.runId,
        executionStatus: statusName(description.status.name),
        startTime: description.startTime.toISOString(),
        source: {
          kind: sa.get(searchAttributes.deploymentKind),
          groupId: sa.get(searchAttributes.groupId),
          name: sa.get(searchAttributes.instanceName),
        },
      };
      if (description.closeTime) info.closeTime = description.closeTime.toISOString();
      const target = sa.get(searchAttributes.targetCluster);
      if (target !== undefined) info.targetName = target;
      const phase = sa.get(searchAttributes.restorePhase);
      if (phase !== undefined) info.phase = phase as RestorePhase;
      const jobId = sa.get(searchAttributes.restoreJobId);
      if (jobId !== undefined) info.restoreJobId = jobId;
      const summary = await description.staticSummary().catch(() => undefined);
      if (summary) info.summary = summary;
      try {
        const status = await temporal.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () =>
          temporal.workflow.getHandle(workflowId, description.runId).query<RestoreStatus>(STATUS_QUERY_NAME),
        );
        info.status = status;
        info.phase = status.phase;
        if (status.restoreJobId) info.restoreJobId = status.restoreJobId;
      } catch (error) {
        info.statusError = isGrpcDeadlineError(error)
          ? `no worker answered the status query within ${QUERY_TIMEOUT_MS / 1000} s (is a worker polling ${taskQueue}?)`
          : errorText(error);
      }
      if (info.executionStatus === 'running') {
        const progress = await progressOf(description.raw);
        if (progress.length > 0) info.progress = progress;
        const polling = progress.map(pollingProgressOf).find((p) => p !== undefined);
        if (polling) info.polling = polling;
      }
      return info;
    },

    async waitForRestore(workflowId, { runId, signal } = {}) {
      const handle = temporal.workflow.getHandle(workflowId, runId);
      const wait = () => handle.result() as Promise<RestoreResult>;
      try {
        const result = await notFoundAware(workflowId, () =>
          signal ? temporal.withAbortSignal(signal, wait) : wait(),
        );
        // The run that completed may be a continuation of the one started; its id is what the result came from.
        const finalRunId =
          runId ??
          (await handle.describe().then(
            (d) => d.runId,
            () => '',
          ));
        return { outcome: 'finished', workflowId, runId: finalRunId, result };
      } catch (error) {
        if (error instanceof WorkflowFailedError) {
          const finalRunId =
            runId ??
            (await handle.describe().then(
              (d) => d.runId,
              () => '',
            ));
          return outcomeOfFailure(workflowId, finalRunId, error);
        }
        throw error;
      }
    },

    async cancelRestore(workflowId) {
      const handle = temporal.workflow.getHandle(workflowId);
      const description = await notFoundAware(workflowId, () => handle.describe());
      const executionStatus = statusName(description.status.name);
      if (executionStatus !== 'running')
        return { workflowId, runId: description.runId, requested: false, executionStatus };
      // No run id: if the run continues as new meanwhile, the request reaches the run that carries on.
      await notFoundAware(workflowId, () => handle.cancel());
      return { workflowId, runId: description.runId, requested: true, executionStatus };
    },

    async listRestores(filter = {}) {
      const limit = filter.limit ?? 50;
      const rows: RestoreListRow[] = [];
      // SQL visibility (the dev server, PostgreSQL) lists open runs first and cannot ORDER BY StartTime, so
      // rows are gathered (up to LIST_SCAN_LIMIT) and sorted here: newest first, as the CLI promises.
      for await (const execution of temporal.workflow.list({
        query: restoreListQuery(filter),
        pageSize: 1000,
      })) {
        const sa = execution.typedSearchAttributes;
        const row: RestoreListRow = {
          workflowId: execution.workflowId,
          runId: execution.runId,
          executionStatus: statusName(execution.status.name),
          startTime: execution.startTime.toISOString(),
        };
        if (execution.closeTime) row.closeTime = execution.closeTime.toISOString();
        const set = <K extends keyof RestoreListRow>(key: K, value: RestoreListRow[K] | undefined) => {
          if (value !== undefined) row[key] = value;
        };
        set('kind', sa.get(searchAttributes.deploymentKind));
        set('groupId', sa.get(searchAttributes.groupId));
        set('instance', sa.get(searchAttributes.instanceName));
        set('target', sa.get(searchAttributes.targetCluster));
        set('phase', sa.get(searchAttributes.restorePhase));
        set('restoreJobId', sa.get(searchAttributes.restoreJobId));
        set('outcome', sa.get(searchAttributes.restoreOutcome));
        rows.push(row);
        if (rows.length >= Math.max(limit, LIST_SCAN_LIMIT)) break;
      }
      rows.sort((x, y) => (x.startTime < y.startTime ? 1 : x.startTime > y.startTime ? -1 : 0));
      return rows.slice(0, limit);
    },

    async close() {
      await connection?.close();
    },
  };
}
