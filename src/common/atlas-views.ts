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
