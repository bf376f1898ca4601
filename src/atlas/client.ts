import { z } from 'zod';
import type { DeploymentKind } from '../common/deployment-kinds';
import { deploymentNameSchema, describeIssues, objectIdSchema } from '../common/restore-request';
import type { CallOptions, PageRequest } from './api';
import type { Authenticator } from './auth/authenticator';
import { DigestAuthenticator } from './auth/digest';
import { ServiceAccountAuthenticator, type ServiceAccountOptions } from './auth/service-account';
import {
  DEPLOYMENT_DESCRIPTORS,
  descriptorOf,
  type DeploymentDescriptor,
  type DeploymentRecord,
} from './deployments';
import { AtlasApiError } from './errors';
import {
  errorFromResponse,
  HttpTransport,
  isRecord,
  pathOnly,
  type AtlasTimeouts,
  type RawResponse,
} from './http';
import {
  pageSchema,
  projectSchema,
  restoreJobCreateSchema,
  restoreJobSchema,
  snapshotSchema,
  type Cluster,
  type ClusterUpdate,
  type Page,
  type Project,
  type RestoreJob,
  type RestoreJobCreate,
  type ServerlessInstance,
  type ServerlessInstanceUpdate,
  type Snapshot,
} from './schemas';

export type AtlasApiVersion = 'v2' | 'v1.0';

/** API key (HTTP Digest) or service account (OAuth client credentials). Never logged, never in errors. */
export type AtlasCredentials =
  | { type: 'digest'; publicKey: string; privateKey: string }
  | { type: 'serviceAccount'; clientId: string; clientSecret: string };

export interface AtlasClientConfig {
  /** Default `https://cloud.mongodb.com`; the simulator's URL in tests and the demo. */
  baseUrl?: string;
  /** `v2` (versioned media types per resource, the default) or the legacy `v1.0` (plain JSON). */
  apiVersion?: AtlasApiVersion;
  credentials: AtlasCredentials;
  /** Connect, headers and body timeouts; defaults 10 s, 30 s, 30 s. */
  timeouts?: AtlasTimeouts;
  /** Default `atlas-restore`. */
  userAgent?: string;
  /** Send `envelope=true` on every call and unwrap `{status, content}` answers. Default false. */
  envelope?: boolean;
  /** Token refresh margin, 429 wait and clock of the service-account token cache. */
  serviceAccount?: ServiceAccountOptions;
}

export const DEFAULT_ATLAS_BASE_URL = 'https://cloud.mongodb.com';

/** v2 media-type version of the project list (`ProjectsApi.listProjects`). */
const PROJECTS_VERSION = '2023-01-01';

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
  /** A sentence to add to the error for a given failing status (the serverless sunset on 404/410). */
  hint?: (status: number, errorCode: string | undefined) => string | undefined;
}

/** Which deployment a call is about; `kind` is implied by the operation group. */
export interface DeploymentTarget {
  groupId: string;
  name: string;
}

/** The operations every deployment kind offers, in its own paths, media types and shapes. */
export interface DeploymentOperations<D, U> {
  get(target: DeploymentTarget, options?: CallOptions): Promise<D>;
  /** PATCH; returns the deployment, usually `UPDATING` (atlas-api.md §3.1, §3.6). */
  update(target: DeploymentTarget, body: U, options?: CallOptions): Promise<D>;
  listSnapshots(target: DeploymentTarget, page?: PageRequest, options?: CallOptions): Promise<Page<Snapshot>>;
  getSnapshot(target: DeploymentTarget, snapshotId: string, options?: CallOptions): Promise<Snapshot>;
  /** Any 2xx is success: v2 answers 200, the v1.0 docs show 201. */
  createRestoreJob(
    target: DeploymentTarget,
    body: RestoreJobCreate,
    options?: CallOptions,
  ): Promise<RestoreJob>;
  getRestoreJob(target: DeploymentTarget, restoreJobId: string, options?: CallOptions): Promise<RestoreJob>;
  listRestoreJobs(
    target: DeploymentTarget,
    page?: PageRequest,
    options?: CallOptions,
  ): Promise<Page<RestoreJob>>;
  /** DELETE (204). Kinds without a cancel endpoint reject with kind `unsupported`, nothing sent. */
  cancelRestoreJob(target: DeploymentTarget, restoreJobId: string, options?: CallOptions): Promise<void>;
}

