import type { DeploymentKind } from '../../common/deployment-kinds';
import type { SimError } from '../errors';
import type { RouteId } from '../faults';
import type { RestoreJobPhase } from '../restore-jobs';
import type { SnapshotState } from '../snapshots';
import type { DeploymentRecord, ExtraSnapshotRecord, RestoreJobRecord, World } from '../state';
import type { Flavour, ViewContext } from '../views';

/** What a kind's restore-job builders need besides the world and the source. */
export interface CreateJobSettings {
  nowMs: number;
  pointInTimeWindowMs: number;
  defaultDurationMs: number;
  /** Any deployment's snapshots at `nowMs`, whatever its kind (to name the owner of a foreign snapshot). */
  snapshotsOf(deployment: DeploymentRecord): SnapshotState[];
}

/**
 * Everything the simulator knows about one kind of deployment: where its routes live, which media-type
 * versions they speak, the wire shapes of its deployment, snapshots and restore jobs, its PATCH and
 * restore-create rules, and its errors. Routes, seed handling, state and the control surface ask this
 * record and never test a kind's name.
 */
export interface SimKind<SeedEntry = unknown> {
  kind: DeploymentKind;
  /** The collection segment under `/groups/{groupId}/`. */
  segment: string;
  /** API flavours that serve the kind's routes; another flavour answers 404 RESOURCE_NOT_FOUND. */
  flavours: readonly Flavour[];
  /** v2 media-type versions, oldest first, per resource. */
  versions: {
    deployment: readonly string[];
    /** The PATCH, when the kind has one; defaults to `deployment`. */
    update?: readonly string[];
    backup: readonly string[];
  };
  /**
   * Collection- and database-level restores (`collectionRestoreJobs` and the namespace listings of
   * snapshots), v2 only, in these media-type versions; absent on kinds Atlas has none for.
   */
  collectionRestores?: { versions: readonly string[] };
  /** Route ids (for faults and the request log) of the kind's own routes; restore-job routes are shared. */
  routeIds: { list: RouteId; get: RouteId; update?: RouteId; listSnapshots: RouteId; getSnapshot: RouteId };
  /** Headers every answer of the kind's routes carries, errors included (Deprecation/Sunset). */
  headers(resource: 'deployment' | 'backup', version: string | undefined): Record<string, string>;

  /** The seed's key for this kind's deployments (each module exports the schema of one entry). */
  seedKey: 'serverless' | 'clusters' | 'flexClusters';
  fromSeed(entry: SeedEntry): DeploymentRecord;

  /** The deployment as the kind's GET answers it; `stateName` overrides the derived state (a PATCH answer). */
  deploymentView(deployment: DeploymentRecord, ctx: ViewContext, stateName?: string): Record<string, unknown>;
  /**
   * Checks a PATCH body against the deployment and applies it (nothing is changed when it throws); the
   * handler compares the record before and after. Absent when the simulator has no PATCH for the kind.
   */
  update?(deployment: DeploymentRecord, body: unknown, ctx: ViewContext): void;

  /** The deployment's snapshots at `nowMs`, newest first. */
  snapshots(
    deployment: DeploymentRecord,
    extras: readonly ExtraSnapshotRecord[],
    nowMs: number,
  ): SnapshotState[];
  /** The order the kind's snapshot list answers in. */
  snapshotListOrder: 'newestFirst' | 'oldestFirst';
  snapshotView(
    snapshot: SnapshotState,
    deployment: DeploymentRecord,
    ctx: ViewContext,
  ): Record<string, unknown>;

  /** Validates a create body and returns the job to store. */
  createRestoreJob(
    world: World,
    source: DeploymentRecord,
    body: unknown,
    settings: CreateJobSettings,
  ): RestoreJobRecord;
  /** The status a successful create answers with. */
  createStatus(flavour: Flavour): number;
  /** A download delivery with its own route (`POST …/backup/download`), when the kind has one. */
  createDownload?(
    world: World,
    source: DeploymentRecord,
    body: unknown,
    settings: CreateJobSettings,
  ): RestoreJobRecord;
  restoreJobView(job: RestoreJobRecord, phase: RestoreJobPhase, ctx: ViewContext): Record<string, unknown>;
  /** DELETE on a restore job; absent when the kind has no cancel (the route then answers 405). */
  cancel?(job: RestoreJobRecord, nowMs: number): void;

  /** The 404 for a name that is no deployment in the project. */
  notFound(name: string, groupId: string): SimError;
  /** The answer for a name that belongs to a deployment of another kind. */
  otherKindError(name: string, groupId: string, other: DeploymentKind): SimError;
}
