import { STATUS_CODES } from 'node:http';

/**
 * Every error the simulator answers with, in one table: HTTP status, Atlas `errorCode` and how the detail
 * reads. Codes marked "observed" come from recorded real responses or MongoDB's own tools
 * (docs/atlas.md#errors); the others are Atlas-style guesses for cases no recording shows, and any code can be
 * replaced with the `errorCodes` option so a test can pin whatever real Atlas turns out to send.
 */
export const ERROR_TABLE = {
  /** observed */
  groupNotFound: { status: 404, code: 'GROUP_NOT_FOUND' },
  invalidGroupId: { status: 400, code: 'INVALID_GROUP_ID' },
  /** used by MongoDB's Kubernetes operator for a missing instance */
  serverlessNotFound: { status: 404, code: 'SERVERLESS_INSTANCE_NOT_FOUND' },
  /** observed */
  clusterNotFound: { status: 404, code: 'CLUSTER_NOT_FOUND' },
  /** observed: the Flex API names a missing Flex cluster CLUSTER_NOT_FOUND too */
  flexClusterNotFound: { status: 404, code: 'CLUSTER_NOT_FOUND' },
  /** observed */
  flexInClusterApi: { status: 400, code: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API' },
  /** observed */
  nonFlexInFlexApi: { status: 400, code: 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API' },
  /** named by MongoDB's tools; status 400 like the observed Flex equivalents */
  serverlessInClusterApi: { status: 400, code: 'CANNOT_USE_SERVERLESS_INSTANCE_IN_CLUSTER_API' },
  clusterInServerlessApi: { status: 400, code: 'CANNOT_USE_CLUSTER_IN_SERVERLESS_INSTANCE_API' },
  snapshotNotFound: { status: 404, code: 'SNAPSHOT_NOT_FOUND' },
  restoreJobNotFound: { status: 404, code: 'RESTORE_JOB_NOT_FOUND' },
  /** chosen: no recording shows a missing collection restore job; the restore job code */
  collectionRestoreJobNotFound: { status: 404, code: 'RESTORE_JOB_NOT_FOUND' },
  /** chosen: a namespace that is not one of the job's collections, or not in the snapshot (the recorded generic 404) */
  namespaceNotFound: { status: 404, code: 'RESOURCE_NOT_FOUND' },
  /** observed ("Cannot find resource …") */
  resourceNotFound: { status: 404, code: 'RESOURCE_NOT_FOUND' },
  /** spec example for schema violations of a request body */
  validation: { status: 400, code: 'VALIDATION_ERROR' },
  invalidJson: { status: 400, code: 'INVALID_JSON' },
  invalidQueryParameter: { status: 400, code: 'INVALID_PARAMETER' },
  /** the restore-create rules below are unconfirmed server-side (docs/atlas.md#create-bodies) */
  snapshotNotCompleted: { status: 400, code: 'INVALID_PARAMETER' },
  snapshotOfOtherDeployment: { status: 400, code: 'INVALID_PARAMETER' },
  pointInTimeOutsideWindow: { status: 400, code: 'INVALID_PARAMETER' },
  continuousBackupDisabled: { status: 400, code: 'INVALID_PARAMETER' },
  deliveryTypeUnsupported: { status: 400, code: 'INVALID_PARAMETER' },
  pitRequiresBackup: { status: 400, code: 'INVALID_PARAMETER' },
  unknownAttribute: { status: 400, code: 'INVALID_ATTRIBUTE' },
  /** in Atlas' published error-code list; no recording */
  attributeReadOnly: { status: 400, code: 'ATTRIBUTE_READ_ONLY' },
  /** in Atlas' published error-code list; no recording */
  clusterCannotChangeName: { status: 400, code: 'CLUSTER_CANNOT_CHANGE_NAME' },
  /** a simulator limit, not an Atlas rule: a PATCH changing a field the simulator does not model */
  attributeNotSimulated: { status: 400, code: 'INVALID_ATTRIBUTE' },
  /**
   * in Atlas' published error-code list ("Cluster restore already in progress."); no recording shows which
   * code a busy Flex restore target, or a second collection restore into a cluster, gets
   */
  targetRestoreInProgress: { status: 409, code: 'ATLAS_CLUSTER_RESTORE_IN_PROGRESS' },
  restoreJobNotCancellable: { status: 400, code: 'RESTORE_JOB_NOT_CANCELLABLE' },
  /** reported by two third-party code bases; unconfirmed by MongoDB */
  invalidVersionDate: { status: 406, code: 'INVALID_VERSION_DATE' },
  /** documented sample */
  rateLimited: { status: 429, code: 'RATE_LIMITED_TOKEN_BUCKET' },
  /** observed on the token endpoint */
  tokenRateLimited: { status: 429, code: 'RATE_LIMITED' },
  invalidToken: { status: 401, code: 'UNAUTHORIZED' },
  /** spec examples */
  unexpected: { status: 500, code: 'UNEXPECTED_ERROR' },
  serviceUnavailable: { status: 503, code: 'SERVICE_UNAVAILABLE' },
} as const satisfies Record<string, { status: number; code: string }>;

export type SimErrorKey = keyof typeof ERROR_TABLE;

/** Atlas' `ApiError` body (docs/atlas.md#errors). */
export interface ApiErrorBody {
  detail: string;
  error: number;
  errorCode: string;
  parameters: unknown[];
  reason: string;
  badRequestDetail?: { fields: { field: string; description: string }[] };
}

/** Thrown by handlers; the server turns it into an Atlas-shaped error response. */
export class SimError extends Error {
  constructor(
    readonly key: SimErrorKey,
    readonly detail: string,
    readonly parameters: unknown[] = [],
    readonly extra: {
      badRequestDetail?: ApiErrorBody['badRequestDetail'];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(detail);
  }

  get status(): number {
    return ERROR_TABLE[this.key].status;
  }

  body(codes: Partial<Record<SimErrorKey, string>> = {}): ApiErrorBody {
    const status = this.status;
    return {
      detail: this.detail,
      error: status,
      errorCode: codes[this.key] ?? ERROR_TABLE[this.key].code,
      parameters: this.parameters,
      reason: reasonPhrase(status),
      ...(this.extra.badRequestDetail ? { badRequestDetail: this.extra.badRequestDetail } : {}),
    };
  }
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown';
}

/** Shorthands with the detail texts Atlas uses where recordings show them. */
export const errors = {
  groupNotFound: (groupId: string) =>
    new SimError('groupNotFound', `No group with ID ${groupId} exists.`, [groupId]),
  invalidGroupId: (groupId: string) =>
    new SimError('invalidGroupId', `An invalid group ID ${groupId} was specified.`, [groupId]),
  serverlessNotFound: (name: string, groupId: string) =>
    new SimError('serverlessNotFound', `No serverless instance named ${name} exists in group ${groupId}.`, [
      name,
      groupId,
    ]),
  clusterNotFound: (name: string, groupId: string) =>
    new SimError('clusterNotFound', `No cluster named ${name} exists in group ${groupId}.`, [name, groupId]),
  flexClusterNotFound: (name: string, groupId: string) =>
    new SimError('flexClusterNotFound', `No cluster named ${name} exists in group ${groupId}.`, [
      name,
      groupId,
    ]),
  flexInClusterApi: (name: string) =>
    new SimError('flexInClusterApi', `Flex cluster ${name} cannot be used in the Cluster API.`, [name]),
  nonFlexInFlexApi: (name: string) =>
    new SimError('nonFlexInFlexApi', `Cannot use non-flex cluster ${name} in the flex API.`, [name]),
  serverlessInClusterApi: (name: string) =>
    new SimError(
      'serverlessInClusterApi',
      `${name} is a serverless instance; use the serverless instance API for it.`,
      [name],
    ),
  clusterInServerlessApi: (name: string) =>
    new SimError('clusterInServerlessApi', `${name} is a dedicated cluster; use the cluster API for it.`, [
      name,
    ]),
  snapshotNotFound: (snapshotId: string, name: string) =>
    new SimError('snapshotNotFound', `No snapshot with ID ${snapshotId} exists for ${name}.`, [
      snapshotId,
      name,
    ]),
  restoreJobNotFound: (jobId: string, name: string) =>
    new SimError('restoreJobNotFound', `No restore job with ID ${jobId} exists for ${name}.`, [jobId, name]),
  collectionRestoreJobNotFound: (jobId: string, name: string) =>
    new SimError(
      'collectionRestoreJobNotFound',
      `No collection restore job with ID ${jobId} exists for ${name}.`,
      [jobId, name],
    ),
  namespaceNotFound: (what: string, name: string, where: string) =>
    new SimError('namespaceNotFound', `No ${what} ${name} exists in ${where}.`, [what, name, where]),
  resourceNotFound: (path: string) =>
    new SimError('resourceNotFound', `Cannot find resource ${path}.`, [path]),
} as const;
