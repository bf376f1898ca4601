/**
 * Types of the Atlas client's surface, with no code: the low-level call, the per-kind wire operations and
 * the kind-neutral API the activities use. Every module of `src/atlas` may import this one; it imports
 * none of them, so the client, the kinds and the operations never depend on each other in a circle.
 */
import type { z } from 'zod';
import type {
  CollectionRestoreJobView,
  CollectionRestoreSpec,
  DeploymentState,
  RestoreJobSpec,
  RestoreJobView,
  SnapshotNamespacesView,
  SnapshotView,
} from '../common/atlas-views';
import type { DeploymentKind } from '../common/deployment-kinds';
import type { Page } from './wire';

export type AtlasApiVersion = 'v2' | 'v1.0';

/** Which deployment a call is about. */
export interface DeploymentRef {
  kind: DeploymentKind;
  groupId: string;
  name: string;
}

/** A deployment as the restore engine needs to see it, whatever its kind. */
export interface DeploymentView extends DeploymentState {
  /**
   * Where a driver reaches its data (`connectionStrings.standard`, else `standardSrv`). Only activities
   * read it; it stays out of `DeploymentState`, which goes into workflow history.
   */
  connectionString?: string;
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

export interface ResolveOptions {
  /**
   * The kinds to ask first, in order (a restore target is most likely one its source's kind restores
   * into); the others follow in the usual order. Default: Flex, dedicated, serverless.
   */
  preferKinds?: readonly DeploymentKind[];
}

/** One Admin API call, described for `AtlasClient.call`. */
export interface AtlasCall<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Below `/api/atlas/{v2|v1.0}`, segments already encoded: `/groups/{groupId}/clusters/{name}`. */
  path: string;
  /** The resource's v2 media-type version (`2023-01-01`); ignored on v1.0. */
  version: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Already validated; sent as JSON. */
  body?: unknown;
  /** Parses a 2xx body; without it the body is ignored (a 204 cancel). */
  response?: z.ZodType<T>;
  signal?: AbortSignal;
  /** A sentence to add to the error for a given failing status (a retired kind's routes on 404/410). */
  hint?: (status: number, errorCode: string | undefined) => string | undefined;
}

/** The low-level call every kind's operations are built on. */
export type AtlasCaller = <T>(spec: AtlasCall<T>) => Promise<T>;

/** Which deployment a wire-level call is about; the kind is implied by the operation group. */
export interface DeploymentTarget {
  groupId: string;
  name: string;
}

/**
 * The wire-level operations of one kind, in its own paths, media types and shapes (D: deployment, U:
 * update body, S: snapshot, J: restore job, C: create body). Bad input is refused before anything is sent.
 */
export interface DeploymentOperations<D = unknown, U = unknown, S = unknown, J = unknown, C = unknown> {
  get(target: DeploymentTarget, options?: CallOptions): Promise<D>;
  /** PATCH; returns the deployment, usually `UPDATING`. Kinds without a PATCH reject with `unsupported`. */
  update(target: DeploymentTarget, body: U, options?: CallOptions): Promise<D>;
  listSnapshots(target: DeploymentTarget, page?: PageRequest, options?: CallOptions): Promise<Page<S>>;
  getSnapshot(target: DeploymentTarget, snapshotId: string, options?: CallOptions): Promise<S>;
  /** Any 2xx is success: v2 answers 200, v1.0 201. */
  createRestoreJob(target: DeploymentTarget, body: C, options?: CallOptions): Promise<J>;
  getRestoreJob(target: DeploymentTarget, restoreJobId: string, options?: CallOptions): Promise<J>;
  listRestoreJobs(target: DeploymentTarget, page?: PageRequest, options?: CallOptions): Promise<Page<J>>;
  /** DELETE (204). Kinds without a cancel endpoint reject with kind `unsupported`, nothing sent. */
  cancelRestoreJob(target: DeploymentTarget, restoreJobId: string, options?: CallOptions): Promise<void>;
}

/**
 * The wire-level collection- and database-level restore operations (J: job, N: one collection of a job,
 * B: create body, S: a database or collection of a snapshot). `target` is the source cluster: Atlas files
 * collection restore jobs under the cluster whose snapshot they restore. Kinds without the capability, and
 * the v1.0 API, reject every call with kind `unsupported`, nothing sent.
 */
