import {
  objectIdSeconds,
  type CollectionRestoreJobView,
  type NamespaceMapping,
  type RestoreJobSpec,
  type RestoreJobView,
} from '../common/atlas-views';
import type { CollectionRestoreJobMatch, LegacyRestoreJobFields, RestoreJobMatch } from './types';

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

/** A scope's namespaces as a sorted list of `source→target`, a missing target read as the source's name. */
function mappings(entries: readonly NamespaceMapping[] | undefined): string[] {
  return (entries ?? []).map((entry) => `${entry.source}\u2192${entry.target ?? entry.source}`).sort();
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * Whether a listed collection restore job is the restore a submission asked for: same target, same source
 * (snapshot or point in time), same strategies, same namespaces and suffixes in any order (Atlas echoes an
 * unnamed target as the source's name), created after the submission began (the second in its id).
 */
export function matchesCollectionRestoreJob(
  job: CollectionRestoreJobView,
  match: CollectionRestoreJobMatch,
): boolean {
  if (job.target.name !== match.target.name || job.target.groupId !== match.target.groupId) return false;
  if (match.snapshotId !== undefined && job.snapshotId !== match.snapshotId) return false;
  if (match.pointInTimeUtcSeconds !== undefined && job.pointInTimeUtcSeconds !== match.pointInTimeUtcSeconds)
    return false;
  if (job.writeStrategy !== match.writeStrategy || job.indexStrategy !== match.indexStrategy) return false;
  if (!sameList(mappings(job.databases), mappings(match.databases))) return false;
  if (!sameList(mappings(job.collections), mappings(match.collections))) return false;
  if ((job.databaseSuffix ?? '') !== (match.databaseSuffix ?? '')) return false;
  if ((job.collectionSuffix ?? '') !== (match.collectionSuffix ?? '')) return false;
  if (match.inProgressOnly && job.state !== 'in_progress') return false;
  return objectIdSeconds(job.id) >= match.createdAtOrAfterSeconds;
}

/** Which tenth of its total a job has restored (10 once done); undefined without counts. */
function tenth(job: CollectionRestoreJobView): number | undefined {
  const { restoredDocuments: restored, totalDocuments: total } = job;
  if (restored === undefined || total === undefined) return undefined;
  return total > 0 ? Math.min(10, Math.floor((10 * restored) / total)) : 10;
}

/**
 * Whether `now` shows a step a person watching `seen` would notice: another Atlas state, another tenth of
 * the documents restored, a total that moved by more than a tenth (an estimate replaced), or counts that
 * appeared. Finer progress waits for the window, so a workflow records at most some fifteen steps per job.
 */
export function collectionRestoreProgressChanged(
  seen: CollectionRestoreJobView | undefined,
  now: CollectionRestoreJobView,
): boolean {
  if (!seen) return false;
  if (seen.atlasState !== now.atlasState) return true;
  if (tenth(seen) !== tenth(now)) return true;
  const [before, after] = [seen.totalDocuments, now.totalDocuments];
  if (before === undefined || after === undefined) return before !== after;
  return Math.abs(after - before) > before / 10;
}
