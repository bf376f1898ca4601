/**
 * Kind-neutral views of what Atlas returns. Each kind's module (`src/atlas/kinds/<kind>.ts`) maps its own
 * wire shapes to these, so activities, the workflow, the client and the CLI never see a per-kind field
 * name. They cross the activity boundary into workflow history: plain data, no links, no secrets.
 */
import type { DeploymentKind, RestoreDelivery } from './deployment-kinds';
import { deriveRestoreJobState, type RestoreJobFlags, type RestoreJobState } from './restore-job-state';

/** The part of a deployment description the engine decides on. */
export interface DeploymentState {
  kind: DeploymentKind;
  groupId: string;
  name: string;
  /** `IDLE`, `UPDATING`, `CREATING`, ... as Atlas reports it (the same enum for every kind). */
  stateName: string;
  /** Off for kinds without continuous backup. */
  continuousBackupEnabled: boolean;
  /**
   * Replica set or sharded, and how many shards, for the restore rules that depend on it (a sharded
   * snapshot needs a sharded target with as many shards). Absent in histories from before it was read.
   */
  topology?: DeploymentTopology;
}

export interface DeploymentTopology {
  sharded: boolean;
  /** 1 for a replica set. */
  shards: number;
}

export const SNAPSHOT_STATUSES = ['queued', 'inProgress', 'completed', 'failed'] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

export interface SnapshotView {
  id: string;
  status: SnapshotStatus;
  /** When the snapshot's data was taken; the point a restore of it goes back to. */
  createdAt?: string;
  expiresAt?: string;
}

/** Where a restore job writes. */
export interface RestoreTarget {
  groupId: string;
  name: string;
}

export interface RestoreJobView {
  id: string;
  delivery: RestoreDelivery;
  state: RestoreJobState;
  /** Atlas' own word for the state where the kind has one (Flex `status`: PENDING, RUNNING, ...). */
  atlasStatus?: string;
  snapshotId?: string;
  /** Absent on download jobs. */
  target?: RestoreTarget;
  pointInTimeUtcSeconds?: number;
  /** When Atlas created the job: the second embedded in its id, which every kind's job ids carry. */
  createdAt: string;
  finishedAt?: string;
  expiresAt?: string;
  /** When the restored data was taken (dedicated `timestamp`, Flex `snapshotFinishedDate`). */
  snapshotTakenAt?: string;
}

/** A restore job to create, before any kind has turned it into its own create body. */
export interface RestoreJobSpec {
  delivery: RestoreDelivery;
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  target?: RestoreTarget;
}

/**
 * Creation time of an Atlas object in Unix seconds: the first 8 hex digits of its ObjectId. A v2 restore
 * job has no creation timestamp of its own; observed job ids of every kind carry the second of the POST.
 */
export function objectIdSeconds(id: string): number {
  return Number.parseInt(id.slice(0, 8), 16);
}

export function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * A restore job as a view, whatever form history holds it in: restores started before the kind adapters
 * carried Atlas' raw serverless or dedicated job (flags, `deliveryType`, `targetClusterName`) in their
 * activity results and continuations; replaying them must still read it.
 */
export function asRestoreJobView(
  job: RestoreJobView | { id: string; [field: string]: unknown },
): RestoreJobView {
  if ('delivery' in job && 'state' in job) return job as RestoreJobView;
  const raw = job as Record<string, unknown> & { id: string };
  const text = (field: string) => (typeof raw[field] === 'string' ? (raw[field] as string) : undefined);
  const view: RestoreJobView = {
    id: raw.id,
    delivery: (text('deliveryType') ?? 'automated') as RestoreJobView['delivery'],
    state: deriveRestoreJobState(raw as RestoreJobFlags),
    createdAt: isoFromSeconds(objectIdSeconds(raw.id)),
  };
  const snapshotId = text('snapshotId');
  if (snapshotId) view.snapshotId = snapshotId;
  const targetName = text('targetClusterName');
  const targetGroupId = text('targetGroupId');
  if (targetName && targetGroupId) view.target = { groupId: targetGroupId, name: targetName };
  if (typeof raw.pointInTimeUTCSeconds === 'number') view.pointInTimeUtcSeconds = raw.pointInTimeUTCSeconds;
  const finishedAt = text('finishedAt');
  if (finishedAt) view.finishedAt = finishedAt;
  const expiresAt = text('expiresAt');
  if (expiresAt) view.expiresAt = expiresAt;
  const timestamp = text('timestamp');
  if (timestamp) view.snapshotTakenAt = timestamp;
  return view;
}

/** How a collection restore treats a target namespace that already exists (docs/atlas.md#collection-restore-requests). */
export const COLLECTION_WRITE_STRATEGIES = ['CREATE_NEW', 'OVERWRITE_EXISTING'] as const;
export type CollectionWriteStrategy = (typeof COLLECTION_WRITE_STRATEGIES)[number];
/** Which of the source's indexes the restored collections get. */
export const COLLECTION_INDEX_STRATEGIES = ['ALL', 'NONE', 'ALL_EXCEPT_TTL'] as const;
export type CollectionIndexStrategy = (typeof COLLECTION_INDEX_STRATEGIES)[number];

