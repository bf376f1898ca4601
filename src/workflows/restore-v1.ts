/**
 * The first generation of the `restoreSnapshot` workflow, kept so restores it started still finish after an
 * upgrade (their histories replay only against this command sequence): every Atlas call an activity, the
 * search attributes upserted at every phase, 5-minute polling windows with a 20 s heartbeat, and a cancel
 * that closes the run as failed. New runs take `restore.ts` (the `restore-v2` patch). Frozen: change it only
 * to keep old histories replaying.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
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
} from '../activities';
import { asRestoreJobView, type RestoreJobView } from '../common/atlas-views';
import {
  RestoreFailureType,
  searchAttributes,
  type RestoreFailureDetails,
  type RestoreOutcomeName,
  type RestorePhase,
  type RestoreResult,
  type RestoreStatus,
} from '../common/contract';
import { statusQuery } from '../common/queries';
import { capabilitiesOf, isDeploymentKind, type DeploymentKind } from '../common/deployment-kinds';
import { formatDuration, parseDuration } from '../common/duration';
import { capabilityIssues } from '../common/capability-issues';
import type { RestoreRequest } from '../common/restore-request';
import type { restoreSnapshot } from './restore';
import {
  atlasErrorIn,
  describeSource,
  fieldPrefix,
  invalidRequest,
  isoSeconds,
  messageOf,
  outcomeOf,
} from './shared';

/**
 * What the next run needs when the restoring phase continues as new (history stays bounded however long
 * the restore runs). Only that phase continues: the earlier ones are short and bounded.
 */
export interface RestoreContinuation {
  /** The source's kind, resolved when the request said `auto` (absent from runs before `auto` existed). */
  kind?: DeploymentKind;
  startedAt: string;
  submittedAt: string;
  restoreJobId: string;
  snapshotId?: string;
  continuousBackup: { wasEnabled: boolean; changed: boolean };
  /** Status polls made before the restoring phase (waiting for IDLE). */
  earlierPolls: number;
  progress: RestoreWaitProgress;
  /** The target's kind and the moment the restored data is from (runs since `restore-v2`). */
  targetKind?: DeploymentKind;
  restoredToSeconds?: number;
}

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
/**
 * Servers before 1.20 never suggest continuing as new; this bound keeps such runs well under the 10,240-event
 * warning. Newer servers suggest it at 4,096 events.
 */
const CONTINUE_AS_NEW_AFTER_EVENTS = 5_000;

/**
 * Every activity is waited for when cancelled: a workflow that reports "cancelled" has really stopped
 * calling Atlas, and a POST in flight has landed or failed before the cleanup looks for its job. Set
 * explicitly: an unset cancellationType is sent as TRY_CANCEL (proto default 0), whatever the SDK's
 * documentation says.
 */
const cancellationType = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED;

/**
 * Thin Atlas calls take seconds. Transient failures are retried by Temporal: a 429 waits its Retry-After
 * (the activity sets nextRetryDelay), others back off to a minute; eight attempts span about three minutes.
 */
const atlas = proxyActivities<RestoreActivities>({
  cancellationType,
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
});

/**
 * The POST is never retried blindly: a lost response may hide a created job. The workflow looks for that
 * job and decides whether to POST again.
 */
const { createRestoreJob } = proxyActivities<RestoreActivities>({
  cancellationType,
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
});

/**
 * The waits poll inside one activity and report every progress window (5 minutes by default). A killed
 * worker is noticed after 20 s without a heartbeat and the wait resumes on another worker from its last
 * heartbeat; the same heartbeats carry a cancellation to the activity within the SDK's throttle
 * (0.8 × 20 s). An attempt lasts a window, or one maximum interval (≤ 1 h) when that is longer.
 */
