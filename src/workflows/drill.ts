/**
 * The `restoreDrill` workflow: proves, restore by restore, that a plan's deployments can be restored. Each
 * restore runs as a child `restoreSnapshot` whose workflow id is its target's, so two restores never write
 * into one target at once (a target another restore holds is recorded as `target_busy`); at most
 * `concurrency.total` run at once and `concurrency.perProject` per source project; one that fails does not
 * stop the others. Long plans continue as new between restores (none in flight then), so history stays
 * bounded whatever the plan's size. Temporal keeps the results: the evidence report is built from this
 * workflow and its children.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowFailure,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertMemo,
  workflowInfo,
  ActivityCancellationType,
  TerminatedFailure,
} from '@temporalio/workflow';
import { TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { RestoreActivities } from '../activities';
import {
  OUTCOME_MEMO,
  RESTORE_WORKFLOW_TYPE,
  restoreRequestKey,
  restoreSummary,
  restoreWorkflowId,
  searchAttributes,
  type OutcomeMemo,
  type RestoreResult,
} from '../common/contract';
import type {
  DrillContinuation,
  DrillRestoreOutcome,
  DrillRestoreRecord,
  DrillResult,
  DrillStatus,
} from '../common/drill-contract';
import type { DrillPlan, DrillPlanInput, DrillRestore } from '../common/drill-plan';
import { drillRestoreLabel, drillRestoreRequest } from '../common/drill-restores';
import { parseDuration } from '../common/duration';
import { drillStatusQuery, restoreCancelledSignal } from '../common/queries';
import type { ParseResult, RestoreRequest, RestoreRequestInput } from '../common/restore-request';
import type { restoreSnapshot } from './restore';
import { invalidRequest, outcomeOf } from './shared';

/** Continue as new (between restores) once a run's history passes this, well under the 10,240 warning. */
const CONTINUE_AS_NEW_AFTER_EVENTS = 4_000;

/** Restores that ended, shown by name in the Web UI's current details (the rest are counted). */
const DETAILS_RECENT = 15;

const { pickSnapshot } = proxyLocalActivities<RestoreActivities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export async function restoreDrill(
  input: DrillPlanInput,
  continuation?: DrillContinuation,
): Promise<DrillResult> {
  // Loaded here, not imported: the sandbox evaluates a workflow's static imports for every workflow, and
  // building these schemas for each restore would cost it milliseconds. A drill parses with them directly
  // (the restores it starts check their requests again in a local activity).
  const [{ parseDrillPlan }, { parseRestoreRequest }] = await Promise.all([
    import(/* webpackMode: "eager" */ '../common/drill-plan'),
    import(/* webpackMode: "eager" */ '../common/restore-request'),
  ]);
  const parsed = parseDrillPlan(input);
  if (!parsed.ok) throw invalidRequest(parsed.message, 'invalid drill plan');
  return new DrillRun(parsed.value, parseRestoreRequest, continuation).run();
}

class DrillRun {
  private readonly drillId = workflowInfo().workflowId;
  private readonly startedAt: string;
  private readonly records: DrillRestoreRecord[];
  private pending: number[];
  private readonly running = new Map<number, Promise<void>>();
  private readonly busyTargets = new Set<string>();
  private readonly perProject = new Map<string, number>();
  private readonly cancelMessages = new Map<string, string>();
  private phase: DrillStatus['phase'] = 'running';

  constructor(
    private readonly plan: DrillPlan,
    private readonly parseRestoreRequest: (input: unknown) => ParseResult<RestoreRequest>,
    continuation?: DrillContinuation,
  ) {
    this.startedAt = continuation?.startedAt ?? workflowInfo().startTime.toISOString();
    this.records =
      continuation?.records ??
      plan.restores.map((restore, index) => ({
        index,
        label: drillRestoreLabel(restore),
        source: restore.source,
        target: restore.target,
        workflowId: restoreWorkflowId(restore),
      }));
    this.pending = continuation?.pending ?? plan.restores.map((_, index) => index);
    setHandler(drillStatusQuery, () => this.status());
    setHandler(restoreCancelledSignal, ({ workflowId, message }) => {
      this.cancelMessages.set(workflowId, message);
    });
  }

  async run(): Promise<DrillResult> {
    try {
      await this.drive();
    } catch (error) {
      if (error instanceof ContinueAsNew) throw error;
      if (!isCancellation(error)) throw error;
      throw await CancellationScope.nonCancellable(() => this.cancelled());
    }
    this.phase = 'done';
    const result = this.result();
    this.publish();
    log.info('drill done', { passed: result.passed, byOutcome: result.byOutcome });
    return result;
  }

  /** Starts what the caps allow, waits for one to end, and again, until every restore has ended. */
  private async drive(): Promise<void> {
    for (;;) {
      if (this.phase === 'running') this.fill();
      this.publish();
      if (this.running.size === 0) {
        if (this.pending.length === 0) return;
        // Draining is over (nothing in flight): carry the rest to a new run.
        await continueAsNew<typeof restoreDrill>(this.plan, {
          startedAt: this.startedAt,
          pending: this.pending,
          records: this.records,
        });
      }
      await Promise.race(this.running.values());
      const info = workflowInfo();
      if (
        this.phase === 'running' &&
        this.pending.length > 0 &&
        (info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_AFTER_EVENTS)
      ) {
        log.info('drill draining before continuing as new', { historyLength: info.historyLength });
        this.phase = 'draining';
      }
    }
  }

