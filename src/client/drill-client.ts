/**
 * Restore drills from code: start one, follow it, cancel it, put it on a Temporal Schedule, and build its
 * evidence report from the drill's workflow and its restores' (Temporal is the store).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type ScheduleDescription,
  type ScheduleSummary,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { OUTCOME_MEMO, searchAttributes, type OutcomeMemo } from '../common/contract';
import { DRILL_WORKFLOW_TYPE, type DrillResult, type DrillStatus } from '../common/drill-contract';
import { parseDrillPlan, type DrillPlan, type DrillPlanInput } from '../common/drill-plan';
import { parseDuration } from '../common/duration';
import { drillStatusQuery } from '../common/queries';
import type { restoreDrill } from '../workflows';
import { RestoreNotFoundError } from './errors';
import type { RestoreClient } from './types';
import { statusName } from './visibility';

/** A plan that does not pass the schema; nothing was started. The message names each restore's index and field. */
export class InvalidDrillPlanError extends Error {
  override readonly name = 'InvalidDrillPlanError';
  constructor(readonly details: string) {
    super(`invalid drill plan: ${details}`);
  }
}

/** Memo key: who started a drill (a person, or `schedule:<id>`). */
const STARTED_BY_MEMO = 'startedBy';

export interface StartedDrill {
  drillId: string;
  runId: string;
  plan: DrillPlan;
}

export interface DrillInfo {
  drillId: string;
  runId: string;
  executionStatus: string;
  startTime: string;
  closeTime?: string;
  startedBy?: string;
  /** The drill's live status (query), or, once closed, its result's records. */
  status?: DrillStatus;
  result?: DrillResult;
  /** For a drill that did not complete: why (a cancelled drill's account is in its memo). */
  message?: string;
}

export interface DrillScheduleOptions {
  scheduleId: string;
  plan: DrillPlanInput;
  /** A cron expression (`0 3 * * 1`) or an interval (`7d`); exactly one. */
  cron?: string;
  every?: string;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
}

export function validateDrillPlan(input: unknown): DrillPlan {
  const parsed = parseDrillPlan(input);
  if (!parsed.ok) throw new InvalidDrillPlanError(parsed.message);
  return parsed.value;
}