/**
 * One database (`shop`) or collection (`shop.orders`) to restore, and where to: `target` renames it;
 * absent, the source's name with the request's suffixes.
 */
export interface NamespaceMapping {
  source: string;
  target?: string;
}

/** What a collection- or database-level restore restores, and how; part of its create spec and its view. */
export interface CollectionRestoreScope {
  /** Whole databases, each with every collection the snapshot holds in it. At most 100. */
  databases?: NamespaceMapping[];
  /** Single collections (`database.collection`). At most 100. */
  collections?: NamespaceMapping[];
  /** Appended to the name of every restored database that has no `target` of its own. */
  databaseSuffix?: string;
  /** Appended to the name of every restored collection that has no `target` of its own. */
  collectionSuffix?: string;
}

/**
 * A collection- or database-level restore to create, before the dedicated kind turns it into its create
 * body. The source is one snapshot or one point in time of the deployment the restore is created on; the
 * target is a dedicated cluster, whose other data stays as it is.
 */
export type CollectionRestoreSpec = CollectionRestoreScope & {
  target: RestoreTarget;
  writeStrategy: CollectionWriteStrategy;
  indexStrategy: CollectionIndexStrategy;
} & (
    | { snapshotId: string; pointInTimeUtcSeconds?: undefined }
    | { pointInTimeUtcSeconds: number; snapshotId?: undefined }
  );

/** The neutral state of a collection restore job: Atlas' six states folded into four. */
export const COLLECTION_RESTORE_JOB_STATES = ['in_progress', 'finished', 'failed', 'cancelled'] as const;
export type CollectionRestoreJobState = (typeof COLLECTION_RESTORE_JOB_STATES)[number];

/** One restored collection of a job, as Atlas reports it. */
export interface CollectionRestoreNamespaceView {
  /** `database.collection` in the snapshot. */
  source: string;
  /** Where it is written (after renames and suffixes; Atlas' `effectiveTargetNamespace`). */
  target: string;
  /** Atlas' own per-collection state: NOT_STARTED, IN_PROGRESS, FINALIZING, NOT_FOUND, SUCCESSFUL, ... */
  state: string;
  restoredDocuments?: number;
  totalDocuments?: number;
}

export interface CollectionRestoreJobView extends CollectionRestoreScope {
  id: string;
  state: CollectionRestoreJobState;
  /** Atlas' word: INITIALIZING, IN_PROGRESS, FINALIZING, SUCCESSFUL, CANCELED or FAILED. */
  atlasState: string;
  restoredDocuments?: number;
  /** May be an estimate until the job ends (docs/atlas.md#collection-restore-jobs). */
  totalDocuments?: number;
  /** Why it failed or was cancelled, in Atlas' words. */
  errorMessage?: string;
  createdAt: string;
  finishedAt?: string;
  target: RestoreTarget;
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  writeStrategy: CollectionWriteStrategy;
  indexStrategy: CollectionIndexStrategy;
  /** Per collection; only where the job was read with its collections (empty while INITIALIZING). */
  namespaces?: CollectionRestoreNamespaceView[];
}

/**
 * Atlas' collection-restore states as neutral ones: SUCCESSFUL is finished, FAILED failed, CANCELED cancelled;
 * INITIALIZING, IN_PROGRESS, FINALIZING and any value Atlas may add later are still in progress.
 */
export function collectionRestoreJobState(atlasState: string): CollectionRestoreJobState {
  switch (atlasState.toUpperCase()) {
    case 'SUCCESSFUL':
      return 'finished';
    case 'FAILED':
      return 'failed';
    case 'CANCELED':
    case 'CANCELLED':
      return 'cancelled';
    default:
      return 'in_progress';
  }
}

/** What a snapshot holds, by name: its databases, and the collections of the one database asked about. */
export interface SnapshotNamespacesView {
  snapshotId: string;
  databases: { name: string; collections?: string[] }[];
}

/** `4512` as `4,512`, the same in every locale (workflow code formats with it too). */
function grouped(count: number): string {
  return String(Math.round(count)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * One line on a collection restore's progress, for heartbeat details and the Web UI, e.g.
 * `collection restore 45% (4,512 of 10,000 documents, estimate)`. While the job runs, Atlas' total may
 * still be an estimate, so the line says so.
 */
export function describeCollectionRestoreProgress(job: CollectionRestoreJobView | undefined): string {
  if (!job) return 'collection restore not read yet';
  const { restoredDocuments: restored, totalDocuments: total } = job;
  const running = job.state === 'in_progress';
  const counts =
    total !== undefined && restored !== undefined
      ? ` ${total > 0 ? Math.floor((100 * Math.min(restored, total)) / total) : 100}% (${grouped(restored)} of ${grouped(total)} documents${running ? ', estimate' : ''})`
      : ' (no document counts yet)';
  const failed = job.errorMessage ? `: ${job.errorMessage}` : '';
  return `collection restore ${job.atlasState}${counts}${failed}`;
}
