import { SimError } from './errors';
import type { RouteId } from './faults';
import { backupHandlers } from './routes/backup';
import type { Handler } from './routes/context';
import { deploymentHandlers } from './routes/deployments';
import { listProjects } from './routes/projects';

/**
 * The Admin API routes the simulator serves, under both `/api/atlas/v1.0` and `/api/atlas/v2` (same paths;
 * atlas-api.md §1). Each route names its resource family, which decides the v2 media-type versions it
 * accepts and whether it carries the serverless Deprecation/Sunset headers.
 */
export type Family = 'projects' | 'serverless' | 'clusters' | 'backup';

/** Versions per family (atlas-api.md §1, §3.6): one for backup and serverless, two cluster shapes. */
export const FAMILY_VERSIONS: Record<Family, readonly string[]> = {
  projects: ['2023-01-01'],
  serverless: ['2023-01-01'],
  backup: ['2023-01-01'],
  clusters: ['2023-02-01', '2024-08-05'],
};

/** Every published version date (atlas-sdk-go `openapi/versions.json`). */
export const PUBLISHED_VERSIONS = [
  '2023-01-01',
  '2023-02-01',
  '2023-10-01',
  '2023-11-15',
  '2024-05-30',
  '2024-08-05',
  '2024-10-23',
  '2024-11-13',
  '2025-02-19',
  '2025-03-12',
];

/** Observed on serverless calls in Dec 2025. */
export const SERVERLESS_DEPRECATION = {
  Deprecation: 'Wed, 10 Dec 2025 00:00:00 GMT',
  Sunset: 'Thu, 15 Jan 2026 00:00:00 GMT',
};
/** Observed on v2023-02-01 cluster calls. */
export const CLUSTER_2023_DEPRECATION = {
  Deprecation: 'Mon, 5 Aug 2024 00:00:00 GMT',
  Sunset: 'Thu, 1 Jul 2027 00:00:00 GMT',
};

export interface RouteDef {
  id: RouteId;
  method: string;
  template: string;
  family: Family;
  /** v2 media-type versions, oldest first. */
  versions: readonly string[];
  /** Serverless routes carry Deprecation/Sunset headers. */
  serverless: boolean;
  handler: Handler;
  pattern: RegExp;
  paramNames: string[];
}

function route(
  id: RouteId,
  method: string,
  template: string,
  family: Family,
  handler: Handler,
  versions: readonly string[] = FAMILY_VERSIONS[family],
): RouteDef {
  const paramNames: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    paramNames.push(name);
    return '([^/]+)';
  });
  return {
    id,
    method,
    template,
    family,
    versions,
    serverless: template.includes('/serverless'),
    handler,
    pattern: new RegExp(`^${source}/?$`),
    paramNames,
  };
}

const SERVERLESS = '/groups/{groupId}/serverless/{name}';
const CLUSTER = '/groups/{groupId}/clusters/{name}';
const d = deploymentHandlers;
const b = backupHandlers;

export const ROUTES: readonly RouteDef[] = [
  route('listProjects', 'GET', '/groups', 'projects', listProjects),
  route('listServerless', 'GET', '/groups/{groupId}/serverless', 'serverless', d.listServerless),
  route('getServerless', 'GET', SERVERLESS, 'serverless', d.getServerless),
  route('updateServerless', 'PATCH', SERVERLESS, 'serverless', d.updateServerless),
  route(
    'listServerlessSnapshots',
    'GET',
    `${SERVERLESS}/backup/snapshots`,
    'backup',
    b.listServerlessSnapshots,
  ),
  route(
    'getServerlessSnapshot',
    'GET',
    `${SERVERLESS}/backup/snapshots/{snapshotId}`,
    'backup',
    b.getServerlessSnapshot,
  ),
  route('listRestoreJobs', 'GET', `${SERVERLESS}/backup/restoreJobs`, 'backup', b.serverless.listRestoreJobs),
  route(
    'createRestoreJob',
    'POST',
    `${SERVERLESS}/backup/restoreJobs`,
    'backup',
    b.serverless.createRestoreJob,
  ),
  route(
    'getRestoreJob',
    'GET',
    `${SERVERLESS}/backup/restoreJobs/{jobId}`,
    'backup',
    b.serverless.getRestoreJob,
  ),
  route('listClusters', 'GET', '/groups/{groupId}/clusters', 'clusters', d.listClusters),
  route('getCluster', 'GET', CLUSTER, 'clusters', d.getCluster),
  // The published spec gives the cluster PATCH one more version than the GET: 2024-10-23.
  route('updateCluster', 'PATCH', CLUSTER, 'clusters', d.updateCluster, [
    ...FAMILY_VERSIONS.clusters,
    '2024-10-23',
  ]),
  route('listClusterSnapshots', 'GET', `${CLUSTER}/backup/snapshots`, 'backup', b.listClusterSnapshots),
  route(
    'getClusterSnapshot',
    'GET',
    `${CLUSTER}/backup/snapshots/{snapshotId}`,
    'backup',
    b.getClusterSnapshot,
  ),
  route('listRestoreJobs', 'GET', `${CLUSTER}/backup/restoreJobs`, 'backup', b.cluster.listRestoreJobs),
  route('createRestoreJob', 'POST', `${CLUSTER}/backup/restoreJobs`, 'backup', b.cluster.createRestoreJob),
  route('getRestoreJob', 'GET', `${CLUSTER}/backup/restoreJobs/{jobId}`, 'backup', b.cluster.getRestoreJob),
  route(
    'cancelRestoreJob',
    'DELETE',
    `${CLUSTER}/backup/restoreJobs/{jobId}`,
    'backup',
    b.cluster.cancelRestoreJob,
  ),
];

export type RouteMatch =
  | { found: true; route: RouteDef; params: Record<string, string> }
  /** The path exists but not for this method: 405 with `Allow`. */
  | { found: false; allow: string[] }
  | { found: false; allow: undefined };

export function matchRoute(method: string, path: string): RouteMatch {
  const allow: string[] = [];
  for (const def of ROUTES) {
    const m = def.pattern.exec(path);
    if (!m) continue;
    if (def.method === method || (method === 'HEAD' && def.method === 'GET')) {
      const params: Record<string, string> = {};
      def.paramNames.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
      return { found: true, route: def, params };
    }
    allow.push(def.method);
  }
  return allow.length > 0 ? { found: false, allow } : { found: false, allow: undefined };
}

/**
 * The media-type version to answer a v2 request with: the newest version of the route not later than the
 * date asked for (the documented guess of atlas-api.md §1). No versioned `Accept`, an unpublished date or
 * one older than the route → 406 INVALID_VERSION_DATE, unless `required` is off, in which case a missing
 * header gets the route's oldest version.
 */
export function negotiateVersion(
  accept: string | undefined,
  versions: readonly string[],
  required: boolean,
): string {
  const asked = /application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json/.exec(accept ?? '')?.[1];
  if (asked === undefined) {
    if (!required) return versions[0]!;
    throw invalidVersion();
  }
  if (!PUBLISHED_VERSIONS.includes(asked)) throw invalidVersion();
  const served = versions.filter((v) => v <= asked).pop();
  if (served === undefined) throw invalidVersion();
  return served;
}

function invalidVersion(): SimError {
  return new SimError('invalidVersionDate', 'Invalid accept header or version date.', []);
}
