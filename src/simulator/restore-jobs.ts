import { restoreJobCreateSchema } from '../atlas/schemas';
import { isoSeconds } from './clock';
import { SimError, errors } from './errors';
import { hashHex } from './ids';
import { pointInTimeWindow, snapshotsOf, type SnapshotState } from './snapshots';
import type { DeploymentRecord, RestoreJobRecord, RestoreOutcome, World } from './state';

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

export interface CreateJobSettings {
  nowMs: number;
  pointInTimeWindowMs: number;
  defaultDurationMs: number;
}

/** Schema problems as Atlas' `badRequestDetail.fields`, each naming the field and the rule. */
function validationError(
  issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[],
): SimError {
  const fields = issues.map((issue) => {
    const field =
      issue.code === 'unrecognized_keys' && issue.keys
        ? issue.keys.join(', ')
        : issue.path.map(String).join('.') || '(body)';
    return { field, description: issue.message };
  });
  const detail = `Invalid restore job: ${fields.map((f) => `${f.field}: ${f.description}`).join('; ')}.`;
  return new SimError(
    'validation',
    detail,
    fields.map((f) => f.field),
    { badRequestDetail: { fields } },
  );
}

function findSnapshotAnywhere(world: World, snapshotId: string, nowMs: number) {
  for (const deployment of world.deployments) {
    const found = snapshotsOf(deployment, world.extraSnapshots, nowMs).find((s) => s.id === snapshotId);
    if (found) return { deployment, snapshot: found };
  }
  return undefined;
}

/**
 * Validates a create-restore-job body against the source deployment and the world, and returns the job to
 * store. Rule violations the spec leaves unconfirmed (atlas-api.md §3.3) answer 400 with a detail that
 * names the field and the rule.
 */
export function buildRestoreJob(
  world: World,
  source: DeploymentRecord,
  body: unknown,
  settings: CreateJobSettings,
): RestoreJobRecord {
  const parsed = restoreJobCreateSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error.issues as Parameters<typeof validationError>[0]);
  const request = parsed.data;
  const { nowMs } = settings;

  if (source.kind === 'serverless') {
    if (request.deliveryType === 'download')
      throw new SimError(
        'deliveryTypeUnsupported',
        'deliveryType: download is not supported for serverless instances; use automated or pointInTime.',
        ['deliveryType', 'download'],
      );
    if (request.oplogTs !== undefined || request.oplogInc !== undefined)
      throw new SimError(
        'deliveryTypeUnsupported',
        'oplogTs/oplogInc: serverless instances restore to a date and time only; use pointInTimeUTCSeconds.',
        ['oplogTs'],
      );
  }

  let snapshot: SnapshotState | undefined;
  if (request.snapshotId !== undefined) {
    snapshot = snapshotsOf(source, world.extraSnapshots, nowMs).find((s) => s.id === request.snapshotId);
    if (!snapshot) {
      const elsewhere = findSnapshotAnywhere(world, request.snapshotId, nowMs);
      if (elsewhere)
        throw new SimError(
          'snapshotOfOtherDeployment',
          `snapshotId: snapshot ${request.snapshotId} belongs to ${elsewhere.deployment.name}, not to ${source.name}.`,
          ['snapshotId', request.snapshotId, source.name],
        );
      throw errors.snapshotNotFound(request.snapshotId, source.name);
    }
    if (snapshot.status !== 'completed')
      throw new SimError(
        'snapshotNotCompleted',
        `snapshotId: snapshot ${snapshot.id} is ${snapshot.status}; only completed snapshots can be restored.`,
        ['snapshotId', snapshot.id, snapshot.status],
      );
  }

  if (request.deliveryType === 'pointInTime') {
    const window = pointInTimeWindow(source, nowMs, settings.pointInTimeWindowMs);
    const field = request.pointInTimeUTCSeconds !== undefined ? 'pointInTimeUTCSeconds' : 'oplogTs';
    if (!window)
      throw new SimError(
        'continuousBackupDisabled',
        `${field}: point-in-time restores need continuous backup on ${source.name}, and it is off.`,
        [field, source.name],
      );
    const seconds = (request.pointInTimeUTCSeconds ?? request.oplogTs)!;
    if (seconds * 1000 < window.fromMs || seconds * 1000 > window.toMs)
      throw new SimError(
        'pointInTimeOutsideWindow',
        `${field}: ${seconds} (${isoSeconds(seconds * 1000)}) is outside the restore window ${isoSeconds(window.fromMs)} to ${isoSeconds(window.toMs)}.`,
        [field, seconds, isoSeconds(window.fromMs), isoSeconds(window.toMs)],
      );
  }

  let targetDeploymentItemName: string | undefined;
  if (request.deliveryType !== 'download') {
    const targetGroupId = request.targetGroupId!;
    const targetName = request.targetClusterName!;
    if (!world.findProject(targetGroupId)) throw errors.groupNotFound(targetGroupId);
    const target = world.findDeployment(targetGroupId, targetName);
    if (!target || target.kind !== source.kind) {
      throw source.kind === 'serverless'
        ? errors.serverlessNotFound(targetName, targetGroupId)
        : errors.clusterNotFound(targetName, targetGroupId);
    }
    targetDeploymentItemName = `atlas-${hashHex(target.id).slice(0, 6)}`;
  }

  const scenario = world.pendingScenarios.shift() ?? { outcome: 'finished' as const };
  return {
    id: world.nextJobId(),
    kind: source.kind,
    groupId: source.groupId,
    deploymentId: source.id,
    deploymentName: source.name,
    deliveryType: request.deliveryType,
    ...(snapshot ? { snapshotId: snapshot.id, snapshotTakenMs: snapshot.takenMs } : {}),
    ...(request.deliveryType !== 'download'
      ? {
          targetClusterName: request.targetClusterName,
          targetGroupId: request.targetGroupId,
          targetDeploymentItemName,
        }
      : {}),
    ...(request.pointInTimeUTCSeconds !== undefined
      ? { pointInTimeUTCSeconds: request.pointInTimeUTCSeconds }
      : {}),
    ...(request.oplogTs !== undefined ? { oplogTs: request.oplogTs } : {}),
    ...(request.oplogInc !== undefined ? { oplogInc: request.oplogInc } : {}),
    createdMs: nowMs,
    outcome: scenario.outcome,
    durationMs: scenario.durationMs ?? settings.defaultDurationMs,
  };
}

/**
 * DELETE on a dedicated job. Only download jobs can be cancelled (Terraform and CloudFormation refuse the
 * others too), and only while they have not ended.
 */
export function cancelRestoreJob(job: RestoreJobRecord, nowMs: number): void {
  if (job.deliveryType !== 'download')
    throw new SimError(
      'restoreJobNotCancellable',
      `Restore job ${job.id} is a ${job.deliveryType} restore; only download restore jobs can be cancelled.`,
      [job.id, job.deliveryType],
    );
  const phase = restoreJobPhase(job, nowMs);
  if (phase.state === 'cancelled' || phase.state === 'failed' || phase.state === 'expired')
    throw new SimError(
      'restoreJobNotCancellable',
      `Restore job ${job.id} has already ${phase.state === 'cancelled' ? 'been cancelled' : phase.state}.`,
      [job.id, phase.state],
    );
  job.cancelledMs = nowMs;
}
