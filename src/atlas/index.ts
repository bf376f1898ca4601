/** The Atlas Admin API client: what the activities, the worker and the CLI may rely on. */
export type {
  AtlasBackupApi,
  AtlasCaller,
  CallOptions,
  CollectionRestoreOperations,
  CollectionRestoreReadOptions,
  DeploymentRef,
  DeploymentView,
  PageRequest,
} from './api';
export { collectionRestoreOperations, type ClusterCollectionRestoreOperations } from './collection-restores';
export {
  createAtlasClient,
  DEFAULT_ATLAS_BASE_URL,
  paginate,
  type AtlasApiVersion,
  type AtlasCall,
  type AtlasClient,
  type AtlasClientConfig,
  type AtlasCredentials,
  type DeploymentOperations,
  type DeploymentTarget,
} from './client';
export { createBackupApi } from './backup-api';
export {
  clusterKind,
  flexKind,
  KIND_ADAPTERS,
  KIND_RESOLUTION_ORDER,
  serverlessKind,
  type DeploymentRecord,
  type KindAdapter,
} from './kinds';
export { kindOperations } from './operations';
export { AtlasApiError, isRetryableStatus, type AtlasApiErrorInit, type AtlasErrorKind } from './errors';
export {
  DEFAULT_TIMEOUTS,
  errorFromResponse,
  parseRetryAfter,
  rateLimitFromHeaders,
  retryAfterFromHeaders,
  type AtlasTimeouts,
  type RawResponse,
} from './http';
export {
  computeDigestResponse,
  digestAuthorization,
  parseDigestChallenge,
  type DigestChallenge,
} from './auth/digest';
export { clearServiceAccountTokenCache, type ServiceAccountOptions } from './auth/service-account';
export * from './schemas';
