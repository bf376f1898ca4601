import type { RestoreJob } from '../atlas/schemas';
import { deriveRestoreJobState } from '../common/restore-job-state';
import type { RestoreJobMatch } from './types';

/**
 * Creation time of an Atlas object in Unix seconds: the first 8 hex digits of its ObjectId. A v2 restore
 * job has no creation timestamp of its own; observed job ids carry the second of the POST (atlas-api.md §3.3).
 */
export function objectIdSeconds(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

/** Whether a listed job is the restore a submission asked for, created after the submission began. */
export function matchesRestoreJob(job: RestoreJob, match: RestoreJobMatch): boolean {
  if (job.deliveryType !== match.deliveryType) return false;
  if (job.targetClusterName !== match.targetClusterName || job.targetGroupId !== match.targetGroupId)
    return false;
  if (match.snapshotId !== undefined && job.snapshotId !== match.snapshotId) return false;
  if (match.pointInTimeUtcSeconds !== undefined && job.pointInTimeUTCSeconds !== match.pointInTimeUtcSeconds)
    return false;
  if (match.inProgressOnly && deriveRestoreJobState(job) !== 'in_progress') return false;
  return objectIdSeconds(job.id) >= match.createdAtOrAfterSeconds;
}