export interface AtlasClient {
  readonly baseUrl: string;
  readonly apiVersion: AtlasApiVersion;
  /** Low-level call: auth, media type, envelope, error mapping, response parsing. */
  call<T>(spec: AtlasCall<T>): Promise<T>;
  /** Serverless instances (sunset on real Atlas since 2026-01-22; kept for the simulator and old setups). */
  readonly serverless: Omit<
    DeploymentOperations<ServerlessInstance, ServerlessInstanceUpdate>,
    'cancelRestoreJob'
  >;
  /** Dedicated clusters (continuous cloud backup = `pitEnabled`). */
  readonly clusters: DeploymentOperations<Cluster, ClusterUpdate>;
  /** The operations of a kind chosen at run time. */
  deployment(kind: DeploymentKind): DeploymentOperations<DeploymentRecord, Record<string, unknown>>;
  readonly projects: { list(page?: PageRequest, options?: CallOptions): Promise<Page<Project>> };
  /** Closes the connection pool; calls after this fail. */
  close(): Promise<void>;
}

export function createAtlasClient(config: AtlasClientConfig): AtlasClient {
  const baseUrl = (config.baseUrl ?? DEFAULT_ATLAS_BASE_URL).replace(/\/+$/, '');
  const apiVersion = config.apiVersion ?? 'v2';
  if (apiVersion !== 'v2' && apiVersion !== 'v1.0') throw new TypeError(`apiVersion must be "v2" or "v1.0"`);
  const transport = new HttpTransport(baseUrl, {
    timeouts: config.timeouts,
    userAgent: config.userAgent ?? 'atlas-restore',
  });
  const auth = authenticatorFor(config, baseUrl);
  const envelope = config.envelope === true;

  async function call<T>(spec: AtlasCall<T>): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    if (envelope) query.set('envelope', 'true');
    const search = query.toString();
    const path = `/api/atlas/${apiVersion}${spec.path}${search ? `?${search}` : ''}`;
    const headers: Record<string, string> = {
      // v1.0 is plain JSON; v2 picks the resource version through Accept (atlas-api.md §1).
      accept: apiVersion === 'v2' ? `application/vnd.atlas.${spec.version}+json` : 'application/json',
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    const response = await auth.send(transport, {
      method: spec.method,
      path,
      headers,
      body,
      signal: spec.signal,
    });
    return interpret(spec, path, response);
  }

  function interpret<T>(spec: AtlasCall<T>, path: string, response: RawResponse): T {
    const fullPath = `${transport.prefix}${path}`;
    let status = response.status;
    let json = parseJson(response.body);
    let unwrapped = response;
    if (envelope && json.ok && isRecord(json.value) && typeof json.value.status === 'number') {
      // Single objects come as {status, content}; lists keep their fields and gain `status` (atlas-api.md §5).
      // Whether Atlas then forces HTTP 200 is unconfirmed, so the wrapped status is the one that counts.
      const { status: wrapped, content, ...rest } = json.value;
      status = wrapped as number;
      json = { ok: true, value: 'content' in json.value ? content : rest };
      unwrapped = { ...response, status, body: JSON.stringify(json.value) };
    }
    if (status < 200 || status >= 300) {
      const errorCode =
        json.ok && isRecord(json.value) && typeof json.value.errorCode === 'string'
          ? json.value.errorCode
          : undefined;
      const hint = status === 401 ? auth.rejectedHint : spec.hint?.(status, errorCode);
      throw errorFromResponse(spec.method, fullPath, unwrapped, {
        redact: auth.secrets,
        ...(hint ? { hint } : {}),
      });
    }
    if (!spec.response) return undefined as T;
    const where = { method: spec.method, path: pathOnly(fullPath), status };
    if (!json.ok) {
      throw new AtlasApiError({
        ...where,
        kind: 'malformed',
        retryable: true,
        detail: response.body.trim() === '' ? 'empty response body' : 'response body is not JSON',
        cause: json.error,
      });
    }
    const parsed = spec.response.safeParse(json.value);
    if (!parsed.success) {
      throw new AtlasApiError({
        ...where,
        kind: 'schema',
        retryable: false,
        detail: `unexpected response: ${describeIssues(parsed.error)}`,
      });
    }
    return parsed.data;
  }

  /** How paths appear in errors raised before anything is sent, matching those from HTTP answers. */
  const shownPrefix = `${transport.prefix}/api/atlas/${apiVersion}`;
  const deployments = new Map<
    DeploymentKind,
    DeploymentOperations<DeploymentRecord, Record<string, unknown>>
  >();
  const deployment = (kind: DeploymentKind) => {
    let ops = deployments.get(kind);
    if (!ops) {
      ops = deploymentOperations(call, descriptorOf(kind), shownPrefix);
      deployments.set(kind, ops);
    }
    return ops;
  };

  return {
    baseUrl,
    apiVersion,
    call,
    serverless: deploymentOperations(call, DEPLOYMENT_DESCRIPTORS.serverless, shownPrefix),
    clusters: deploymentOperations(call, DEPLOYMENT_DESCRIPTORS.cluster, shownPrefix),
    deployment,
    projects: {
      list: async (page, options) => {
        const query = validated(pageRequestSchema, page ?? {}, 'GET', `${shownPrefix}/groups`, '');
        return call({
          method: 'GET',
          path: '/groups',
          version: PROJECTS_VERSION,
          query,
          response: pageSchema(projectSchema),
          signal: options?.signal,
        });
      },
    },
    close: () => transport.close(),
  };
}

