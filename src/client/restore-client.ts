/**
 * The restore client: start (one restore per target), follow, cancel and list restores. Workflows are
 * started and queried by the definitions they export (`import type` of the workflow, `statusQuery`), never
 * by strings typed here.
 */
import { createHash } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  isGrpcDeadlineError,
} from '@temporalio/client';
import { TypedSearchAttributes, type SearchAttributePair } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import {
  DEFAULT_TASK_QUEUE,
  OUTCOME_MEMO,
  RESTORE_WORKFLOW_TYPE,
  legacyIdTarget,
  restoreRequestKey,
  restoreSummary,
  restoreWorkflowId,
  searchAttributes,
  type OutcomeMemo,
  type RestorePhase,
  type RestoreResult,
} from '../common/contract';
import { statusQuery } from '../common/queries';
import { requestDetails } from '../common/restore-details';
import { describeIssues, restoreRequestSchema, type RestoreRequest } from '../common/restore-request';
import type { restoreSnapshot } from '../workflows';
import { InvalidRestoreRequestError, RestoreNotFoundError, TargetBusyError } from './errors';
import { outcomeOfFailure } from './outcomes';
import { pendingActivityStateName, pollingProgressOf } from './progress';
import type {
  RestoreClient,
  RestoreClientOptions,
  RestoreInfo,
  RestoreListRow,
  RestoreOutcome,
  RestoreProgress,
} from './types';
import { restoreListQuery, statusName } from './visibility';

/** Memo key holding what the restore does, so a start can tell the same restore from another one of the target. */
const REQUEST_KEY_MEMO = 'requestKey';
/**
 * Memo key holding a fingerprint of each option that changes how a restore ends, so a start that names the
 * same restore with other options is refused instead of attached to a run that ignores them. Runs started
 * before it (and a drill's restores) have none and attach on the request key alone, as before.
 */
const REQUEST_OPTIONS_MEMO = 'requestOptions';
/** The options a fingerprint covers; polling only changes how often Atlas is asked, so it may differ. */
const FINGERPRINTED_OPTIONS = ['ensureContinuousBackup', 'deadline', 'validate', 'objectives'] as const;
/** Queries need a worker; without one the server would hold the call for a long time. */
const QUERY_TIMEOUT_MS = 5_000;
/**
 * How long a client trusts its scan for first-generation restores: no client of this version starts one,
 * so the ones found can only end; a client of the previous version still running could add one.
 */
const LEGACY_SCAN_MAX_AGE_MS = 60_000;
/** Starts tried when the run holding the target keeps ending just before the look at it. */
const START_ATTEMPTS = 3;
/** How many matching runs `listRestores` reads to find the newest ones. */
const LIST_SCAN_LIMIT = 1000;

