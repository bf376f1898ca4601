import { objectIdSeconds, type RestoreJobSpec, type RestoreJobView } from '../common/atlas-views';
import type { LegacyRestoreJobFields, RestoreJobMatch } from './types';

export { objectIdSeconds };

/** Whether a listed job is the restore a submission asked for, created after the submission began. */
export function matchesRestoreJob(job: RestoreJobView, match: RestoreJobMatch): boolean {
  if (job.delivery !== match.delivery) return false;
  if (job.target?.name !== match.target.name || job.target?.groupId !== match.target.groupId) return false;
  if (match.snapshotId !== undefined && job.snapshotId !== match.snapshotId) return false;
  if (match.pointInTimeUtcSeconds !== undefined && job.pointInTimeUtcSeconds !== match.pointInTimeUtcSeconds)
    return false;
  if (match.inProgressOnly && job.state !== 'in_progress') return false;
  return objectIdSeconds(job.id) >= match.createdAtOrAfterSeconds;
}

/** A match as this version writes it, also from one scheduled by a worker before the kind adapters. */
export function normalizeMatch(match: RestoreJobMatch & LegacyRestoreJobFields): RestoreJobMatch {
  if (match.target) return match;
  const { deliveryType, targetClusterName, targetGroupId, ...rest } = match;
  return {
    ...rest,
    delivery: match.delivery ?? deliveryType ?? 'automated',
    target: { groupId: targetGroupId ?? '', name: targetClusterName ?? '' },
  };
}

/** A create spec as this version writes it, also from one scheduled by a worker before the kind adapters. */
export function normalizeSpec(spec: RestoreJobSpec & LegacyRestoreJobFields): RestoreJobSpec {
  if (spec.delivery) return spec;
  const normalized: RestoreJobSpec = { delivery: spec.deliveryType ?? 'automated' };
  if (spec.snapshotId !== undefined) normalized.snapshotId = spec.snapshotId;
  const pointInTime = spec.pointInTimeUtcSeconds ?? spec.pointInTimeUTCSeconds;
  if (pointInTime !== undefined) normalized.pointInTimeUtcSeconds = pointInTime;
  if (spec.targetClusterName && spec.targetGroupId)
    normalized.target = { groupId: spec.targetGroupId, name: spec.targetClusterName };
  return normalized;
}