function authenticatorFor(config: AtlasClientConfig, baseUrl: string): Authenticator {
  const credentials = config.credentials;
  if (credentials?.type === 'digest') {
    return new DigestAuthenticator({ publicKey: credentials.publicKey, privateKey: credentials.privateKey });
  }
  if (credentials?.type === 'serviceAccount') {
    return new ServiceAccountAuthenticator(
      { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      baseUrl,
      config.serviceAccount,
    );
  }
  throw new TypeError('credentials.type must be "digest" or "serviceAccount"');
}

type Call = <T>(spec: AtlasCall<T>) => Promise<T>;

const targetSchema = z.object({ groupId: objectIdSchema, name: deploymentNameSchema });
const pageRequestSchema = z.strictObject({
  pageNum: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  itemsPerPage: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .optional(),
});

/** Validates what we are about to send; a failure names the field and nothing goes out. */
function validated<T>(schema: z.ZodType<T>, value: unknown, method: string, path: string, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const name =
      [field, ...issue.path.map(String)].filter((part) => part !== '').join('.') || field || '(request)';
    return `${name}: ${issue.message}`;
  });
  throw new AtlasApiError({
    kind: 'invalid_request',
    method,
    path,
    retryable: false,
    detail: issues.join('; '),
  });
}

const SPECIFIC_NOT_FOUND = new Set(['GROUP_NOT_FOUND', 'SNAPSHOT_NOT_FOUND', 'RESTORE_JOB_NOT_FOUND']);