export interface CollectionRestoreOperations<J = unknown, N = unknown, B = unknown, S = unknown> {
  /** Atlas answers 201. */
  createCollectionRestoreJob(target: DeploymentTarget, body: B, options?: CallOptions): Promise<J>;
  getCollectionRestoreJob(target: DeploymentTarget, jobId: string, options?: CallOptions): Promise<J>;
  listCollectionRestoreJobs(
    target: DeploymentTarget,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<J>>;
  /** Empty while the job is INITIALIZING. */
  listCollectionRestoreCollections(
    target: DeploymentTarget,
    jobId: string,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<N>>;
  getCollectionRestoreCollection(
    target: DeploymentTarget,
    jobId: string,
    sourceNamespace: string,
    options?: CallOptions,
  ): Promise<N>;
  listSnapshotDatabases(
    target: DeploymentTarget,
    snapshotId: string,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<S>>;
  listSnapshotCollections(
    target: DeploymentTarget,
    snapshotId: string,
    database: string,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<S>>;
}

export interface CollectionRestoreReadOptions extends CallOptions {
  /** Also read the job's collections, every page (default true); a poller that only needs the counts skips them. */
  namespaces?: boolean;
}

/**
 * Kind-neutral operations the activities call. Each kind maps them to its own paths, media types and
 * fields (`src/atlas/kinds`); every failure is an `AtlasApiError`; nothing here retries.
 */
export interface AtlasBackupApi {
  getDeployment(ref: DeploymentRef, options?: CallOptions): Promise<DeploymentView>;
  /**
   * Finds which kind a deployment is, the way the Atlas CLI does: asks each kind in turn and moves on when
   * Atlas answers that the name belongs to another kind (`CANNOT_USE_*`) or is not one of this kind's.
   */
  resolveDeployment(
    ref: Omit<DeploymentRef, 'kind'>,
    options?: CallOptions & ResolveOptions,
  ): Promise<DeploymentView>;
  /** Kinds without a continuous-backup switch reject with kind `unsupported`, nothing sent. */
  setContinuousBackup(ref: DeploymentRef, enabled: boolean, options?: CallOptions): Promise<DeploymentView>;
  listSnapshots(ref: DeploymentRef, page?: PageRequest, options?: CallOptions): Promise<Page<SnapshotView>>;
  getSnapshot(ref: DeploymentRef, snapshotId: string, options?: CallOptions): Promise<SnapshotView>;
  createRestoreJob(ref: DeploymentRef, spec: RestoreJobSpec, options?: CallOptions): Promise<RestoreJobView>;
  getRestoreJob(ref: DeploymentRef, restoreJobId: string, options?: CallOptions): Promise<RestoreJobView>;
  listRestoreJobs(
    ref: DeploymentRef,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<RestoreJobView>>;
  /** Only the deliveries the kind's capabilities list; others reject with kind `unsupported`. */
  cancelRestoreJob(ref: DeploymentRef, restoreJobId: string, options?: CallOptions): Promise<void>;

  /**
   * Collection- and database-level restores of `ref`'s snapshots (`ref` is the source). Kinds whose
   * capabilities lack `collectionRestore` reject with kind `unsupported`, nothing sent; so does a spec with
   * no namespace, or with both or neither of a snapshot and a point in time.
   */
  createCollectionRestoreJob(
    ref: DeploymentRef,
    spec: CollectionRestoreSpec,
    options?: CallOptions,
  ): Promise<CollectionRestoreJobView>;
  /** The job, with its collections (`namespaces`) unless `namespaces: false`. */
  getCollectionRestoreJob(
    ref: DeploymentRef,
    jobId: string,
    options?: CollectionRestoreReadOptions,
  ): Promise<CollectionRestoreJobView>;
  /** One page of the source's collection restore jobs, without their collections. */
  listCollectionRestoreJobs(
    ref: DeploymentRef,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<CollectionRestoreJobView>>;
  /**
   * What a snapshot of `ref` holds, every page read: its databases, or, given `database`, that database with
   * its collections. Atlas lists names only, no document counts.
   */
  listSnapshotNamespaces(
    ref: DeploymentRef,
    snapshotId: string,
    database?: string,
    options?: CallOptions,
  ): Promise<SnapshotNamespacesView>;
}