/** Who is starting a drill from this process, for the evidence report. */
function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function createDrillClient(restores: RestoreClient) {
  const temporal = restores.client;
  const taskQueue = restores.taskQueue;

  async function describe(drillId: string) {
    try {
      return await temporal.workflow.getHandle(drillId).describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RestoreNotFoundError(drillId);
      throw error;
    }
  }

  return {
    async startDrill(
      input: DrillPlanInput,
      options: { drillId?: string; startedBy?: string } = {},
    ): Promise<StartedDrill> {
      const plan = validateDrillPlan(input);
      const drillId = options.drillId ?? `drill/${plan.name}/${randomUUID().slice(0, 8)}`;
      const handle = await temporal.workflow.start<typeof restoreDrill>(DRILL_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: drillId,
        args: [plan],
        staticSummary: `restore drill ${plan.name}: ${plan.restores.length} restores`,
        staticDetails: drillDetails(plan),
        memo: { [STARTED_BY_MEMO]: options.startedBy ?? currentUser() },
        typedSearchAttributes: new TypedSearchAttributes([{ key: searchAttributes.drillId, value: drillId }]),
      });
      return { drillId, runId: handle.firstExecutionRunId, plan };
    },

    async getDrill(drillId: string): Promise<DrillInfo> {
      const description = await describe(drillId);
      const info: DrillInfo = {
        drillId,
        runId: description.runId,
        executionStatus: statusName(description.status.name),
        startTime: description.startTime.toISOString(),
      };
      if (description.closeTime) info.closeTime = description.closeTime.toISOString();
      const by = description.memo?.[STARTED_BY_MEMO];
      const scheduledBy = description.searchAttributes?.TemporalScheduledById;
      if (Array.isArray(scheduledBy) && typeof scheduledBy[0] === 'string')
        info.startedBy = `schedule:${scheduledBy[0]}`;
      else if (typeof by === 'string') info.startedBy = by;
      const handle = temporal.workflow.getHandle(drillId, description.runId);
      if (info.executionStatus === 'completed') {
        info.result = (await handle.result()) as DrillResult;
        return info;
      }
      const memo = description.memo?.[OUTCOME_MEMO] as OutcomeMemo | undefined;
      if (memo) info.message = memo.message;
      try {
        info.status = await temporal.withDeadline(Date.now() + 5_000, () => handle.query(drillStatusQuery));
      } catch (error) {
        if (info.executionStatus === 'running') throw error;
        // A closed drill whose worker is gone: its failure still says why.
        if (!info.message) {
          const failure = await handle.result().catch((e: unknown) => e);
          if (failure instanceof WorkflowFailedError)
            info.message = failure.cause?.message ?? failure.message;
        }
      }
      return info;
    },

    async waitForDrill(drillId: string, signal?: AbortSignal): Promise<DrillInfo> {
      const handle = temporal.workflow.getHandle(drillId);
      const wait = () => handle.result();
      await (signal ? temporal.withAbortSignal(signal, wait) : wait()).catch((error: unknown) => {
        if (!(error instanceof WorkflowFailedError)) throw error;
      });
      return this.getDrill(drillId);
    },

    async cancelDrill(drillId: string): Promise<{ requested: boolean; executionStatus: string }> {
      const description = await describe(drillId);
      const executionStatus = statusName(description.status.name);
      if (executionStatus !== 'running') return { requested: false, executionStatus };
      await temporal.workflow.getHandle(drillId).cancel();
      return { requested: true, executionStatus };
    },

    /** A drill on a Temporal Schedule: the plan is the schedule action's argument; overlap: skip. */
    async createSchedule(options: DrillScheduleOptions): Promise<void> {
      const plan = validateDrillPlan(options.plan);
      if ((options.cron === undefined) === (options.every === undefined))
        throw new InvalidDrillPlanError('schedule: give exactly one of cron or every');
      if (options.every !== undefined && parseDuration(options.every) === undefined)
        throw new InvalidDrillPlanError(
          `schedule.every: ${options.every} is not a duration such as 1d or 12h`,
        );
      await temporal.schedule.create({
        scheduleId: options.scheduleId,
        spec: options.cron
          ? { cronExpressions: [options.cron] }
          : { intervals: [{ every: parseDuration(options.every!)! }] },
        action: {
          type: 'startWorkflow',
          workflowType: DRILL_WORKFLOW_TYPE,
          workflowId: `drill/${plan.name}`,
          taskQueue,
          args: [plan],
          staticSummary: `scheduled restore drill ${plan.name}: ${plan.restores.length} restores`,
          staticDetails: drillDetails(plan),
          memo: { [STARTED_BY_MEMO]: `schedule:${options.scheduleId}` },
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
        state: { paused: options.paused ?? false, ...(options.note ? { note: options.note } : {}) },
      });
    },

    async listSchedules(): Promise<ScheduleSummary[]> {
      const found: ScheduleSummary[] = [];
      for await (const schedule of temporal.schedule.list()) {
        if (schedule.action?.type === 'startWorkflow' && schedule.action.workflowType === DRILL_WORKFLOW_TYPE)
          found.push(schedule);
      }
      return found;
    },

    async describeSchedule(scheduleId: string): Promise<ScheduleDescription> {
      return temporal.schedule.getHandle(scheduleId).describe();
    },
    pauseSchedule: (scheduleId: string, note?: string) => temporal.schedule.getHandle(scheduleId).pause(note),
    unpauseSchedule: (scheduleId: string, note?: string) =>
      temporal.schedule.getHandle(scheduleId).unpause(note),
    // The schedule's own rule: a drill triggered while the last one runs would find every target busy.
    triggerSchedule: (scheduleId: string) =>
      temporal.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.SKIP),
    deleteSchedule: (scheduleId: string) => temporal.schedule.getHandle(scheduleId).delete(),
  };
}

export type DrillClient = ReturnType<typeof createDrillClient>;
export { ScheduleNotFoundError };

/** The plan as the Web UI's static details: one line a restore (at most the first 50). */
function drillDetails(plan: DrillPlan): string {
  const rows = plan.restores.slice(0, 50).map((r, i) => {
    const policy = Object.entries(r.snapshot)[0]!;
    return `| ${i} | ${r.source.kind} \`${r.source.name}\` | \`${r.target.name}\` | ${policy[0]}${policy[1] === true ? '' : ` ${String(policy[1])}`} | ${r.validate || plan.defaults.validate ? 'yes' : 'no'} |`;
  });
  const more = plan.restores.length > 50 ? `\n\n… and ${plan.restores.length - 50} more` : '';
  return `**Restore drill ${plan.name}**: ${plan.restores.length} restores, at most ${plan.concurrency.total} at once and ${plan.concurrency.perProject} per project\n\n| # | Source | Target | Snapshot | Validated |\n|---|---|---|---|---|\n${rows.join('\n')}${more}`.slice(
    0,
    19_000,
  );
}
