import { restoreJobCreateSchema, type RestoreJobCreate } from '../atlas/schemas';
import type { DeploymentKind } from '../common/deployment-kinds';
import { isoSeconds } from './clock';
import { SimError, errors } from './errors';
import { hashHex } from './ids';
import type { CreateJobSettings } from './kinds/types';
import {
  bodyValidationError,
  nextScenario,
  resolveSnapshot,
  restoreJobPhase,
  type RestoreJobPhase,
  type SchemaIssue,
} from './restore-jobs';
import { pointInTimeWindow, type SnapshotState } from './snapshots';
import type { DeploymentRecord, RestoreJobRecord, World } from './state';
import { deploymentHref, link, type ViewContext } from './views';

/**
 * Restore jobs of serverless instances and dedicated clusters, which share one wire shape: no status
 * field, only flags and timestamps (`ServerlessBackupRestoreJob`, `DiskBackupSnapshotRestoreJob`), and one
 * create body (`restoreJobCreateSchema`). The kinds differ in the rules they pass in.
 */

export interface ClassicRestoreRules {
  /** Kinds a restore of this kind may target. */
  targetKinds: readonly DeploymentKind[];
  /** The 404 for a target that is missing or of a kind it cannot take. */
  targetNotFound(name: string, groupId: string): SimError;
  /** A rule of the kind the request breaks, if any (e.g. serverless has no download). */
  refuse?(request: RestoreJobCreate): SimError | undefined;
}

/**
 * Validates a create body against the source deployment and the world, and returns the job to store.
 * Rule violations no recording shows answer 400 with a detail that names the field and the rule.
 */
export function buildClassicRestoreJob(
  world: World,
  source: DeploymentRecord,
  body: unknown,
  settings: CreateJobSettings,
  rules: ClassicRestoreRules,
): RestoreJobRecord {
  const parsed = restoreJobCreateSchema.safeParse(body);
  if (!parsed.success) throw bodyValidationError('restore job', parsed.error.issues as SchemaIssue[]);
  const request = parsed.data;
  const { nowMs } = settings;
  const refused = rules.refuse?.(request);
  if (refused) throw refused;

  let snapshot: SnapshotState | undefined;
  if (request.snapshotId !== undefined)
    snapshot = resolveSnapshot(world, source, request.snapshotId, settings.snapshotsOf);

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
    if (!target || !rules.targetKinds.includes(target.kind))
      throw rules.targetNotFound(targetName, targetGroupId);
    // Atlas echoes the target's internal name, which it derives from the target, not from its display name.
    targetDeploymentItemName = `atlas-${hashHex(target.id).slice(0, 6)}`;
  }

  const scenario = nextScenario(
    world,
    settings.defaultDurationMs,
    request.deliveryType !== 'download'
      ? { groupId: request.targetGroupId!, name: request.targetClusterName! }
      : undefined,
  );
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
    durationMs: scenario.durationMs,
    data: scenario.data,
    ...(request.deliveryType !== 'download' ? { dataAsOfMs: restoredMomentMs(request, snapshot) } : {}),
  };
}

/** A point-in-time restore writes the content of that second; a snapshot restore the snapshot's. */
function restoredMomentMs(
  request: RestoreJobCreate,
  snapshot: SnapshotState | undefined,
): number | undefined {
  const seconds = request.pointInTimeUTCSeconds ?? request.oplogTs;
  return seconds !== undefined ? seconds * 1000 : snapshot?.takenMs;
}

const DOWNLOAD_LINK_LIFETIME_MS = 3_600_000;

/**
 * A job as Atlas shows it: created with every flag false and no `finishedAt`; a finished download gets
 * `deliveryUrl` and an `expiresAt` one hour later but no `finishedAt` (as recorded).
 */
export function classicRestoreJobView(
  job: RestoreJobRecord,
  phase: RestoreJobPhase,
  ctx: ViewContext,
  owner: { segment: string; rel: string },
) {
  const self = deploymentHref(owner.segment, job.groupId, job.deploymentName, ctx);
  const download = job.deliveryType === 'download';
  const ended = phase.endMs;
  const pit = job.pointInTimeUTCSeconds ?? job.oplogTs;
  const timestampMs = pit !== undefined ? pit * 1000 : job.snapshotTakenMs;
  let expiresAt: string | undefined;
  let finishedAt: string | undefined;
  if (ended !== undefined) {
    if (phase.state === 'finished' && download) expiresAt = isoSeconds(ended + DOWNLOAD_LINK_LIFETIME_MS);
    else if (phase.state === 'expired') expiresAt = isoSeconds(ended);
    else finishedAt = isoSeconds(ended);
  }
  const links = [link(`${self}/backup/restoreJobs/${job.id}`, 'self')];
  if (job.snapshotId)
    links.push(link(`${self}/backup/snapshots/${job.snapshotId}`, 'https://cloud.mongodb.com/snapshot'));
  links.push(
    link(self, owner.rel),
    link(`${ctx.apiBase}/groups/${job.groupId}`, 'https://cloud.mongodb.com/group'),
  );
  return {
    cancelled: phase.state === 'cancelled',
    deliveryType: job.deliveryType,
    deliveryUrl:
      phase.state === 'finished' && download
        ? [
            `https://restore-${job.id}.${hashHex(job.groupId).slice(0, 6)}.mongodb.net:27017/${hashHex(`${job.id}|url`).slice(0, 32)}/restore-${job.snapshotId}.tar.gz`,
          ]
        : [],
    desiredTimestamp:
      pit !== undefined
        ? { increment: job.oplogInc ?? null, time: job.oplogTs ?? null, date: isoSeconds(pit * 1000) }
        : { increment: null, time: null, date: null },
    expired: phase.state === 'expired',
    ...(expiresAt ? { expiresAt } : {}),
    failed: phase.state === 'failed',
    ...(finishedAt ? { finishedAt } : {}),
    id: job.id,
    links,
    ...(job.oplogInc !== undefined ? { oplogInc: job.oplogInc } : {}),
    ...(job.oplogTs !== undefined ? { oplogTs: job.oplogTs } : {}),
    ...(job.pointInTimeUTCSeconds !== undefined ? { pointInTimeUTCSeconds: job.pointInTimeUTCSeconds } : {}),
    ...(job.snapshotId ? { snapshotId: job.snapshotId } : {}),
    ...(job.targetClusterName ? { targetClusterName: job.targetClusterName } : {}),
    ...(job.targetDeploymentItemName ? { targetDeploymentItemName: job.targetDeploymentItemName } : {}),
    ...(job.targetGroupId ? { targetGroupId: job.targetGroupId } : {}),
    ...(timestampMs !== undefined ? { timestamp: isoSeconds(timestampMs) } : {}),
  };
}

/**
 * Cancel of a dedicated job. Only download jobs can be cancelled (Terraform and CloudFormation refuse the
 * others too), and only while they have not ended.
 */
export function cancelDownloadJob(job: RestoreJobRecord, nowMs: number): void {
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