  private fill(): void {
    const { total, perProject } = this.plan.concurrency;
    const waiting: number[] = [];
    for (const index of this.pending) {
      const restore = this.plan.restores[index]!;
      const target = targetKey(restore);
      const project = restore.source.groupId;
      const canStart =
        this.running.size < total &&
        (this.perProject.get(project) ?? 0) < perProject &&
        !this.busyTargets.has(target);
      if (!canStart) {
        waiting.push(index);
        continue;
      }
      this.busyTargets.add(target);
      this.perProject.set(project, (this.perProject.get(project) ?? 0) + 1);
      const done = this.runOne(index, restore).finally(() => {
        this.running.delete(index);
        this.busyTargets.delete(target);
        this.perProject.set(project, (this.perProject.get(project) ?? 1) - 1);
      });
      this.running.set(index, done);
    }
    this.pending = waiting;
  }

  /** One restore: choose its snapshot, start it as a child, record how it ended. Never throws but for cancellation. */
  private async runOne(index: number, restore: DrillRestore): Promise<void> {
    const record = this.records[index]!;
    record.startedAt = new Date(Date.now()).toISOString();
    try {
      const snapshot = await this.chooseSnapshot(record, restore);
      if (!snapshot) {
        this.ended(record, 'skipped', `no completed snapshot of ${restore.source.name} matches the policy`);
        return;
      }
      const request = this.parseRestoreRequest(drillRestoreRequest(this.plan, restore, snapshot));
      if (!request.ok) {
        this.ended(record, 'invalid_request', request.message);
        return;
      }
      const handle = await this.start(record, request.value);
      if (!handle) return;
      record.runId = handle.firstExecutionRunId;
      this.publish();
      const result: RestoreResult = await handle.result();
      record.kind = result.kind;
      if (result.snapshotId && !record.snapshot?.snapshotId && record.snapshot)
        record.snapshot.snapshotId = result.snapshotId;
      if (result.rpo && record.snapshot && !record.snapshot.takenAt)
        record.snapshot.takenAt = result.rpo.restoredTo;
      this.ended(record, 'finished');
    } catch (error) {
      if (isCancellation(error) && CancellationScope.current().consideredCancelled) {
        if (!record.outcome) this.ended(record, 'cancelled', this.cancelMessages.get(record.workflowId));
        throw error;
      }
      const [outcome, message] = childOutcome(error);
      // A restore cancelled by someone else signalled what Atlas still does before it closed.
      this.ended(
        record,
        outcome,
        outcome === 'cancelled' ? (this.cancelMessages.get(record.workflowId) ?? message) : message,
      );
    }
  }

  private async chooseSnapshot(
    record: DrillRestoreRecord,
    restore: DrillRestore,
  ): Promise<RestoreRequestInput['snapshot'] | undefined> {
    const policy = restore.snapshot;
    if ('snapshotId' in policy) {
      record.snapshot = { policy: 'snapshotId', snapshotId: policy.snapshotId };
      return { snapshotId: policy.snapshotId };
    }
    if ('pointInTimeAgo' in policy) {
      const seconds = Math.floor((Date.parse(this.startedAt) - parseDuration(policy.pointInTimeAgo)!) / 1000);
      record.snapshot = { policy: 'pointInTime', pointInTimeUtcSeconds: seconds };
      return { pointInTimeUtcSeconds: seconds };
    }
    if ('latest' in policy) {
      record.snapshot = { policy: 'latest' };
      return { latest: true };
    }
    // Math.random is seeded per run in the workflow sandbox: the draw replays identically and is recorded.
    const draw = Math.random();
    const picked = await pickSnapshot.executeWithOptions(
      { summary: `draw a snapshot of ${restore.source.name} from the last ${policy.randomWithinDays} days` },
      [{ source: restore.source, withinDays: policy.randomWithinDays, draw, nowMs: Date.now() }],
    );
    record.snapshot = { policy: 'random', draw, candidates: picked.candidates };
    if (!picked.snapshotId) return undefined;
    record.snapshot.snapshotId = picked.snapshotId;
    if (picked.takenAt) record.snapshot.takenAt = picked.takenAt;
    return { snapshotId: picked.snapshotId };
  }

