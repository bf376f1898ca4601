import type { DeploymentKind } from '../common/deployment-kinds';
import type { Page, RestoreJob, RestoreJobCreate, Snapshot } from './schemas';

/** Which deployment a call is about. */
export interface DeploymentRef {
  kind: DeploymentKind;
  groupId: string;
  name: string;
}

/** A deployment as the restore engine needs to see it, whatever its kind. */
export interface DeploymentView {
  kind: DeploymentKind;
  groupId: string;
  name: string;
  /** `IDLE`, `UPDATING`, `CREATING`, ... as Atlas reports it. */
  stateName: string;
  /** Serverless: `serverlessContinuousBackupEnabled`; dedicated: `pitEnabled`. */
  continuousBackupEnabled: boolean;
  /** The parsed response, unknown fields kept. */
  raw: Record<string, unknown>;
}

export interface PageRequest {
  pageNum?: number;
  itemsPerPage?: number;
}

export interface CallOptions {
  /** Aborts the request in flight (activity cancellation). */
  signal?: AbortSignal;
}

/**
 * Kind-generic operations the activities call. Each kind maps them to its own paths, media types and
 * fields (`src/atlas/deployments.ts`); every failure is an `AtlasApiError`.
 */
export interface AtlasBackupApi {
  getDeployment(ref: DeploymentRef, options?: CallOptions): Promise<DeploymentView>;
  setContinuousBackup(ref: DeploymentRef, enabled: boolean, options?: CallOptions): Promise<DeploymentView>;
  listSnapshots(ref: DeploymentRef, page?: PageRequest, options?: CallOptions): Promise<Page<Snapshot>>;
  getSnapshot(ref: DeploymentRef, snapshotId: string, options?: CallOptions): Promise<Snapshot>;
  createRestoreJob(ref: DeploymentRef, body: RestoreJobCreate, options?: CallOptions): Promise<RestoreJob>;
  getRestoreJob(ref: DeploymentRef, restoreJobId: string, options?: CallOptions): Promise<RestoreJob>;
  listRestoreJobs(ref: DeploymentRef, page?: PageRequest, options?: CallOptions): Promise<Page<RestoreJob>>;
  /** Dedicated clusters only (download jobs in practice); other kinds reject with kind `unsupported`. */
  cancelRestoreJob(ref: DeploymentRef, restoreJobId: string, options?: CallOptions): Promise<void>;
}
