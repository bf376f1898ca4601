/**
 * The `restoreSnapshot` workflow: check that source, snapshot and target exist and fit before anything
 * changes, make sure continuous backup is on where the kind has it, submit the Atlas restore job exactly
 * once, follow it until it ends, the deadline passes or someone cancels, then prove the restored data when
 * the request asks for it. Deterministic code only: Atlas is reached through activities, imported as types.
 *
 * Frugal by design (docs/temporal.md#actions): the short Atlas calls are local activities (all of one
 * workflow task cost one Action and a marker event each); the waits are long heartbeating activities that
 * return only when the job shows something new, when a long window ends or when their worker shuts down;
 * search attributes are upserted only for phases that last. Restores whose history began before this
 * generation (no `restore-v2` marker) run `restore-v1.ts`.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type {
  DeploymentRef,
  DeploymentState,
  IdleWaitProgress,
  PollProgress,
  RestoreActivities,
  RestoreJobMatch,
  RestoreJobSpec,
  RestoreWaitProgress,
  SnapshotView,
  CollectionRestoreWaitProgress,
} from '../activities';
import {
  asRestoreJobView,
  isoFromSeconds,
  type CollectionRestoreJobView,
  type CollectionRestoreSpec,
  type RestoreJobView,
} from '../common/atlas-views';
import {
  ATLAS_API_ERROR_TYPE,
  DEFAULT_RESTORE_DEADLINE,
  OUTCOME_MEMO,
  RESTORE_WAIT_WINDOW_MS,
  RestoreFailureType,
  searchAttributes,
  type OutcomeMemo,
  type RestoreFailureDetails,
  type RestoreOutcomeName,
  type RestorePhase,
  type RestoreResult,
  type RestoreStatus,
} from '../common/contract';
import { capabilitiesOf, isDeploymentKind, type DeploymentKind } from '../common/deployment-kinds';
import { formatDuration, parseDuration } from '../common/duration';
import { restoreCancelledSignal, statusQuery } from '../common/queries';
import { capabilityIssues } from '../common/capability-issues';
import type { RestoreRequest, RestoreRequestInput, RestoreScope } from '../common/restore-request';
import { renderDetails } from '../common/restore-details';
import { ValidationFailureType, type ValidationReport } from '../common/validation-report';
import { legacyRestore, type RestoreContinuation } from './restore-v1';
import {
  atlasErrorIn,
  atlasReason,
  describeSource,
  fieldPrefix,
  invalidRequest,
  isoSeconds,
  messageOf,
  outcomeOf,
} from './shared';

export { statusQuery, type RestoreContinuation };

/** Marks runs of this generation; replays of older histories (no marker) take `legacyRestore`. */
export const RESTORE_V2_PATCH = 'restore-v2';
/**
 * Marks runs whose request the worker checks in a local activity instead of in the sandbox, which
 * evaluates every module a workflow imports once per workflow: building the request's zod schemas there
 * cost about 10 ms of CPU per restore. Such runs are of the `restore-v2` generation; the older marker is
 * then not written.
 */
export const REQUEST_CHECK_PATCH = 'request-check-activity';

/**
 * Atlas' clock and Temporal's may disagree a little; a job whose id says it was created up to this long
 * before the workflow began is still taken as this workflow's own.
 */
const CLOCK_SKEW_ALLOWANCE_SECONDS = 60;
/** POST attempts before submission gives up (each after a fresh look for the job it may have created). */
const SUBMIT_ATTEMPTS = 8;
/** How long a deployment may stay busy after the backup change before the restore gives up (Terraform's figure). */
const IDLE_WAIT_LIMIT_MS = 3 * 3_600_000;
/** Without a sighting of UPDATING, IDLE after a change is believed only after this long (and two max intervals). */
const MIN_IDLE_SETTLE_MS = 30_000;
/** Time the checks themselves may take once connected (the connection wait is the request's own bound). */
const VALIDATION_CHECKS_MS = 15 * 60_000;
/** Servers before 1.20 never suggest continuing as new; this bound keeps such runs well under the warning. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 5_000;

/**
 * The short Atlas calls: local activities. A 429 waits its Retry-After (nextRetryDelay); other transient
 * errors back off to a minute; eight attempts span about three minutes. Waited for when cancelled, so a
 * call in flight has landed or failed before the cleanup reads Atlas.
 */
const calls = proxyLocalActivities<RestoreActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The request's check: plain CPU on the worker, no Atlas call. A failure is a worker fault, not the
 * request's, so it is retried briefly and then fails the restore.
 */
const { checkRestoreRequest } = proxyLocalActivities<RestoreActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

/**
 * The POST is a regular activity with one attempt: its ActivityTaskScheduled event records, before the
 * request leaves, that a job may exist, so a look after a crash adopts it instead of posting again (a
 * local activity's marker would only be written after the call). Waited for when cancelled.
 */
const { createRestoreJob, createCollectionRestoreJob } = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/**
 * The waits: polling is read-only, so a cancelled restore does not wait for them (TRY_CANCEL: the run
 * closes at once; the activity notices at its next heartbeat). The heartbeat timeout comes from the request
 * (`polling.failoverAfter`): a killed worker's wait moves elsewhere after it.
 */
function waitsFor(request: RestoreRequest) {
  return proxyActivities<RestoreActivities>({
    startToCloseTimeout: RESTORE_WAIT_WINDOW_MS + 3_600_000,
    heartbeatTimeout: parseDuration(request.polling.failoverAfter)!,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  });
}

export async function restoreSnapshot(
  input: RestoreRequestInput,
  continuation?: RestoreContinuation,
): Promise<RestoreResult> {
  if (patched(REQUEST_CHECK_PATCH)) {
    // A continued run's request is the one its first run checked: continueAsNew passes it on.
    if (continuation) return new RestoreRun(input as RestoreRequest, continuation).run();
    // The check is a local activity, so a query may come in before it answers.
    let status = checkingStatus(input);
    setHandler(statusQuery, () => ({ ...status }));
    const checked = await checkRestoreRequest(input);
    if (!checked.ok) {
      status = { ...status, phase: 'done', outcome: 'invalid_request', reason: checked.message };
      refuse(checked.message);
    }
    return new RestoreRun(checked.value, continuation).run();
  }
  // Runs that began before the check moved out of the sandbox parse here, as they did; the schemas are
  // loaded for them alone.
  const v2 = patched(RESTORE_V2_PATCH);
  const { parseRestoreRequest } = await import(/* webpackMode: "eager" */ '../common/restore-request');
  const parsed = parseRestoreRequest(input);
  if (!parsed.ok) {
    if (v2) refuse(parsed.message);
    throw invalidRequest(parsed.message);
  }
  if (!v2) return legacyRestore(parsed.value, continuation);
  return new RestoreRun(parsed.value, continuation).run();
}