function deploymentOperations<D extends DeploymentRecord, U>(
  call: Call,
  descriptor: DeploymentDescriptor<D, U>,
  shownPrefix: string,
): DeploymentOperations<D, U> {
  const { versions } = descriptor;
  // A 404 naming a missing project, snapshot or job is just that; any other 404 (or a 410) on a sunset
  // route may be the route itself being gone.
  const goneHint = (status: number, errorCode: string | undefined) =>
    status === 410 || (status === 404 && !(errorCode && SPECIFIC_NOT_FOUND.has(errorCode)))
      ? descriptor.goneHint
      : undefined;

  /** Validates the target (and an optional id) and builds the encoded path; bad input never reaches Atlas. */
  const pathOf = (
    method: string,
    target: DeploymentTarget,
    suffix: string,
    id?: { field: string; value: string },
  ) => {
    const display = `${shownPrefix}/groups/${encodeURIComponent(String(target?.groupId))}/${descriptor.collection}/${encodeURIComponent(String(target?.name))}${suffix}${id ? `/${encodeURIComponent(String(id.value))}` : ''}`;
    const { groupId, name } = validated(targetSchema, target, method, display, '');
    if (id) validated(objectIdSchema, id.value, method, display, id.field);
    return `/groups/${groupId}/${descriptor.collection}/${encodeURIComponent(name)}${suffix}${id ? `/${id.value}` : ''}`;
  };
  const pageQuery = (path: string, page: PageRequest | undefined) =>
    validated(pageRequestSchema, page ?? {}, 'GET', `${shownPrefix}${path}`, '');

  return {
    get: async (target, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, ''),
        version: versions.get,
        response: descriptor.schema,
        signal: options?.signal,
        hint: goneHint,
      }),
    update: async (target, body, options) => {
      const path = pathOf('PATCH', target, '');
      return call({
        method: 'PATCH',
        path,
        version: versions.update,
        body: validated(descriptor.updateSchema, body, 'PATCH', `${shownPrefix}${path}`, 'body'),
        response: descriptor.schema,
        signal: options?.signal,
        hint: goneHint,
      });
    },
    listSnapshots: async (target, page, options) => {
      const path = pathOf('GET', target, '/backup/snapshots');
      return call({
        method: 'GET',
        path,
        version: versions.backup,
        query: pageQuery(path, page),
        response: pageSchema(snapshotSchema),
        signal: options?.signal,
        hint: goneHint,
      });
    },
    getSnapshot: async (target, snapshotId, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, '/backup/snapshots', { field: 'snapshotId', value: snapshotId }),
        version: versions.backup,
        response: snapshotSchema,
        signal: options?.signal,
        hint: goneHint,
      }),
    createRestoreJob: async (target, body, options) => {
      const path = pathOf('POST', target, '/backup/restoreJobs');
      return call({
        method: 'POST',
        path,
        version: versions.backup,
        body: validated(restoreJobCreateSchema, body, 'POST', `${shownPrefix}${path}`, 'body'),
        response: restoreJobSchema,
        signal: options?.signal,
        hint: goneHint,
      });
    },
    getRestoreJob: async (target, restoreJobId, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, '/backup/restoreJobs', { field: 'restoreJobId', value: restoreJobId }),
        version: versions.backup,
        response: restoreJobSchema,
        signal: options?.signal,
        hint: goneHint,
      }),
    listRestoreJobs: async (target, page, options) => {
      const path = pathOf('GET', target, '/backup/restoreJobs');
      return call({
        method: 'GET',
        path,
        version: versions.backup,
        query: pageQuery(path, page),
        response: pageSchema(restoreJobSchema),
        signal: options?.signal,
        hint: goneHint,
      });
    },
    cancelRestoreJob: async (target, restoreJobId, options) => {
      const path = pathOf('DELETE', target, '/backup/restoreJobs', {
        field: 'restoreJobId',
        value: restoreJobId,
      });
      if (descriptor.cancelUnsupported !== undefined) {
        throw new AtlasApiError({
          kind: 'unsupported',
          method: 'DELETE',
          path: `${shownPrefix}${path}`,
          retryable: false,
          detail: descriptor.cancelUnsupported,
        });
      }
      await call<void>({
        method: 'DELETE',
        path,
        version: versions.backup,
        signal: options?.signal,
        hint: goneHint,
      });
    },
  };
}

type JsonResult = { ok: true; value: unknown } | { ok: false; error: unknown };

function parseJson(text: string): JsonResult {
  if (text.trim() === '') return { ok: false, error: new SyntaxError('empty body') };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Every item of a paged list, fetching pages as the caller iterates: follows `links[rel=next]` (its
 * `pageNum`), and stops at the first page without one or without results.
 */
export async function* paginate<T>(
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
  options: PageRequest = {},
): AsyncGenerator<T, void, undefined> {
  let pageNum = options.pageNum ?? 1;
  for (;;) {
    const page = await fetchPage({
      pageNum,
      ...(options.itemsPerPage !== undefined ? { itemsPerPage: options.itemsPerPage } : {}),
    });
    yield* page.results;
    const next = page.links?.find((link) => link.rel === 'next');
    if (!next || page.results.length === 0) return;
    const linked = Number(new URL(next.href, 'http://atlas.invalid').searchParams.get('pageNum'));
    pageNum = Number.isInteger(linked) && linked > pageNum ? linked : pageNum + 1;
  }
}