/** The search attributes a restore carries from its start (free; the workflow keeps phase, job and outcome). */
export function restoreSearchAttributes(request: RestoreRequest): SearchAttributePair[] {
  return [
    { key: searchAttributes.deploymentKind, value: request.source.kind },
    { key: searchAttributes.groupId, value: request.source.groupId },
    { key: searchAttributes.instanceName, value: request.source.name },
    { key: searchAttributes.targetCluster, value: request.target.name },
    { key: searchAttributes.targetGroupId, value: request.target.groupId },
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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

  /** The run's description, or undefined when Temporal no longer has it. */
  async function describeIfExists(workflowId: string, runId?: string) {
    try {
      return await temporal.workflow.getHandle(workflowId, runId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Running restores under the ids of the first generation (keyed by the whole request), which the
   * target-keyed id cannot collide with: found through visibility, at most once a minute per client
   * (a list query costs the server more than the start itself). They carry no TargetGroupId, which
   * every later start sets.
   */
  type LegacyHolder = RestoreListRow & { held: { groupId: string; name: string } };
  let legacyScan: { at: number; holders: Promise<LegacyHolder[]> } | undefined;

  async function scanLegacyHolders(): Promise<LegacyHolder[]> {
    const query = `${restoreListQuery({ status: 'running' })} AND ${searchAttributes.targetGroupId.name} IS NULL`;
    const holders: LegacyHolder[] = [];
    for await (const execution of temporal.workflow.list({ query, pageSize: 100 })) {
      const held = legacyIdTarget(execution.workflowId);
      if (!held) continue;
      holders.push({
        workflowId: execution.workflowId,
        runId: execution.runId,
        executionStatus: statusName(execution.status.name),
        startTime: execution.startTime.toISOString(),
        held,
      });
    }
    return holders;
  }

  function legacyHolders(): Promise<LegacyHolder[]> {
    if (legacyScan !== undefined && Date.now() - legacyScan.at <= LEGACY_SCAN_MAX_AGE_MS)
      return legacyScan.holders;
    const scan = { at: Date.now(), holders: scanLegacyHolders() };
    legacyScan = scan;
    // A failed scan is not kept: the next start asks again.
    scan.holders.catch(() => {
      if (legacyScan === scan) legacyScan = undefined;
    });
    return scan.holders;
  }

  /** The first-generation restore still writing into the target, if any (checked live, the scan may be old). */
  async function legacyHolder(request: RestoreRequest): Promise<RestoreListRow | undefined> {
    for (const { held, ...holder } of await legacyHolders()) {
      if (held.groupId !== request.target.groupId || held.name !== request.target.name) continue;
      const now = await describeIfExists(holder.workflowId, holder.runId);
      if (now?.status.name === 'RUNNING') return holder;
    }
    return undefined;
  }

  /** How a closed run ended: its result, or its failure (with the memo a Canceled run leaves). */
  async function outcomeOf(workflowId: string, runId: string | undefined): Promise<RestoreOutcome> {
    const handle = temporal.workflow.getHandle(workflowId, runId);
    const finalRunId = async () =>
      runId ??
      (await handle.describe().then(
        (d) => d.runId,
        () => '',
      ));
    try {
      const result = (await handle.result()) as RestoreResult;
      // The run that completed may be a continuation of the one started; its id is what the result came from.
      return { outcome: 'finished', workflowId, runId: await finalRunId(), result };
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      const description = await handle.describe().catch(() => undefined);
      const memo = description?.memo?.[OUTCOME_MEMO] as OutcomeMemo | undefined;
      return outcomeOfFailure(workflowId, description?.runId ?? (await finalRunId()), error, memo);
    }
  }

  return {
    client: temporal,
    taskQueue,

    async startRestore(input, startOptions = {}) {
      const request = validateRestoreRequest(input);
      const workflowId = restoreWorkflowId(request);
      const requestKey = restoreRequestKey(request);
      const fingerprint = optionsFingerprint(request);
      const legacy = await legacyHolder(request);
      if (legacy) {
        throw new TargetBusyError(request.target, {
          workflowId: legacy.workflowId,
          runId: legacy.runId,
          startTime: legacy.startTime,
        });
      }
      // FAIL, then a look at the run that holds the target: the same restore (attach) or another one
      // (refused). A start that finds the target free, the usual case, is one call.
      for (let attempt = 1; ; attempt++) {
        try {
          const handle = await temporal.workflow.start<typeof restoreSnapshot>(RESTORE_WORKFLOW_TYPE, {
            taskQueue: startOptions.taskQueue ?? taskQueue,
            workflowId,
            args: [request],
            workflowIdConflictPolicy: 'FAIL',
            typedSearchAttributes: new TypedSearchAttributes(restoreSearchAttributes(request)),
            staticSummary: restoreSummary(request),
            staticDetails: requestDetails(request),
            memo: { [REQUEST_KEY_MEMO]: requestKey, [REQUEST_OPTIONS_MEMO]: fingerprint },
          });
          return { workflowId, runId: handle.firstExecutionRunId, attached: false, request };
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        }
        const description = await describeIfExists(workflowId);
        if (description?.status.name !== 'RUNNING') {
          // The holder ended between the two calls: start again.
          if (attempt < START_ATTEMPTS) continue;
          throw new Error(`${workflowId}: ${START_ATTEMPTS} starts met a run that had ended when looked at`);
        }
        const sameRestore = description.memo?.[REQUEST_KEY_MEMO] === requestKey;
        const otherOptions = sameRestore
          ? differingOptions(description.memo?.[REQUEST_OPTIONS_MEMO], fingerprint)
          : [];
        if (sameRestore && otherOptions.length === 0)
          return { workflowId, runId: description.runId, attached: true, request };
        const summary = await description.staticSummary().catch(() => undefined);
        throw new TargetBusyError(
          request.target,
          {
            workflowId,
            runId: description.runId,
            ...(summary ? { summary } : {}),
            startTime: description.startTime.toISOString(),
          },
          otherOptions,
        );
      }
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
          temporal.workflow.getHandle(workflowId, description.runId).query(statusQuery),
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
      } else if (info.executionStatus !== 'continued_as_new') {
        // Closed: how it ended needs no worker (result, failure or memo are on the server).
        info.outcome = await outcomeOf(workflowId, description.runId);
      }
      return info;
    },

    async waitForRestore(workflowId, { runId, signal } = {}) {
      const handle = temporal.workflow.getHandle(workflowId, runId);
      const wait = () => handle.result() as Promise<RestoreResult>;
      try {
        // Wait first (the abort signal applies to the wait), then read how it ended.
        await notFoundAware(workflowId, () => (signal ? temporal.withAbortSignal(signal, wait) : wait()));
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
      }
      return outcomeOf(workflowId, runId);
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
        set('targetGroupId', sa.get(searchAttributes.targetGroupId));
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

/** A short hash of each fingerprinted option as the request has it (absent options included). */
function optionsFingerprint(request: RestoreRequest): Record<string, string> {
  return Object.fromEntries(
    FINGERPRINTED_OPTIONS.map((option) => [
      option,
      createHash('sha256')
        .update(JSON.stringify(request[option] ?? null))
        .digest('hex')
        .slice(0, 16),
    ]),
  );
}

/** The options whose fingerprints differ; none when the running restore recorded no fingerprint. */
function differingOptions(recorded: unknown, wanted: Record<string, string>): string[] {
  if (typeof recorded !== 'object' || recorded === null) return [];
  const theirs = recorded as Record<string, unknown>;
  return FINGERPRINTED_OPTIONS.filter((option) => theirs[option] !== wanted[option]);
}