/** What the status query answers while the request is being checked: the deadline it asks for, if any. */
function checkingStatus(input: unknown): RestoreStatus {
  const startedAt = workflowInfo().startTime.toISOString();
  const asked =
    typeof input === 'object' && input !== null && 'deadline' in input && typeof input.deadline === 'string'
      ? parseDuration(input.deadline)
      : undefined;
  return startStatus(startedAt, Date.parse(startedAt) + (asked ?? parseDuration(DEFAULT_RESTORE_DEADLINE)!));
}

/** A restore's status before its first step: started, polled nothing, due by its deadline. */
function startStatus(startedAt: string, deadlineAt: number): RestoreStatus {
  return { phase: 'validating', polls: 0, deadline: new Date(deadlineAt).toISOString(), startedAt };
}

/** Closes a restore whose request is invalid; one upsert, in the task that fails, shows it ended and why. */
function refuse(message: string): never {
  upsertSearchAttributes([
    { key: searchAttributes.restorePhase, value: 'done' },
    { key: searchAttributes.restoreOutcome, value: 'invalid_request' },
  ]);
  throw invalidRequest(message);
}

/** Phases that last long enough to be worth an upsert (one Action each); the others show in the status. */
const LASTING_PHASES: ReadonlySet<RestorePhase> = new Set([
  'waiting_for_idle',
  'restoring',
  'validating_data',
]);

/**
 * Like `Promise.all`, but when several reads fail the one reported is the first in the list, not the first
 * to arrive: an unknown source project also fails the snapshot read, and the error must name the source
 * whatever the timing. No rejection is left unhandled.
 */