  private async start(record: DrillRestoreRecord, request: RestoreRequest) {
    try {
      return await startChild<typeof restoreSnapshot>(RESTORE_WORKFLOW_TYPE, {
        workflowId: restoreWorkflowId(request),
        args: [request],
        // The drill's cancellation reaches its restores; a drill that is terminated takes them along.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        typedSearchAttributes: new TypedSearchAttributes([
          { key: searchAttributes.deploymentKind, value: request.source.kind },
          { key: searchAttributes.groupId, value: request.source.groupId },
          { key: searchAttributes.instanceName, value: request.source.name },
          { key: searchAttributes.targetCluster, value: request.target.name },
          { key: searchAttributes.targetGroupId, value: request.target.groupId },
          { key: searchAttributes.restorePhase, value: 'validating' },
          { key: searchAttributes.drillId, value: this.drillId },
        ]),
        staticSummary: `drill ${this.plan.name}: ${restoreSummary(request)}`.slice(0, 200),
        memo: { requestKey: restoreRequestKey(request), drillId: this.drillId },
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        this.ended(
          record,
          'target_busy',
          `another restore (${record.workflowId}) was writing into ${request.target.name}; not started`,
        );
        return undefined;
      }
      throw error;
    }
  }

  private ended(record: DrillRestoreRecord, outcome: DrillRestoreOutcome, message?: string): void {
    record.outcome = outcome;
    record.endedAt = new Date(Date.now()).toISOString();
    if (message) record.message = message.slice(0, 500);
  }

  /**
   * The drill was cancelled: its running restores were cancelled with it (each says what goes on in
   * Atlas), the ones not started never will be. Closes as Canceled with that account in the memo.
   */
  private async cancelled(): Promise<CancelledFailure> {
    this.phase = 'cancelling';
    await Promise.allSettled(this.running.values());
    for (const index of this.pending)
      this.ended(this.records[index]!, 'not_started', 'the drill was cancelled first');
    this.pending = [];
    this.phase = 'done';
    const cancelled = this.records.filter((r) => r.outcome === 'cancelled');
    const continuing = cancelled
      .map((r) => this.cancelMessages.get(r.workflowId) ?? r.message)
      .filter((m): m is string => Boolean(m));
    const message = `drill ${this.plan.name} cancelled: ${cancelled.length} running restore(s) cancelled, ${
      this.records.filter((r) => r.outcome === 'not_started').length
    } not started${continuing.length > 0 ? `; ${continuing.join(' | ')}` : ''}`.slice(0, 2_000);
    const memo: OutcomeMemo = { outcome: 'cancelled', message };
    upsertMemo({ [OUTCOME_MEMO]: memo });
    this.publish();
    return new CancelledFailure(message);
  }

  private counts(): Partial<Record<DrillRestoreOutcome, number>> {
    const byOutcome: Partial<Record<DrillRestoreOutcome, number>> = {};
    for (const r of this.records) if (r.outcome) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
    return byOutcome;
  }

  private status(): DrillStatus {
    const ended = this.records.filter((r) => r.outcome).length;
    const status: DrillStatus = {
      drillId: this.drillId,
      name: this.plan.name,
      phase: this.phase,
      total: this.records.length,
      started: this.records.filter((r) => r.startedAt).length,
      running: this.running.size,
      ended,
      byOutcome: this.counts(),
      startedAt: this.startedAt,
      restores: this.records,
    };
    if (this.phase === 'done') status.endedAt = new Date(Date.now()).toISOString();
    return status;
  }

  private result(): DrillResult {
    const byOutcome = this.counts();
    return {
      drillId: this.drillId,
      name: this.plan.name,
      passed: this.records.every((r) => r.outcome === 'finished'),
      startedAt: this.startedAt,
      endedAt: new Date(Date.now()).toISOString(),
      total: this.records.length,
      byOutcome,
      restores: this.records,
    };
  }

  /** The Web UI's current details: the totals, what runs now, the latest endings. */
  private publish(): void {
    const s = this.status();
    const counts = Object.entries(s.byOutcome)
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ');
    const lines = [
      `**Drill ${s.name}** — ${s.phase}: ${s.ended} of ${s.total} ended, ${s.running} running, ${s.total - s.started} waiting${counts ? ` (${counts})` : ''}`,
      '',
      '| # | Restore | Outcome | Started | Ended |',
      '|---|---|---|---|---|',
    ];
    const running = this.records.filter((r) => r.startedAt && !r.outcome);
    const recent = this.records
      .filter((r) => r.outcome)
      .sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? 1 : -1))
      .slice(0, DETAILS_RECENT);
    for (const r of [...running, ...recent]) {
      lines.push(
        `| ${r.index} | ${r.label.replace(/\|/g, '\\|')} | ${r.outcome ?? '_running_'} | ${r.startedAt ?? ''} | ${r.endedAt ?? ''} |`,
      );
    }
    setCurrentDetails(lines.join('\n'));
  }
}

function targetKey(restore: Pick<DrillRestore, 'target'>): string {
  return `${restore.target.groupId}/${restore.target.name}`;
}

/** How a child restore ended, from its failure. */
function childOutcome(error: unknown): [DrillRestoreOutcome, string] {
  const failure = error instanceof ChildWorkflowFailure ? error.cause : error;
  if (failure instanceof CancelledFailure) return ['cancelled', 'the restore was cancelled'];
  if (failure instanceof TerminatedFailure) return ['error', 'the restore was terminated'];
  if (failure instanceof ApplicationFailure) return [outcomeOf(failure), failure.message];
  return ['error', failure instanceof Error ? failure.message : String(failure)];
}
