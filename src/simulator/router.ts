import { SimError } from './errors';
import type { RouteId } from './faults';
import { ALL_SIM_KINDS } from './kinds';
import type { SimKind } from './kinds/types';
import { backupHandlers } from './routes/backup';
import { collectionRestoreHandlers } from './routes/collection-restores';
import type { Handler } from './routes/context';
import { deploymentHandlers } from './routes/deployments';
import { getProject, listProjects } from './routes/projects';
import type { Flavour } from './views';

/**
 * The Admin API routes the simulator serves: the projects, then each kind's routes under its collection
 * segment, built from the kind's module. Paths are the same under `/api/atlas/v1.0` and `/api/atlas/v2`
 * for the kinds both serve; each route names the v2 media-type versions it accepts and the headers its
 * answers carry.
 */

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

export interface RouteDef {
  id: RouteId;
  method: string;
  template: string;
  /** API flavours the route exists in. */
  flavours: readonly Flavour[];
  /** v2 media-type versions, oldest first. */
  versions: readonly string[];
  /** Headers every answer carries (the version is undefined before negotiation or on v1.0). */
  headers(version: string | undefined): Record<string, string>;
  handler: Handler;
  pattern: RegExp;
  paramNames: string[];
}

function route(
  def: Omit<RouteDef, 'pattern' | 'paramNames' | 'headers' | 'flavours'> &
    Partial<Pick<RouteDef, 'headers' | 'flavours'>>,
): RouteDef {
  const paramNames: string[] = [];
  const source = def.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    paramNames.push(name);
    return '([^/]+)';
  });
  return {
    flavours: ['v1.0', 'v2'],
    headers: () => ({}),
    ...def,
    pattern: new RegExp(`^${source}/?$`),
    paramNames,
  };
}

/** Restore-job routes share their ids across kinds, so one fault setting covers every kind's jobs. */
function kindRoutes(kind: SimKind): RouteDef[] {
  const collection = `/groups/{groupId}/${kind.segment}`;
  const one = `${collection}/{name}`;
  const d = deploymentHandlers(kind);
  const b = backupHandlers(kind);
  const ids = kind.routeIds;
  const common = { flavours: kind.flavours };
  const deployment = {
    ...common,
    versions: kind.versions.deployment,
    headers: (v: string | undefined) => kind.headers('deployment', v),
  };
  const backup = {
    ...common,
    versions: kind.versions.backup,
    headers: (v: string | undefined) => kind.headers('backup', v),
  };
  const routes = [
    route({ ...deployment, id: ids.list, method: 'GET', template: collection, handler: d.list }),
    route({ ...deployment, id: ids.get, method: 'GET', template: one, handler: d.get }),
  ];
  if (d.update && ids.update)
    routes.push(
      route({
        ...deployment,
        id: ids.update,
        method: 'PATCH',
        template: one,
        versions: kind.versions.update ?? kind.versions.deployment,
        handler: d.update,
      }),
    );
  const snapshots = `${one}/backup/snapshots`;
  const jobs = `${one}/backup/restoreJobs`;
  routes.push(
    route({ ...backup, id: ids.listSnapshots, method: 'GET', template: snapshots, handler: b.listSnapshots }),
    route({
      ...backup,
      id: ids.getSnapshot,
      method: 'GET',
      template: `${snapshots}/{snapshotId}`,
      handler: b.getSnapshot,
    }),
    route({ ...backup, id: 'listRestoreJobs', method: 'GET', template: jobs, handler: b.listRestoreJobs }),
    route({ ...backup, id: 'createRestoreJob', method: 'POST', template: jobs, handler: b.createRestoreJob }),
    route({
      ...backup,
      id: 'getRestoreJob',
      method: 'GET',
      template: `${jobs}/{jobId}`,
      handler: b.getRestoreJob,
    }),
  );
  if (b.cancelRestoreJob)
    routes.push(
      route({
        ...backup,
        id: 'cancelRestoreJob',
        method: 'DELETE',
        template: `${jobs}/{jobId}`,
        handler: b.cancelRestoreJob,
      }),
    );
  // A download creates a restore job too (deliveryType DOWNLOAD), so it shares the create route's id.
  if (b.createDownload)
    routes.push(
      route({
        ...backup,
        id: 'createRestoreJob',
        method: 'POST',
        template: `${one}/backup/download`,
        handler: b.createDownload,
      }),
    );
  if (kind.collectionRestores)
    routes.push(...collectionRestoreRoutes(kind, kind.collectionRestores.versions));
  return routes;
}

/** Collection restores and the namespaces of snapshots: v2 only, under the source cluster. */
function collectionRestoreRoutes(kind: SimKind, versions: readonly string[]): RouteDef[] {
  const one = `/groups/{groupId}/${kind.segment}/{name}`;
  const jobs = `${one}/collectionRestoreJobs`;
  const databases = `${one}/backup/snapshots/{snapshotId}/databases`;
  const c = collectionRestoreHandlers(kind);
  const common = { flavours: ['v2'] as const, versions };
  const get = (id: RouteId, template: string, handler: Handler) =>
    route({ ...common, id, method: 'GET', template, handler });
  return [
    get('listCollectionRestoreJobs', jobs, c.listJobs),
    route({
      ...common,
      id: 'createCollectionRestoreJob',
      method: 'POST',
      template: jobs,
      handler: c.createJob,
    }),
    get('getCollectionRestoreJob', `${jobs}/{jobId}`, c.getJob),
    get('listCollectionRestoreCollections', `${jobs}/{jobId}/collections`, c.listCollections),
    get('getCollectionRestoreCollection', `${jobs}/{jobId}/collections/{sourceNamespace}`, c.getCollection),
    get('listSnapshotDatabases', databases, c.listDatabases),
    get('getSnapshotDatabase', `${databases}/{databaseName}`, c.getDatabase),
    get('listSnapshotCollections', `${databases}/{databaseName}/collections`, c.listCollectionsOfDatabase),
    get(
      'getSnapshotCollection',
      `${databases}/{databaseName}/collections/{collectionName}`,
      c.getCollectionOfDatabase,
    ),
  ];
}

const PROJECT_VERSIONS = ['2023-01-01'];

export const ROUTES: readonly RouteDef[] = [
  route({
    id: 'listProjects',
    method: 'GET',
    template: '/groups',
    versions: PROJECT_VERSIONS,
    handler: listProjects,
  }),
  route({
    id: 'getProject',
    method: 'GET',
    template: '/groups/{groupId}',
    versions: PROJECT_VERSIONS,
    handler: getProject,
  }),
  ...ALL_SIM_KINDS.flatMap(kindRoutes),
];

export type RouteMatch =
  | { found: true; route: RouteDef; params: Record<string, string> }
  /** The path exists but not for this method: 405 with `Allow`. */
  | { found: false; allow: string[] }
  | { found: false; allow: undefined };

/** The route for a method and path of one API flavour; routes of another flavour do not exist here. */
export function matchRoute(method: string, path: string, flavour: Flavour): RouteMatch {
  const allow: string[] = [];
  for (const def of ROUTES) {
    if (!def.flavours.includes(flavour)) continue;
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
 * date asked for (documented as a guess; Atlas does not say). No versioned `Accept`, an unpublished date or
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