async function firstFailureInOrder<T extends readonly unknown[]>(reads: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(reads);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * How many times a restore carries on after an activity was cancelled by its worker shutting down rather
 * than by anyone cancelling the restore; past that the cancellation is an error like any other.
 */
const WORKER_CUT_SHORT_RETRIES = 5;

class RestoreRun {
  /** Known from the start unless the request said `auto`; then once the source has been found. */
  private kind?: DeploymentKind;
  private targetKind?: DeploymentKind;
  private readonly startedAt: string;
  private readonly deadlineAt: number;
  private readonly initialIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly waits: ReturnType<typeof waitsFor>;
  private readonly status: RestoreStatus;
  private continuousBackup = { wasEnabled: false, changed: false };
  private source?: DeploymentState;
  private snapshotId?: string;
  /** Unix seconds of the moment the restored data is from (snapshot time or point in time). */
  private restoredToSeconds?: number;
  private job?: RestoreJobView;
  /** For a collection- or database-level restore: its job as last seen. */
  private collectionJob?: CollectionRestoreJobView;
  private earlierPolls = 0;
  private deadlinePassed = false;
  /** When this restore turned continuous backup on, and whether the deployment has settled since. */
  private backupChangedAt?: number;
  private backupSettled = false;
  /** How many times an activity of this restore was cut short by its worker's shutdown. */
  private cutShort = 0;
  private outcome?: RestoreOutcomeName;

  constructor(
    private readonly request: RestoreRequest,
    private readonly continuation?: RestoreContinuation,
  ) {
    const requested = continuation?.kind ?? request.source.kind;
    if (isDeploymentKind(requested)) this.kind = requested;
    this.startedAt = continuation?.startedAt ?? workflowInfo().startTime.toISOString();
    this.deadlineAt = Date.parse(this.startedAt) + parseDuration(request.deadline)!;
    this.initialIntervalMs = parseDuration(request.polling.initialInterval)!;
    this.maxIntervalMs = parseDuration(request.polling.maxInterval)!;
    this.waits = waitsFor(request);
    this.status = startStatus(this.startedAt, this.deadlineAt);
    if (this.kind) this.status.kind = this.kind;
    if ('pointInTimeUtcSeconds' in request.snapshot) this.restoredTo(request.snapshot.pointInTimeUtcSeconds);
    if (continuation) {
      this.continuousBackup = continuation.continuousBackup;
      this.snapshotId = continuation.snapshotId;
      this.status.snapshotId = continuation.snapshotId;
      if (continuation.restoredToSeconds !== undefined) this.restoredTo(continuation.restoredToSeconds);
      if (continuation.targetKind) this.targetKind = this.status.targetKind = continuation.targetKind;
      this.status.submittedAt = continuation.submittedAt;
      this.earlierPolls = continuation.earlierPolls;
      if (continuation.progress.lastJob) this.seen(asRestoreJobView(continuation.progress.lastJob));
      this.status.restoreJobId = continuation.restoreJobId;
      this.showPolls(continuation.progress);
    }
    setHandler(statusQuery, () => ({ ...this.status }));
  }

  /** The source as activities take it; only asked for once the kind is known. */
  private get sourceRef(): DeploymentRef {
    const { groupId, name } = this.request.source;
    if (!this.kind) throw new Error('the source kind is not resolved yet');
    return { kind: this.kind, groupId, name };
  }

  private get targetRef(): DeploymentRef {
    const { groupId, name } = this.request.target;
    if (!this.targetKind) throw new Error('the target kind is not known yet');
    return { kind: this.targetKind, groupId, name };
  }

  private get capabilities() {
    return capabilitiesOf(this.sourceRef.kind);
  }

  async run(): Promise<RestoreResult> {
    const remainingMs = this.deadlineAt - Date.now();
    if (remainingMs <= 0) throw this.ended(this.deadlineExceeded());
    const restore = new CancellationScope();
    // The deadline timer is left running when the restore ends first (a closed run drops it, so a
    // successful restore's timeline ends without a "Timer Canceled" row); when it fires, the restore's
    // scope is cancelled and the run ends with its own outcome.
    void CancellationScope.nonCancellable(() =>
      sleep(remainingMs, {
        summary: `deadline: ${this.request.deadline} after the start (${this.status.deadline})`,
      }),
    ).then(() => {
      this.deadlinePassed = true;
      restore.cancel();
    });
    for (; ; this.cutShort++) {
      try {
        return await restore.run(() => this.restore());
      } catch (error) {
        if (error instanceof ContinueAsNew) throw error;
        if (isCancellation(error) && this.deadlinePassed) throw this.ended(this.deadlineExceeded());
        if (isCancellation(error) && CancellationScope.current().consideredCancelled)
          throw await CancellationScope.nonCancellable(() => this.cancelled());
        // Nobody cancelled the restore: an activity was cut short by its worker shutting down (a redeploy).
        // Every step can be taken again (reads, the look before a POST, the waits), so carry on.
        if (isCancellation(error) && this.cutShort < WORKER_CUT_SHORT_RETRIES) {
          log.warn('an activity was cancelled by its worker shutting down; carrying on', {
            phase: this.status.phase,
          });
          continue;
        }
        throw this.ended(this.asRestoreFailure(error));
      }
    }
  }

  private async restore(): Promise<RestoreResult> {
    // Taken again after a worker cut a step short, a restore whose job is known goes straight back to it.
    if (!this.continuation && !this.job && !this.collectionJob) {
      await this.preflight();
      await this.ensureContinuousBackup();
      if (this.request.scope) await this.submitCollections(this.request.scope);
      else await this.submit();
    }
    if (this.request.scope) await this.watchCollections();
    else await this.watch();
    if (this.request.validate) await this.validateData(this.request.validate);
    return this.finish();
  }

  /**
   * Proves the restored data: the validation activity connects to the target (waiting within the bound
   * for it to accept connections) and runs every check. A failing check ends the restore as
   * `validation_failed` with every check's result; so does a target that never accepted a connection.
   */
  private async validateData(spec: NonNullable<RestoreRequest['validate']>): Promise<void> {
    this.enter('validating_data');
    const checks = proxyActivities<RestoreActivities>({
      startToCloseTimeout: parseDuration(spec.connectTimeout)! + VALIDATION_CHECKS_MS,
      heartbeatTimeout: '1m',
      retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 3 },
      cancellationType: ActivityCancellationType.TRY_CANCEL,
    });
    let report: ValidationReport;
    try {
      report = await checks.validateRestore.executeWithOptions(
        {
          summary: `check the data restored into ${this.request.target.name} (${spec.checks.length} checks)`,
        },
        [
          {
            target: this.targetRef,
            source: this.sourceRef,
            ...(this.restoredToSeconds !== undefined ? { restoredToSeconds: this.restoredToSeconds } : {}),
            spec,
          },
        ],
      );
    } catch (error) {
      if (isCancellation(error)) throw error;
      const cause = error instanceof ActivityFailure ? error.cause : error;
      if (cause instanceof ApplicationFailure && cause.type === ValidationFailureType.ValidationUnreachable) {
        throw this.failure(
          RestoreFailureType.ValidationFailed,
          `the restored data could not be checked: ${cause.message}`,
          error,
        );
      }
      throw error;
    }
    this.status.validation = report;
    this.status.validatedAt = report.validatedAt;
    if (!report.ok) {
      const failed = report.checks.filter((check) => !check.ok);
      throw this.failure(
        RestoreFailureType.ValidationFailed,
        `${failed.length} of ${report.checks.length} checks of the restored data failed: ${failed.map((check) => `${check.name}: ${check.summary}`).join('; ')}`.slice(
          0,
          2_000,
        ),
      );
    }
  }

  /**
   * Everything that can be checked before Atlas is changed: the source (its kind, for `auto`), the target
   * (exists, of a kind the source restores into, of a fitting topology), the snapshot (exists and is
   * completed, or the latest completed one) or the point in time. The reads run side by side.
   */
  private async preflight(): Promise<void> {
    this.enter('validating');
    const { source } = this.request;
    let snapshot: SnapshotView | null | undefined;
    let target: DeploymentState;
    if (this.kind) {
      [this.source, target, snapshot] = await firstFailureInOrder([
        this.call('getDeployment', () =>
          calls.getDeployment.executeWithOptions({ summary: `read source ${source.name}` }, [this.sourceRef]),
        ),
        this.readTarget(),
        this.readSnapshot(),
      ] as const);
    } else {
      this.source = await this.call('resolveDeployment', () =>
        calls.resolveDeployment.executeWithOptions({ summary: `find the kind of source ${source.name}` }, [
          { groupId: source.groupId, name: source.name },
        ]),
      );
      this.resolved(this.source.kind);
      [target, snapshot] = await firstFailureInOrder([this.readTarget(), this.readSnapshot()] as const);
    }
    this.checkTarget(target);
    // Read again after a step was cut short, the source shows the change this restore made.
    if (!this.continuousBackup.changed)
      this.continuousBackup.wasEnabled = this.source.continuousBackupEnabled;
    if ('pointInTimeUtcSeconds' in this.request.snapshot) {
      this.checkPointInTime(this.request.snapshot.pointInTimeUtcSeconds, this.source);
      return;
    }
    if (!snapshot) {
      throw this.failure(
        RestoreFailureType.RestoreFailed,
        `${describeSource(this.sourceRef)} has no completed snapshot to restore`,
      );
    }
    if (snapshot.status !== 'completed') {
      throw invalidRequest(
        `snapshot.snapshotId: snapshot ${snapshot.id} of ${describeSource(this.sourceRef)} is ${snapshot.status}; only completed snapshots can be restored`,
      );
    }
    this.snapshotId = this.status.snapshotId = snapshot.id;
    if (snapshot.createdAt) this.restoredTo(Math.floor(Date.parse(snapshot.createdAt) / 1000));
  }

  /** The snapshot asked for, the latest completed one (null if none), or undefined for a point in time. */
  private async readSnapshot(): Promise<SnapshotView | null | undefined> {
    const selector = this.request.snapshot;
    if ('snapshotId' in selector) {
      return this.call('getSnapshot', () =>
        calls.getSnapshot.executeWithOptions({ summary: `read snapshot ${selector.snapshotId}` }, [
          this.sourceRef,
          selector.snapshotId,
        ]),
      );
    }
    if ('latest' in selector) {
      return this.call('findLatestCompletedSnapshot', () =>
        calls.findLatestCompletedSnapshot.executeWithOptions(
          { summary: `find the latest completed snapshot of ${this.request.source.name}` },
          [this.sourceRef],
        ),
      );
    }
    return undefined;
  }

  /** The target, asked first as the kinds the source restores into; an Atlas refusal names the field. */
  private async readTarget(): Promise<DeploymentState> {
    const { groupId, name } = this.request.target;
    try {
      return await calls.resolveDeployment.executeWithOptions({ summary: `read target ${name}` }, [
        { groupId, name },
        this.capabilities.restoresInto,
      ]);
    } catch (error) {
      const atlasError = atlasErrorIn(error);
      if (!atlasError || atlasError.retryable) throw error;
      const field = atlasError.errorCode === 'GROUP_NOT_FOUND' ? 'target.groupId' : 'target.name';
      throw this.failure(
        RestoreFailureType.RestoreFailed,
        `${field}: ${atlasError.status === 404 ? `no deployment named ${name} in project ${groupId}: ` : ''}${atlasReason(error, 'resolveDeployment')}`,
        error,
      );
    }
  }

  /** The target must be of a kind this source restores into and, where topology matters, fit it. */
  private checkTarget(target: DeploymentState): void {
    const capabilities = this.capabilities;
    if (!capabilities.restoresInto.includes(target.kind)) {
      const into = capabilities.restoresInto.map((kind) => `${capabilitiesOf(kind).label}s`).join(' or ');
      throw invalidRequest(
        `target.name: ${target.name} is a ${capabilitiesOf(target.kind).label}; a ${capabilities.label} snapshot restores only into ${into}`,
      );
    }
    const from = this.source?.topology;
    const into = target.topology;
    if (from && into) {
      if (from.sharded && (!into.sharded || into.shards !== from.shards)) {
        throw invalidRequest(
          `target.name: ${target.name} is ${into.sharded ? `a sharded cluster of ${into.shards} shards` : 'a replica set'}; a snapshot of a sharded cluster of ${from.shards} shards restores only into a sharded cluster with as many shards`,
        );
      }
      if (!from.sharded && into.sharded && this.capabilities.continuousBackup === null) {
        // Flex snapshots restore only into replica sets (docs/atlas.md#flex-clusters).
        throw invalidRequest(
          `target.name: ${target.name} is a sharded cluster; a ${capabilities.label} snapshot restores only into a replica set`,
        );
      }
    }
    this.targetKind = this.status.targetKind = target.kind;
  }

  /** An `auto` source turned out to be of this kind: record it, and hold the request to what the kind can do. */
  private resolved(kind: DeploymentKind): void {
    this.kind = kind;
    this.status.kind = kind;
    const issues = capabilityIssues(kind, this.request);
    if (issues.length > 0) {
      throw invalidRequest(
        `source.kind auto resolved ${this.request.source.name} to a ${capabilitiesOf(kind).label}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    this.publish();
  }

  /**
   * Rejects what cannot succeed before anything is changed. Where the kind leaves the window to the
   * deployment's backup policy (a dedicated cluster's `restoreWindowDays`, which the API we call does not
   * return), Atlas checks it and its 400 (errorCode, detail) ends the restore instead.
   */
  private checkPointInTime(pointInTime: number, source: DeploymentState): void {
    const field = 'snapshot.pointInTimeUtcSeconds';
    const now = Math.floor(Date.now() / 1000);
    if (pointInTime > now) {
      throw invalidRequest(`${field}: ${isoSeconds(pointInTime)} is in the future (now ${isoSeconds(now)})`);
    }
    const windowSeconds = this.capabilities.pointInTime?.windowSeconds;
    if (windowSeconds != null && pointInTime < now - windowSeconds) {
      throw invalidRequest(
        `${field}: ${isoSeconds(pointInTime)} is outside the ${windowSeconds / 3600} h point-in-time window of continuous backup on a ${this.capabilities.label} (oldest ${isoSeconds(now - windowSeconds)})`,
      );
    }
    if (!source.continuousBackupEnabled) {
      // Enabling it now would not help: the point-in-time history starts when continuous backup is turned on.
      throw invalidRequest(
        `${field}: a point-in-time restore needs continuous backup, which is off on ${describeSource(this.sourceRef)}; turning it on now cannot cover a moment in the past`,
      );
    }
  }

  /** Turns continuous backup on where the kind has it and the request did not say no, and waits for IDLE. */
  private async ensureContinuousBackup(): Promise<void> {
    const wanted = this.request.ensureContinuousBackup ?? this.capabilities.continuousBackup !== null;
    if (this.continuousBackup.changed && !this.backupSettled) {
      // Taken again after a worker cut the wait short: the PATCH went out, the wait for IDLE goes on.
      this.enter('waiting_for_idle');
      await this.waitForIdle(this.source!, this.backupChangedAt!);
      this.backupSettled = true;
      return;
    }
    if (this.source!.continuousBackupEnabled || !wanted) return;
    this.enter('enabling_backup');
    const changedAt = Date.now();
    const setting = this.capabilities.continuousBackup?.setting;
    // A summary is user metadata only: changing its words changes no command, so replay is unaffected.
    const updated = await this.call('setContinuousBackup', () =>
      calls.setContinuousBackup.executeWithOptions(
        {
          summary: `turn on continuous backup on ${this.request.source.name}${setting ? ` (${setting})` : ''}`,
        },
        [this.sourceRef, true],
      ),
    );
    this.continuousBackup.changed = true;
    this.backupChangedAt = changedAt;
    this.enter('waiting_for_idle');
    await this.waitForIdle(updated, changedAt);
    this.backupSettled = true;
  }

  private async waitForIdle(updated: DeploymentState, changedAt: number): Promise<void> {
    const limitAt = Math.min(this.deadlineAt, changedAt + IDLE_WAIT_LIMIT_MS);
    // The PATCH answer says UPDATING whatever a GET right after shows, so only a polled state counts.
    let progress: IdleWaitProgress = { ...this.freshProgress(), sawNonIdle: false, last: updated };
    for (;;) {
      const result = await this.waits.waitForDeploymentIdle.executeWithOptions(
        { summary: `wait until ${this.request.source.name} is IDLE with continuous backup on` },
        [
          {
            deployment: this.sourceRef,
            expectContinuousBackup: true,
            changedAt,
            settleMs: Math.max(MIN_IDLE_SETTLE_MS, 2 * this.maxIntervalMs),
            schedule: {
              initialIntervalMs: this.initialIntervalMs,
              maxIntervalMs: this.maxIntervalMs,
              deadlineAt: limitAt,
            },
            progress,
            windowMs: RESTORE_WAIT_WINDOW_MS,
          },
        ],
      );
      progress = result.progress;
      this.showPolls(progress);
      switch (result.outcome) {
        case 'idle':
          this.earlierPolls += progress.polls;
          return;
        case 'not_applied':
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `continuous backup did not take effect on ${describeSource(this.sourceRef)}: it is ${result.deployment.stateName} with ${this.capabilities.continuousBackup?.setting ?? 'continuous backup'} still off (serverless instances that Atlas moved onto Flex ignore the setting)`,
          );
        case 'deadline':
          if (limitAt === this.deadlineAt) {
            this.deadlinePassed = true;
            throw this.deadlineExceeded();
          }
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `${describeSource(this.sourceRef)} was still ${progress.last?.stateName ?? 'busy'} ${formatDuration(IDLE_WAIT_LIMIT_MS)} after continuous backup was turned on`,
          );
        case 'window':
          this.publish();
      }
    }
  }

  /**
   * Exactly one job: look for it before every POST, and POST again only after a failure that proves
   * nothing was created (never after a timeout, a reset or a 5xx, which may hide a created job: those lead
   * to another look first).
   */
  private async submit(): Promise<void> {
    this.enter('submitting');
    const match = this.jobMatch();
    const spec: RestoreJobSpec = { delivery: match.delivery, target: match.target };
    if (match.snapshotId !== undefined) spec.snapshotId = match.snapshotId;
    if (match.pointInTimeUtcSeconds !== undefined) spec.pointInTimeUtcSeconds = match.pointInTimeUtcSeconds;
    const into = `${this.request.target.name}${this.request.target.groupId !== this.request.source.groupId ? ` (project ${this.request.target.groupId})` : ''}`;

    for (let attempt = 1; ; attempt++) {
      const existing = await this.call('findRestoreJob', () =>
        calls.findRestoreJob.executeWithOptions(
          { summary: `look for a restore job into ${into} this restore already created` },
          // A POST cut short may have made a job that has finished since: then any job of ours counts.
          [this.sourceRef, { ...match, inProgressOnly: attempt === 1 && this.cutShort === 0 }],
        ),
      );
      if (existing) return this.submitted(existing, 'adopted');
      try {
        const created = await createRestoreJob.executeWithOptions(
          { summary: `submit the restore job into ${into} (attempt ${attempt})` },
          [this.sourceRef, spec],
        );
        return this.submitted(created, 'created');
      } catch (error) {
        if (isCancellation(error)) throw error;
        const atlasError = atlasErrorIn(error);
        if (atlasError?.status === 409) {
          // Atlas runs one restore into a target at a time; ours was not created (409 proves it).
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `target.name: another restore into ${this.request.target.name} is running in Atlas, which refused this one; start again once it has ended (409${atlasError.errorCode ? ` ${atlasError.errorCode}` : ''}${atlasError.detail ? `: ${atlasError.detail}` : ''})`,
            error,
          );
        }
        if (atlasError && !atlasError.retryable) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `${fieldPrefix('createRestoreJob', atlasError)}Atlas refused the restore job: ${atlasReason(error)}`,
            error,
          );
        }
        if (attempt >= SUBMIT_ATTEMPTS) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `could not submit the restore job in ${attempt} attempts (${messageOf(error)})`,
            error,
          );
        }
        this.status.lastError = messageOf(error);
        this.publish();
        const backoffMs = Math.min(this.maxIntervalMs, this.initialIntervalMs * 2 ** (attempt - 1));
        await sleep(Math.max(backoffMs, atlasError?.retryAfterMs ?? 0), {
          summary: `back off before submitting again (attempt ${attempt} failed)`,
        });
      }
    }
  }

  private jobMatch(): RestoreJobMatch {
    const selector = this.request.snapshot;
    const match: RestoreJobMatch = {
      delivery: 'pointInTimeUtcSeconds' in selector ? 'pointInTime' : 'automated',
      target: { groupId: this.request.target.groupId, name: this.request.target.name },
      createdAtOrAfterSeconds: Math.floor(Date.parse(this.startedAt) / 1000) - CLOCK_SKEW_ALLOWANCE_SECONDS,
    };
    if ('pointInTimeUtcSeconds' in selector) match.pointInTimeUtcSeconds = selector.pointInTimeUtcSeconds;
    else match.snapshotId = this.snapshotId;
    return match;
  }

  private submitted(job: RestoreJobView, how: 'created' | 'adopted'): void {
    log.info(`restore job ${how}`, { restoreJobId: job.id });
    this.seen(asRestoreJobView(job));
    this.status.submittedAt = new Date(Date.now()).toISOString();
    this.status.restoreJobId = job.id;
    this.status.lastError = undefined;
  }

  /** The collection restore this request makes, in the kind-neutral create spec. */
  private collectionSpec(scope: RestoreScope): CollectionRestoreSpec {
    const selector = this.request.snapshot;
    const base = {
      target: { groupId: this.request.target.groupId, name: this.request.target.name },
      writeStrategy: scope.writeStrategy,
      indexStrategy: scope.indexStrategy,
      ...(scope.databases
        ? {
            databases: scope.databases.map((d) => ({
              source: d.name,
              ...(d.targetName ? { target: d.targetName } : {}),
            })),
          }
        : {}),
      ...(scope.collections
        ? {
            collections: scope.collections.map((c) => ({
              source: c.namespace,
              ...(c.targetNamespace ? { target: c.targetNamespace } : {}),
            })),
          }
        : {}),
      ...(scope.databaseSuffix ? { databaseSuffix: scope.databaseSuffix } : {}),
      ...(scope.collectionSuffix ? { collectionSuffix: scope.collectionSuffix } : {}),
    };
    return 'pointInTimeUtcSeconds' in selector
      ? { ...base, pointInTimeUtcSeconds: selector.pointInTimeUtcSeconds }
      : { ...base, snapshotId: this.snapshotId! };
  }

  /**
   * A collection- or database-level restore, exactly once like a whole one: look before every POST, post
   * again only after a failure proving nothing was created. Atlas runs one at a time per cluster: a 409
   * says another holds the target.
   */
  private async submitCollections(scope: RestoreScope): Promise<void> {
    this.enter('submitting');
    const spec = this.collectionSpec(scope);
    const what = `${(spec.databases?.length ?? 0) + (spec.collections?.length ?? 0)} namespace(s) into ${this.request.target.name}`;
    for (let attempt = 1; ; attempt++) {
      const existing = await this.call('findCollectionRestoreJob', () =>
        calls.findCollectionRestoreJob.executeWithOptions(
          { summary: `look for a collection restore of ${what} this restore already created` },
          [this.sourceRef, this.collectionJobMatch(spec, attempt === 1 && this.cutShort === 0)],
        ),
      );
      if (existing) return this.collectionsSubmitted(existing, 'adopted');
      try {
        const created = await createCollectionRestoreJob.executeWithOptions(
          { summary: `submit the collection restore of ${what} (attempt ${attempt})` },
          [this.sourceRef, spec],
        );
        return this.collectionsSubmitted(created, 'created');
      } catch (error) {
        if (isCancellation(error)) throw error;
        const atlasError = atlasErrorIn(error);
        if (atlasError?.status === 409) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `target.name: another restore into ${this.request.target.name} is running in Atlas (Atlas runs one collection restore per cluster at a time), which refused this one; start again once it has ended (409${atlasError.errorCode ? ` ${atlasError.errorCode}` : ''}${atlasError.detail ? `: ${atlasError.detail}` : ''})`,
            error,
          );
        }
        if (atlasError && !atlasError.retryable) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `${fieldPrefix('createRestoreJob', atlasError)}Atlas refused the collection restore: ${atlasReason(error)}`,
            error,
          );
        }
        if (attempt >= SUBMIT_ATTEMPTS) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `could not submit the collection restore in ${attempt} attempts (${messageOf(error)})`,
            error,
          );
        }
        this.status.lastError = messageOf(error);
        this.publish();
        const backoffMs = Math.min(this.maxIntervalMs, this.initialIntervalMs * 2 ** (attempt - 1));
        await sleep(Math.max(backoffMs, atlasError?.retryAfterMs ?? 0), {
          summary: `back off before submitting again (attempt ${attempt} failed)`,
        });
      }
    }
  }

  /** What a collection restore job this restore created looks like: its scope, made at or after its start. */
  private collectionJobMatch(spec: ReturnType<RestoreRun['collectionSpec']>, inProgressOnly: boolean) {
    const createdAtOrAfterSeconds =
      Math.floor(Date.parse(this.startedAt) / 1000) - CLOCK_SKEW_ALLOWANCE_SECONDS;
    return { ...spec, createdAtOrAfterSeconds, inProgressOnly };
  }

  private collectionsSubmitted(job: CollectionRestoreJobView, how: 'created' | 'adopted'): void {
    log.info(`collection restore job ${how}`, { restoreJobId: job.id });
    this.seenCollections(job);
    this.status.submittedAt = new Date(Date.now()).toISOString();
    this.status.restoreJobId = job.id;
    this.status.lastError = undefined;
  }

  /** Follows the collection restore; its document counts are the one Atlas restore progress there is. */
  private async watchCollections(): Promise<void> {
    this.enter('restoring');
    const jobId = this.status.restoreJobId!;
    let progress: CollectionRestoreWaitProgress = {
      ...this.freshProgress(),
      ...(this.collectionJob ? { lastJob: this.collectionJob } : {}),
    };
    for (;;) {
      const result = await this.waits.waitForCollectionRestoreJob.executeWithOptions(
        { summary: `follow collection restore job ${jobId} until it ends` },
        [
          {
            deployment: this.sourceRef,
            jobId,
            schedule: {
              initialIntervalMs: this.initialIntervalMs,
              maxIntervalMs: this.maxIntervalMs,
              deadlineAt: this.deadlineAt,
            },
            progress,
            windowMs: RESTORE_WAIT_WINDOW_MS,
            returnOnChange: true,
          },
        ],
      );
      progress = result.progress;
      const job = result.outcome === 'terminal' ? result.job : (result.job ?? progress.lastJob);
      if (job) this.seenCollections(job);
      this.showPolls(progress);
      switch (result.outcome) {
        case 'terminal':
          if (result.job.state === 'finished') {
            this.status.atlasFinishedAt = new Date(Date.now()).toISOString();
            return;
          }
          throw this.failure(
            result.job.state === 'cancelled'
              ? RestoreFailureType.RestoreCancelled
              : RestoreFailureType.RestoreFailed,
            `Atlas reports collection restore job ${jobId} ${result.job.atlasState}${result.job.errorMessage ? `: ${result.job.errorMessage}` : ''}`,
          );
        case 'deadline':
          this.deadlinePassed = true;
          throw this.deadlineExceeded();
        case 'changed':
        case 'window':
          this.publish();
      }
    }
  }

  private seenCollections(job: CollectionRestoreJobView): void {
    this.collectionJob = job;
    this.status.jobState = job.state;
    this.status.atlasStatus = job.atlasState;
    this.status.progress = collectionProgress(job);
    if (job.namespaces?.length) this.status.namespaces = job.namespaces;
  }

  private async watch(): Promise<void> {
    this.enter('restoring');
    const restoreJobId = this.status.restoreJobId!;
    // The job as last seen goes along, so the activity reports the first change it sees.
    let progress: RestoreWaitProgress = this.continuation?.progress ?? {
      ...this.freshProgress(),
      ...(this.job ? { lastJob: this.job } : {}),
    };
    for (;;) {
      const result = await this.waits.waitForRestoreJob.executeWithOptions(
        { summary: `follow restore job ${restoreJobId} until it ends` },
        [
          {
            deployment: this.sourceRef,
            restoreJobId,
            schedule: {
              initialIntervalMs: this.initialIntervalMs,
              maxIntervalMs: this.maxIntervalMs,
              deadlineAt: this.deadlineAt,
            },
            progress,
            windowMs: RESTORE_WAIT_WINDOW_MS,
            returnOnChange: true,
          },
        ],
      );
      progress = result.progress;
      if (progress.lastJob) this.seen(asRestoreJobView(progress.lastJob));
      this.showPolls(progress);
      switch (result.outcome) {
        case 'terminal':
          this.checkTerminal(result.state);
          // Seen by this workflow's clock, within one poll of the moment: Atlas' own finishedAt may run on
          // another clock (the simulator's is scaled), and RTO is measured on ours.
          this.status.atlasFinishedAt = new Date(Date.now()).toISOString();
          return;
        case 'expires_at_passed':
          throw this.failure(
            RestoreFailureType.RestoreExpired,
            `restore job ${restoreJobId} passed its expiresAt (${String(result.job.expiresAt)}) without finishing`,
          );
        case 'deadline':
          this.deadlinePassed = true;
          throw this.deadlineExceeded();
        case 'changed':
          this.publish();
          break;
        case 'window':
          this.publish();
          await this.continueAsNewIfLong(progress);
      }
    }
  }

  private checkTerminal(state: RestoreStatus['jobState']): void {
    const jobId = this.status.restoreJobId!;
    switch (state) {
      case 'finished':
      case 'download_ready':
        return;
      case 'failed':
        throw this.failure(RestoreFailureType.RestoreFailed, `Atlas reports restore job ${jobId} failed`);
      case 'expired':
        throw this.failure(RestoreFailureType.RestoreExpired, `Atlas reports restore job ${jobId} expired`);
      case 'cancelled':
      default:
        throw this.failure(
          RestoreFailureType.RestoreCancelled,
          `Atlas reports restore job ${jobId} was cancelled (not by this workflow)`,
        );
    }
  }

  private finish(): RestoreResult {
    this.end('finished');
    const timings: RestoreResult['timings'] = {
      startedAt: this.startedAt,
      submittedAt: this.status.submittedAt!,
      finishedAt: this.status.endedAt!,
    };
    if (this.status.atlasFinishedAt) timings.atlasFinishedAt = this.status.atlasFinishedAt;
    if (this.status.validatedAt) timings.validatedAt = this.status.validatedAt;
    const result: RestoreResult = {
      outcome: 'finished',
      kind: this.sourceRef.kind,
      restoreJobId: this.status.restoreJobId!,
      restoreJob: this.job ?? asRestoreJobView({ id: this.status.restoreJobId! }),
      continuousBackup: this.continuousBackup,
      timings,
      polls: this.status.polls,
    };
    if (this.targetKind) result.targetKind = this.targetKind;
    if (this.snapshotId !== undefined) result.snapshotId = this.snapshotId;
    if ('pointInTimeUtcSeconds' in this.request.snapshot)
      result.pointInTimeUtcSeconds = this.request.snapshot.pointInTimeUtcSeconds;
    if (this.status.rto) result.rto = this.status.rto;
    if (this.status.rpo) result.rpo = this.status.rpo;
    if (this.status.validation) result.validation = this.status.validation;
    if (this.collectionJob) {
      const namespaces = this.collectionJob.namespaces ?? [];
      result.collections = {
        ...(this.collectionJob.restoredDocuments !== undefined
          ? { restoredDocuments: this.collectionJob.restoredDocuments }
          : {}),
        ...(this.collectionJob.totalDocuments !== undefined
          ? { totalDocuments: this.collectionJob.totalDocuments }
          : {}),
        namespaces,
      };
    }
    return result;
  }

  private async continueAsNewIfLong(progress: RestoreWaitProgress): Promise<void> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < CONTINUE_AS_NEW_AFTER_EVENTS) return;
    const next: RestoreContinuation = {
      kind: this.sourceRef.kind,
      startedAt: this.startedAt,
      submittedAt: this.status.submittedAt!,
      restoreJobId: this.status.restoreJobId!,
      continuousBackup: this.continuousBackup,
      earlierPolls: this.earlierPolls,
      progress,
    };
    if (this.snapshotId !== undefined) next.snapshotId = this.snapshotId;
    if (this.targetKind) next.targetKind = this.targetKind;
    if (this.restoredToSeconds !== undefined) next.restoredToSeconds = this.restoredToSeconds;
    log.info('continuing as new', { historyLength: info.historyLength, polls: this.status.polls });
    // Search attributes and memo carry over to the new run when none are given.
    await continueAsNew<typeof restoreSnapshot>(this.request, next);
  }

  /**
   * The workflow was cancelled (its waits were abandoned, its calls in flight have settled): cancel in Atlas
   * what Atlas can cancel, say plainly what still runs there, and close the run as Canceled with that
   * sentence in the memo and the status.
   */
  private async cancelled(): Promise<CancelledFailure> {
    const message = await this.cancelInAtlas();
    const text = `${message}${this.continuousBackup.changed ? ' Continuous backup stays on.' : ''}`;
    this.status.reason = text;
    this.end('cancelled');
    const memo: OutcomeMemo = { outcome: 'cancelled', message: text };
    if (this.status.restoreJobId) memo.restoreJobId = this.status.restoreJobId;
    upsertMemo({ [OUTCOME_MEMO]: memo });
    // A drill that started this restore hears what goes on in Atlas (a Canceled close carries no message).
    const parent = workflowInfo().parent;
    if (parent) {
      await getExternalWorkflowHandle(parent.workflowId)
        .signal(restoreCancelledSignal, { workflowId: workflowInfo().workflowId, message: text })
        .catch(() => undefined);
    }
    return new CancelledFailure(text);
  }

  private async cancelInAtlas(): Promise<string> {
    let job = this.job;
    if (!job && !this.collectionJob && this.status.phase === 'submitting' && this.request.scope) {
      // Likewise for a collection restore, whose jobs are listed apart from whole-deployment ones.
      const found = await calls.findCollectionRestoreJob
        .executeWithOptions(
          { summary: 'look for a collection restore job submitted just before the cancel' },
          [this.sourceRef, this.collectionJobMatch(this.collectionSpec(this.request.scope), false)],
        )
        .catch(() => null);
      if (found) this.seenCollections(found);
    } else if (!job && this.status.phase === 'submitting') {
      // A POST may have gone through just before the cancellation; name its job rather than lose it.
      const found = await calls.findRestoreJob
        .executeWithOptions({ summary: 'look for a restore job submitted just before the cancel' }, [
          this.sourceRef,
          this.jobMatch(),
        ])
        .catch(() => null);
      if (found) job = asRestoreJobView(found);
    }
    if (this.collectionJob) {
      if (this.status.phase === 'validating_data')
        return `restore cancelled during validation; Atlas had finished collection restore job ${this.collectionJob.id}.`;
      return `restore cancelled and polling stopped, but Atlas continues collection restore job ${this.collectionJob.id} into ${this.request.target.name}: collection restores cannot be cancelled through the Atlas API.`;
    }
    if (!job) return 'restore cancelled before a restore job was submitted; nothing runs in Atlas.';
    this.seen(job);
    this.status.restoreJobId = job.id;
    if (this.status.phase === 'validating_data')
      return `restore cancelled during validation; Atlas had finished restore job ${job.id}, and the target holds its data.`;
    if (this.capabilities.cancellableDeliveries.includes(job.delivery)) {
      try {
        await this.call('cancelRestoreJob', () =>
          calls.cancelRestoreJob.executeWithOptions({ summary: `cancel Atlas job ${job.id}` }, [
            this.sourceRef,
            job.id,
          ]),
        );
        return `restore cancelled; Atlas ${job.delivery} job ${job.id} was cancelled too.`;
      } catch (error) {
        return `restore cancelled, but Atlas did not cancel ${job.delivery} job ${job.id}, which continues in Atlas (${messageOf(error)}).`;
      }
    }
    return `restore cancelled and polling stopped, but Atlas continues restore job ${job.id} into ${this.request.target.name}: ${this.capabilities.label} ${job.delivery} restore jobs cannot be cancelled through the Atlas API.`;
  }

  private deadlineExceeded(): ApplicationFailure {
    const still = this.status.restoreJobId
      ? `; Atlas continues restore job ${this.status.restoreJobId} (last seen ${this.status.jobState ?? 'in_progress'})`
      : '';
    return this.failure(
      RestoreFailureType.RestoreDeadlineExceeded,
      `restore did not finish within its deadline of ${this.request.deadline} (phase ${this.status.phase})${still}`,
    );
  }

  /**
   * Runs one local activity. Its failure arrives without the ActivityFailure a regular activity's has, so
   * the call's name is added here, naming the request field an Atlas refusal is about.
   */
  private async call<T>(activityType: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isCancellation(error) || !(error instanceof ApplicationFailure)) throw error;
      if (error.type !== ATLAS_API_ERROR_TYPE) throw error;
      throw this.failure(
        RestoreFailureType.RestoreFailed,
        `${fieldPrefix(activityType, atlasErrorIn(error))}${atlasReason(error, activityType)}`,
        error,
      );
    }
  }

  /** Any failure that is not already one of ours: an Atlas call that failed for good, or ran out of retries. */
  private asRestoreFailure(error: unknown): unknown {
    if (error instanceof ApplicationFailure) return error;
    if (error instanceof ActivityFailure) {
      return this.failure(
        RestoreFailureType.RestoreFailed,
        `${fieldPrefix(error.activityType, atlasErrorIn(error))}${atlasReason(error, error.activityType)}`,
        error,
      );
    }
    return error;
  }

  private failure(type: RestoreFailureType, message: string, cause?: unknown): ApplicationFailure {
    const details: RestoreFailureDetails = {};
    if (this.status.restoreJobId) details.restoreJobId = this.status.restoreJobId;
    if (this.job) details.lastJob = this.job;
    const atlasError = atlasErrorIn(cause);
    if (atlasError) details.atlasError = atlasError;
    if (this.status.validation) details.validation = this.status.validation;
    const times: NonNullable<RestoreFailureDetails['times']> = {};
    if (this.status.submittedAt) times.submittedAt = this.status.submittedAt;
    if (this.status.atlasFinishedAt) times.atlasFinishedAt = this.status.atlasFinishedAt;
    if (this.status.validatedAt) times.validatedAt = this.status.validatedAt;
    if (Object.keys(times).length > 0) details.times = times;
    if (this.snapshotId) details.snapshotId = this.snapshotId;
    if (this.status.restoredTo) details.restoredTo = this.status.restoredTo;
    this.grade();
    if (this.status.rto) details.rto = this.status.rto;
    if (this.status.rpo) details.rpo = this.status.rpo;
    return ApplicationFailure.create({
      type,
      message,
      nonRetryable: true,
      details: [details],
      cause: cause instanceof Error ? cause : undefined,
    });
  }

  /** Records how a failing run ended (search attributes, status, details) and hands the failure back. */
  private ended(failure: unknown): unknown {
    if (failure instanceof ApplicationFailure) {
      this.status.reason = failure.message;
      this.end(outcomeOf(failure));
    }
    return failure;
  }

  /** Marks the run over for the Web UI and visibility queries, however it ended, in one upsert. */
  private end(outcome: RestoreOutcomeName): void {
    this.outcome = this.status.outcome = outcome;
    this.status.endedAt = new Date(Date.now()).toISOString();
    this.grade();
    this.enter('done');
  }

  /** RTO and RPO as far as they are known, against the request's objectives. */
  private grade(): void {
    const started = Date.parse(this.startedAt);
    const objectives = this.request.objectives;
    if (this.status.atlasFinishedAt) {
      const rto: NonNullable<RestoreStatus['rto']> = {
        toAtlasDoneSeconds: Math.round((Date.parse(this.status.atlasFinishedAt) - started) / 1000),
      };
      if (this.status.validatedAt)
        rto.toValidatedSeconds = Math.round((Date.parse(this.status.validatedAt) - started) / 1000);
      if (objectives?.rto) {
        rto.objectiveSeconds = parseDuration(objectives.rto)! / 1000;
        const reached = this.request.validate ? rto.toValidatedSeconds : rto.toAtlasDoneSeconds;
        rto.met = reached !== undefined && reached <= rto.objectiveSeconds;
      }
      this.status.rto = rto;
    }
    if (this.restoredToSeconds !== undefined) {
      const rpo: NonNullable<RestoreStatus['rpo']> = {
        restoredTo: isoFromSeconds(this.restoredToSeconds),
        seconds: Math.max(0, Math.round(started / 1000) - this.restoredToSeconds),
      };
      if (objectives?.rpo) {
        rpo.objectiveSeconds = parseDuration(objectives.rpo)! / 1000;
        rpo.met = rpo.seconds <= rpo.objectiveSeconds;
      }
      this.status.rpo = rpo;
    }
  }

  private restoredTo(seconds: number): void {
    this.restoredToSeconds = seconds;
    this.status.restoredTo = isoFromSeconds(seconds);
  }

  private seen(job: RestoreJobView): void {
    this.job = job;
    this.status.jobState = job.state;
    if (job.atlasStatus) this.status.atlasStatus = job.atlasStatus;
  }

  private freshProgress(): PollProgress {
    return { polls: 0, intervalMs: this.initialIntervalMs, nextPollAt: 0, consecutiveErrors: 0 };
  }

  private showPolls(progress: PollProgress & { jobState?: RestoreStatus['jobState'] }): void {
    this.status.polls = this.earlierPolls + progress.polls;
    if (progress.lastPolledAt) this.status.lastPolledAt = progress.lastPolledAt;
    this.status.lastError = progress.lastError;
    if (progress.jobState) this.status.jobState = progress.jobState;
  }

  private enter(phase: RestorePhase): void {
    if (this.status.phase !== phase) log.info('restore phase', { phase });
    this.status.phase = phase;
    if (LASTING_PHASES.has(phase) || phase === 'done') this.syncSearchAttributes();
    this.publish();
  }

  /** Upserts cost an Action each, so only what changed goes out, in one call. */
  private syncSearchAttributes(): void {
    const current = workflowInfo().typedSearchAttributes;
    const wanted: SearchAttributeUpdatePair[] = [
      { key: searchAttributes.restorePhase, value: this.status.phase },
      // Starts that did not set them (e.g. from the temporal CLI) still become listable.
      { key: searchAttributes.groupId, value: this.request.source.groupId },
      { key: searchAttributes.instanceName, value: this.request.source.name },
      { key: searchAttributes.targetCluster, value: this.request.target.name },
      { key: searchAttributes.targetGroupId, value: this.request.target.groupId },
    ];
    // The resolved kind replaces `auto` once known, in the same upsert as whatever else changed.
    if (this.kind) wanted.push({ key: searchAttributes.deploymentKind, value: this.kind });
    if (this.status.restoreJobId)
      wanted.push({ key: searchAttributes.restoreJobId, value: this.status.restoreJobId });
    if (this.outcome) wanted.push({ key: searchAttributes.restoreOutcome, value: this.outcome });
    const changed = wanted.filter(
      (pair) => current.get(pair.key as typeof searchAttributes.restorePhase) !== pair.value,
    );
    if (changed.length > 0) upsertSearchAttributes(changed);
  }

  /** The Web UI's "Current details" panel (served by a built-in query; costs no Action). */
  private publish(): void {
    setCurrentDetails(
      renderDetails({
        request: this.request,
        status: this.status,
        ...(this.kind ? { kind: this.kind } : {}),
        ...(this.job ? { job: this.job } : {}),
        continuousBackupChanged: this.continuousBackup.changed,
      }),
    );
  }
}

/**
 * A collection restore's progress as people read it. Atlas' total may be an estimate until the job ends
 * (docs/atlas.md#collection-restore-jobs), so it is shown as one until then.
 */
function collectionProgress(job: CollectionRestoreJobView): NonNullable<RestoreStatus['progress']> {
  const progress: NonNullable<RestoreStatus['progress']> = { estimate: job.state === 'in_progress' };
  if (job.restoredDocuments !== undefined) progress.restoredDocuments = job.restoredDocuments;
  if (job.totalDocuments !== undefined) progress.totalDocuments = job.totalDocuments;
  if (job.restoredDocuments !== undefined && job.totalDocuments)
    progress.percent = Math.min(100, Math.floor((job.restoredDocuments * 100) / job.totalDocuments));
  if (job.state === 'finished') progress.percent = 100;
  return progress;
}
