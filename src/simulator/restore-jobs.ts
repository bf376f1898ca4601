import { SimError, errors } from './errors';
import type { SnapshotState } from './snapshots';
import type {
  DeploymentRecord,
  RestoreJobRecord,
  RestoreOutcome,
  ScenarioSpec,
  ScenarioTarget,
  World,
} from './state';

/**
 * What every kind's restore jobs share: where a job stands in time, body validation errors, snapshot
 * lookup, scenarios and the busy-target check. The wire shapes are the kinds' own.
 */

export type RestoreJobPhaseState = 'running' | Exclude<RestoreOutcome, 'never'>;
export interface RestoreJobPhase {
  state: RestoreJobPhaseState;
  /** When it ended (cancel time, or creation + duration). */
  endMs?: number;
}

/** Where a job stands at `nowMs`: running until its duration has passed, then its scenario's outcome. */
export function restoreJobPhase(job: RestoreJobRecord, nowMs: number): RestoreJobPhase {
  const scheduledEnd = job.createdMs + job.durationMs;
  // Cancel is refused once a job has failed or expired, so a recorded cancel always wins.
  if (job.cancelledMs !== undefined) return { state: 'cancelled', endMs: job.cancelledMs };
  if (job.outcome === 'never' || nowMs < scheduledEnd) return { state: 'running' };
  return { state: job.outcome, endMs: scheduledEnd };
}

export interface SchemaIssue {
  path: PropertyKey[];
  message: string;
  code: string;
  keys?: string[];
}

/** Schema problems as Atlas' `badRequestDetail.fields`, each naming the field and the rule. */
export function bodyValidationError(what: string, issues: readonly SchemaIssue[]): SimError {
  const fields = issues.map((issue) => {
    const field =
      issue.code === 'unrecognized_keys' && issue.keys
        ? issue.keys.join(', ')
        : issue.path.map(String).join('.') || '(body)';
    return { field, description: issue.message };
  });
  const detail = `Invalid ${what}: ${fields.map((f) => `${f.field}: ${f.description}`).join('; ')}.`;
  return new SimError(
    'validation',
    detail,
    fields.map((f) => f.field),
    { badRequestDetail: { fields } },
  );
}

/**
 * The completed snapshot `snapshotId` of `source`. A snapshot of another deployment and one still in flight
 * answer 400 naming the rule; an unknown one answers 404.
 */
export function resolveSnapshot(
  world: World,
  source: DeploymentRecord,
  snapshotId: string,
  snapshotsOf: (deployment: DeploymentRecord) => SnapshotState[],
): SnapshotState {
  const snapshot = snapshotsOf(source).find((s) => s.id === snapshotId);
  if (!snapshot) {
    const owner = world.deployments.find((d) => snapshotsOf(d).some((s) => s.id === snapshotId));
    if (owner)
      throw new SimError(
        'snapshotOfOtherDeployment',
        `snapshotId: snapshot ${snapshotId} belongs to ${owner.name}, not to ${source.name}.`,
        ['snapshotId', snapshotId, source.name],
      );
    throw errors.snapshotNotFound(snapshotId, source.name);
  }
  if (snapshot.status !== 'completed')
    throw new SimError(
      'snapshotNotCompleted',
      `snapshotId: snapshot ${snapshot.id} is ${snapshot.status}; only completed snapshots can be restored.`,
      ['snapshotId', snapshot.id, snapshot.status],
    );
  return snapshot;
}

/**
 * The scenario the next job takes: the first queued one for its target, else the first queued one for no
 * particular target, among those that apply to its family (`restoreJob` or `collectionRestoreJob`); else
 * `finished` after the default duration, restoring the data.
 */
export function nextScenario(
  world: World,
  defaultDurationMs: number,
  target?: { groupId: string; name: string },
  family: ScenarioTarget = 'restoreJob',
): Omit<Required<ScenarioSpec>, 'target' | 'appliesTo'> {
  const applies = (s: ScenarioSpec) => s.appliesTo === undefined || s.appliesTo === family;
  const forTarget = (s: ScenarioSpec) =>
    s.target !== undefined &&
    target !== undefined &&
    s.target.groupId === target.groupId &&
    s.target.name === target.name;
  let at = world.pendingScenarios.findIndex((s) => applies(s) && forTarget(s));
  if (at < 0) at = world.pendingScenarios.findIndex((s) => applies(s) && s.target === undefined);
  const [scenario] = at < 0 ? [] : world.pendingScenarios.splice(at, 1);
  return {
    outcome: scenario?.outcome ?? 'finished',
    durationMs: scenario?.durationMs ?? defaultDurationMs,
    data: scenario?.data ?? 'restored',
  };
}

/** A job still restoring into the deployment `name` of project `groupId`, of any kind. */
export function runningJobInto(
  world: World,
  groupId: string,
  name: string,
  nowMs: number,
): RestoreJobRecord | undefined {
  return world.jobs.find(
    (job) =>
      job.deliveryType !== 'download' &&
      job.targetGroupId === groupId &&
      job.targetClusterName === name &&
      restoreJobPhase(job, nowMs).state === 'running',
  );
}
