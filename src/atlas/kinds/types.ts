import type { z } from 'zod';
import type {
  DeploymentTopology,
  RestoreJobSpec,
  RestoreJobView,
  SnapshotView,
} from '../../common/atlas-views';
import type { DeploymentKind, KindCapabilities } from '../../common/deployment-kinds';
import type { AtlasApiVersion } from '../api';

/** What every deployment description has; the rest stays as Atlas sent it. */
export type DeploymentRecord = { stateName: string } & Record<string, unknown>;

/**
 * Everything about one deployment kind on the wire: where its routes are, which media types they speak,
 * their shapes, and how they map to the kind-neutral views. The client's operations and the backup API are
 * generic over this; adding a kind means one new module like this and its entry in `./index.ts`.
 */
export interface KindAdapter<
  D extends DeploymentRecord = DeploymentRecord,
  U = unknown,
  S = unknown,
  J = unknown,
  C = unknown,
> {
  kind: DeploymentKind;
  capabilities: KindCapabilities;
  /** Path segment under `/groups/{groupId}`. */
  collection: string;
  /** The API flavours that serve this kind (Flex: v2 only). */
  apiVersions: readonly AtlasApiVersion[];
  /** v2 media-type versions of the deployment's GET and PATCH, and of its backup routes. */
  versions: { get: string; update: string | null; backup: string };
  schemas: {
    deployment: z.ZodType<D>;
    /** `null`: the kind has no PATCH the engine uses. */
    update: z.ZodType<U> | null;
    snapshot: z.ZodType<S>;
    restoreJob: z.ZodType<J>;
    create: z.ZodType<C>;
  };
  continuousBackupEnabled(deployment: D): boolean;
  /** Replica set or sharded, as the description says (kinds that are always replica sets say so). */
  topology(deployment: D): DeploymentTopology;
  /** The PATCH body that switches continuous backup, given the deployment as it is now; `null`: no switch. */
  continuousBackupUpdate: ((enabled: boolean, current: D, apiVersion: AtlasApiVersion) => U) | null;
  snapshotView(snapshot: S): SnapshotView;
  restoreJobView(job: J, source: { groupId: string }): RestoreJobView;
  /** The create body for a neutral spec, or a sentence saying why this kind cannot do it. */
  createBody(spec: RestoreJobSpec): { body: C } | { unsupported: string };
  /**
   * Whether an error answer on this kind's GET means "this name is not one of mine" (another kind's, or
   * none), so that kind resolution asks the next kind.
   */
  notThisKind(status: number, errorCode: string | undefined): boolean;
  /** Error codes of a 404 that name a missing thing (project, snapshot, job), not a missing route. */
  specificNotFound: ReadonlySet<string>;
  /** Where a driver reaches the deployment's data, from its description. */
  connectionString(deployment: D): string | undefined;
}

/** The retirement sentence added to a 404 or 410 on a retired kind's routes. */
export function retiredHint(capabilities: KindCapabilities): string | undefined {
  const retired = capabilities.retired;
  return retired
    ? `Atlas retired the ${capabilities.label} endpoints on ${retired.date} and answers 404/410 on them; ${retired.use}`
    : undefined;
}