const waits = proxyActivities<RestoreActivities>({
  cancellationType,
  startToCloseTimeout: '90m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** Runs a restore whose history began before the `restore-v2` patch (the request is already valid). */
export function legacyRestore(
  request: RestoreRequest,
  continuation?: RestoreContinuation,
): Promise<RestoreResult> {
  return new RestoreRun(request, continuation).run();
}

class RestoreRun {
  /** Known from the start unless the request said `auto`; then once the source has been found. */
  private kind?: DeploymentKind;
  private readonly startedAt: string;
  private readonly deadlineAt: number;
  private readonly initialIntervalMs: number;
  private readonly maxIntervalMs: number;
  private readonly status: RestoreStatus;
  private continuousBackup = { wasEnabled: false, changed: false };
  private snapshotId?: string;
  private submittedAt?: string;
  private job?: RestoreJobView;
  private earlierPolls = 0;
  /** How the restore ended, once it has. */
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
    this.status = { phase: 'validating', polls: 0, deadline: new Date(this.deadlineAt).toISOString() };
    if (this.kind) this.status.kind = this.kind;
    if (continuation) {
      this.continuousBackup = continuation.continuousBackup;
      this.snapshotId = continuation.snapshotId;
      this.submittedAt = continuation.submittedAt;
      this.earlierPolls = continuation.earlierPolls;
      if (continuation.progress.lastJob) this.job = asRestoreJobView(continuation.progress.lastJob);
      this.status.restoreJobId = continuation.restoreJobId;
      this.showPolls(continuation.progress);
    }
    setHandler(statusQuery, () => ({ ...this.status }));
  }

  /** The source as activities take it; only asked for once the kind is known. */
  private get source(): DeploymentRef {
    const { groupId, name } = this.request.source;
    if (!this.kind) throw new Error('the source kind is not resolved yet');
    return { kind: this.kind, groupId, name };
  }

  private get capabilities() {
    return capabilitiesOf(this.source.kind);
  }

  async run(): Promise<RestoreResult> {
    try {
      const remainingMs = this.deadlineAt - Date.now();
      if (remainingMs <= 0) throw this.deadlineExceeded();
      // One timer per run bounds every step, including thin calls still retrying when the deadline comes.
      return await CancellationScope.withTimeout(remainingMs, () => this.restore());
    } catch (error) {
      if (error instanceof ContinueAsNew) throw error;
      let failure: unknown;
      if (!isCancellation(error)) failure = this.asRestoreFailure(error);
      else if (CancellationScope.current().consideredCancelled)
        failure = await CancellationScope.nonCancellable(() => this.cancelled());
      else failure = this.deadlineExceeded();
      if (failure instanceof ApplicationFailure) this.end(outcomeOf(failure));
      throw failure;
    }
  }

  private async restore(): Promise<RestoreResult> {
    if (!this.continuation) {
      await this.prepareSource();
      await this.selectSnapshot();
      await this.submit();
    }
    return this.watch();
  }

  /**
   * Reads the source (finding its kind first for `auto`), checks a point in time against it, and turns
   * continuous backup on where the kind has it and the request did not say no.
   */
  private async prepareSource(): Promise<void> {
    this.enter('validating');
    const source = this.kind
      ? await atlas.getDeployment(this.source)
      : await atlas.resolveDeployment({
          groupId: this.request.source.groupId,
          name: this.request.source.name,
        });
    if (!this.kind) this.resolved(source.kind);
    this.continuousBackup.wasEnabled = source.continuousBackupEnabled;
    if ('pointInTimeUtcSeconds' in this.request.snapshot) {
      this.checkPointInTime(this.request.snapshot.pointInTimeUtcSeconds, source);
    }
    const wanted = this.request.ensureContinuousBackup ?? this.capabilities.continuousBackup !== null;
    if (source.continuousBackupEnabled || !wanted) return;

    this.enter('enabling_backup');
    const changedAt = Date.now();
    const updated = await atlas.setContinuousBackup(this.source, true);
    this.continuousBackup.changed = true;
    this.enter('waiting_for_idle');
    await this.waitForIdle(updated, changedAt);
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
    this.syncSearchAttributes();
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
        `${field}: a point-in-time restore needs continuous backup, which is off on ${describeSource(this.source)}; turning it on now cannot cover a moment in the past`,
      );
    }
  }

  private async waitForIdle(updated: DeploymentState, changedAt: number): Promise<void> {
    const limitAt = Math.min(this.deadlineAt, changedAt + IDLE_WAIT_LIMIT_MS);
    // The PATCH answer says UPDATING whatever a GET right after shows, so only a polled state counts.
    let progress: IdleWaitProgress = { ...this.freshProgress(), sawNonIdle: false, last: updated };
    for (;;) {
      const result = await waits.waitForDeploymentIdle({
        deployment: this.source,
        expectContinuousBackup: true,
        changedAt,
        settleMs: Math.max(MIN_IDLE_SETTLE_MS, 2 * this.maxIntervalMs),
        schedule: {
          initialIntervalMs: this.initialIntervalMs,
          maxIntervalMs: this.maxIntervalMs,
          deadlineAt: limitAt,
        },
        progress,
      });
      progress = result.progress;
      this.showPolls(progress);
      switch (result.outcome) {
        case 'idle':
          this.earlierPolls += progress.polls;
          return;
        case 'not_applied':
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `continuous backup did not take effect on ${describeSource(this.source)}: it is ${result.deployment.stateName} with ${this.capabilities.continuousBackup?.setting ?? 'continuous backup'} still off (serverless instances that Atlas moved onto Flex ignore the setting)`,
          );
        case 'deadline':
          if (limitAt === this.deadlineAt) throw this.deadlineExceeded();
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `${describeSource(this.source)} was still ${progress.last?.stateName ?? 'busy'} ${formatDuration(IDLE_WAIT_LIMIT_MS)} after continuous backup was turned on`,
          );
        case 'window':
          this.publish();
      }
    }
  }

  private async selectSnapshot(): Promise<void> {
    const selector = this.request.snapshot;
    if ('pointInTimeUtcSeconds' in selector) return;
    this.enter('selecting_snapshot');
    if ('snapshotId' in selector) {
      const snapshot = await atlas.getSnapshot(this.source, selector.snapshotId);
      if (snapshot.status !== 'completed') {
        throw invalidRequest(
          `snapshot.snapshotId: snapshot ${snapshot.id} of ${describeSource(this.source)} is ${snapshot.status}; only completed snapshots can be restored`,
        );
      }
      this.snapshotId = snapshot.id;
      return;
    }
    const latest = await atlas.findLatestCompletedSnapshot(this.source);
    if (!latest) {
      throw this.failure(
        RestoreFailureType.RestoreFailed,
        `${describeSource(this.source)} has no completed snapshot to restore`,
      );
    }
    this.snapshotId = latest.id;
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

    for (let attempt = 1; ; attempt++) {
      const existing = await atlas.findRestoreJob(this.source, { ...match, inProgressOnly: attempt === 1 });
      if (existing) return this.submitted(existing, 'adopted');
      try {
        return this.submitted(await createRestoreJob(this.source, spec), 'created');
      } catch (error) {
        if (isCancellation(error)) throw error;
        const atlasError = atlasErrorIn(error);
        if (atlasError?.status === 409) {
          // Atlas runs one restore into a target at a time; ours was not created (409 proves it).
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `target.name: another restore into ${this.request.target.name} is running in Atlas, which refused this one (409${atlasError.errorCode ? ` ${atlasError.errorCode}` : ''}${atlasError.detail ? `: ${atlasError.detail}` : ''}); start again once it has ended`,
            error,
          );
        }
        if (atlasError && !atlasError.retryable) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `${fieldPrefix('createRestoreJob', atlasError)}Atlas rejected the restore job: ${messageOf(error)}`,
            error,
          );
        }
        if (attempt >= SUBMIT_ATTEMPTS) {
          throw this.failure(
            RestoreFailureType.RestoreFailed,
            `could not submit the restore job in ${attempt} attempts: ${messageOf(error)}`,
            error,
          );
        }
        this.status.lastError = messageOf(error);
        this.publish();
        const backoffMs = Math.min(this.maxIntervalMs, this.initialIntervalMs * 2 ** (attempt - 1));
        await sleep(Math.max(backoffMs, atlasError?.retryAfterMs ?? 0));
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
    this.job = asRestoreJobView(job);
    this.submittedAt = new Date(Date.now()).toISOString();
    this.status.restoreJobId = job.id;
    this.status.lastError = undefined;
  }

  private async watch(): Promise<RestoreResult> {
    this.enter('restoring');
    const restoreJobId = this.status.restoreJobId!;
    let progress: RestoreWaitProgress = this.continuation?.progress ?? this.freshProgress();
    for (;;) {
      const result = await waits.waitForRestoreJob({
        deployment: this.source,
        restoreJobId,
        schedule: {
          initialIntervalMs: this.initialIntervalMs,
          maxIntervalMs: this.maxIntervalMs,
          deadlineAt: this.deadlineAt,
        },
        progress,
      });
      progress = result.progress;
      if (progress.lastJob) this.job = asRestoreJobView(progress.lastJob);
      this.showPolls(progress);
      switch (result.outcome) {
        case 'terminal':
          return this.finish(result.state);
        case 'expires_at_passed':
          throw this.failure(
            RestoreFailureType.RestoreExpired,
            `restore job ${restoreJobId} passed its expiresAt (${String(result.job.expiresAt)}) without finishing`,
          );
        case 'deadline':
          throw this.deadlineExceeded();
        case 'window':
          this.publish();
          await this.continueAsNewIfLong(progress);
      }
    }
  }

  private finish(state: RestoreStatus['jobState']): RestoreResult {
    const jobId = this.status.restoreJobId!;
    switch (state) {
      case 'finished':
      case 'download_ready':
        break;
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
    this.end('finished');
    const result: RestoreResult = {
      outcome: 'finished',
      kind: this.source.kind,
      restoreJobId: jobId,
      restoreJob: this.job ?? asRestoreJobView({ id: jobId }),
      continuousBackup: this.continuousBackup,
      timings: {
        startedAt: this.startedAt,
        submittedAt: this.submittedAt!,
        finishedAt: new Date(Date.now()).toISOString(),
      },
      polls: this.status.polls,
    };
    if (this.snapshotId !== undefined) result.snapshotId = this.snapshotId;
    if ('pointInTimeUtcSeconds' in this.request.snapshot)
      result.pointInTimeUtcSeconds = this.request.snapshot.pointInTimeUtcSeconds;
    return result;
  }

  private async continueAsNewIfLong(progress: RestoreWaitProgress): Promise<void> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < CONTINUE_AS_NEW_AFTER_EVENTS) return;
    const next: RestoreContinuation = {
      kind: this.source.kind,
      startedAt: this.startedAt,
      submittedAt: this.submittedAt!,
      restoreJobId: this.status.restoreJobId!,
      continuousBackup: this.continuousBackup,
      earlierPolls: this.earlierPolls,
      progress,
    };
    if (this.snapshotId !== undefined) next.snapshotId = this.snapshotId;
    log.info('continuing as new', { historyLength: info.historyLength, polls: this.status.polls });
    // Search attributes and memo carry over to the new run when none are given.
    await continueAsNew<typeof restoreSnapshot>(this.request, next);
  }

  /**
   * The workflow was cancelled (its polling already stopped): cancel in Atlas what Atlas can cancel, and
   * say plainly what still runs there.
   */
  private async cancelled(): Promise<ApplicationFailure> {
    const cancelled = (message: string, cause?: unknown) =>
      this.failure(
        RestoreFailureType.RestoreCancelled,
        `${message}${this.continuousBackup.changed ? ' Continuous backup stays on.' : ''}`,
        cause,
      );
    let job = this.job;
    if (!job && this.status.phase === 'submitting') {
      // A POST may have gone through just before the cancellation; name its job rather than lose it.
      const found = await atlas.findRestoreJob(this.source, this.jobMatch()).catch(() => null);
      if (found) job = asRestoreJobView(found);
    }
    if (!job)
      return cancelled('restore cancelled before a restore job was submitted; nothing runs in Atlas.');
    this.job = job;
    this.status.restoreJobId = job.id;
    if (this.capabilities.cancellableDeliveries.includes(job.delivery)) {
      try {
        await atlas.cancelRestoreJob(this.source, job.id);
        return cancelled(`restore cancelled; Atlas download job ${job.id} was cancelled too.`);
      } catch (error) {
        return cancelled(
          `restore cancelled, but Atlas did not cancel download job ${job.id} (${messageOf(error)}); it continues in Atlas.`,
          error,
        );
      }
    }
    return cancelled(
      `restore cancelled and polling stopped, but Atlas continues restore job ${job.id} into ${this.request.target.name}: ${this.capabilities.label} ${job.delivery} restore jobs cannot be cancelled through the Atlas API.`,
    );
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

  /** Any failure that is not already one of ours: an Atlas call that failed for good, or ran out of retries. */
  private asRestoreFailure(error: unknown): unknown {
    if (error instanceof ApplicationFailure) return error;
    if (error instanceof ActivityFailure) {
      return this.failure(
        RestoreFailureType.RestoreFailed,
        `${fieldPrefix(error.activityType, atlasErrorIn(error))}${error.activityType} failed: ${messageOf(error)}`,
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
    return ApplicationFailure.create({
      type,
      message,
      nonRetryable: true,
      details: [details],
      cause: cause instanceof Error ? cause : undefined,
    });
  }

  /** Marks the run over for the Web UI and visibility queries, however it ended, in one upsert. */
  private end(outcome: RestoreOutcomeName): void {
    this.outcome = outcome;
    this.status.outcome = outcome;
    if (this.status.phase !== 'done') this.enter('done');
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
    this.syncSearchAttributes();
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
    const s = this.status;
    const selector = this.request.snapshot;
    const what =
      'snapshotId' in selector
        ? `snapshot \`${selector.snapshotId}\``
        : 'pointInTimeUtcSeconds' in selector
          ? `point in time ${isoSeconds(selector.pointInTimeUtcSeconds)}`
          : `latest snapshot${this.snapshotId ? ` (\`${this.snapshotId}\`)` : ''}`;
    const rows: [string, string][] = [
      ['Phase', `**${s.phase}**`],
      [
        'Source',
        `${this.kind ? describeSource(this.source) : `${this.request.source.name} (kind not resolved yet)`} (project \`${this.request.source.groupId}\`)`,
      ],
      ['Target', `\`${this.request.target.name}\` (project \`${this.request.target.groupId}\`)`],
      ['Restoring', what],
    ];
    if (s.restoreJobId) {
      const atlasWord = this.job?.atlasStatus ? `, Atlas says ${this.job.atlasStatus}` : '';
      rows.push(['Restore job', `\`${s.restoreJobId}\`${s.jobState ? ` (${s.jobState}${atlasWord})` : ''}`]);
    }
    rows.push(['Polls', `${s.polls}${s.lastPolledAt ? `, last at ${s.lastPolledAt}` : ''}`]);
    if (s.lastError) rows.push(['Last error', s.lastError.replace(/\|/g, '\\|')]);
    rows.push(['Deadline', s.deadline]);
    setCurrentDetails(['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));
  }
}
