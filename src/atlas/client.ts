import type { DeploymentKind } from '../common/deployment-kinds';
import { describeIssues, objectIdSchema } from '../common/restore-request';
import type { AtlasApiVersion, AtlasCall, CallOptions, DeploymentOperations, PageRequest } from './api';
import type { Authenticator } from './auth/authenticator';
import { DigestAuthenticator } from './auth/digest';
import { ServiceAccountAuthenticator, type ServiceAccountOptions } from './auth/service-account';
import { collectionRestoreOperations, type ClusterCollectionRestoreOperations } from './collection-restores';
import { AtlasApiError } from './errors';
import {
  errorFromResponse,
  HttpTransport,
  isRecord,
  pathOnly,
  type AtlasTimeouts,
  type RawResponse,
} from './http';
import { KIND_ADAPTERS } from './kinds';
import type { Cluster, ClusterUpdate } from './kinds/cluster';
import type { FlexCluster, FlexRestoreJob, FlexRestoreJobCreate, FlexSnapshot } from './kinds/flex';
import type { RestoreJob, RestoreJobCreate, Snapshot } from './kinds/shared';
import type { ServerlessInstance, ServerlessInstanceUpdate } from './kinds/serverless';
import { kindOperations, pageRequestSchema, validated } from './operations';
import { pageSchema, projectSchema, type Page, type Project } from './wire';

export type { AtlasApiVersion, AtlasCall, DeploymentOperations, DeploymentTarget } from './api';

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

export interface AtlasClient {
  readonly baseUrl: string;
  readonly apiVersion: AtlasApiVersion;
  /** Low-level call: auth, media type, envelope, error mapping, response parsing. */
  call<T>(spec: AtlasCall<T>): Promise<T>;
  /** Serverless instances (retired by Atlas on 2026-01-22; kept for the simulator and old setups). */
  readonly serverless: DeploymentOperations<
    ServerlessInstance,
    ServerlessInstanceUpdate,
    Snapshot,
    RestoreJob,
    RestoreJobCreate
  >;
  /** Dedicated clusters (continuous cloud backup = `pitEnabled`), with their collection restores. */
  readonly clusters: DeploymentOperations<Cluster, ClusterUpdate, Snapshot, RestoreJob, RestoreJobCreate> &
    ClusterCollectionRestoreOperations;
  /** Flex clusters (v2 only; no PATCH the engine uses, no cancel). */
  readonly flex: DeploymentOperations<FlexCluster, never, FlexSnapshot, FlexRestoreJob, FlexRestoreJobCreate>;
  /** The wire operations of a kind chosen at run time (its own shapes, unknown to the caller). */
  deployment(kind: DeploymentKind): DeploymentOperations;
  /**
   * The collection-restore operations of a kind chosen at run time; on kinds without them (Flex,
   * serverless) every call rejects with kind `unsupported`, nothing sent.
   */
  collectionRestores(kind: DeploymentKind): ClusterCollectionRestoreOperations;
  readonly projects: {
    list(page?: PageRequest, options?: CallOptions): Promise<Page<Project>>;
    get(groupId: string, options?: CallOptions): Promise<Project>;
  };
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
      // v1.0 is plain JSON; v2 picks the resource version through Accept (docs/atlas.md#media-types).
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
      // Single objects come as {status, content}; lists keep their fields and gain `status` (docs/atlas.md#envelope).
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
  const context = { call, apiVersion, shownPrefix };
  const adapterOf = (kind: DeploymentKind) => {
    const adapter = KIND_ADAPTERS[kind];
    if (!adapter) {
      throw new AtlasApiError({
        kind: 'invalid_request',
        method: 'NONE',
        path: '(not sent)',
        retryable: false,
        detail: `kind: must be one of ${Object.keys(KIND_ADAPTERS).join(', ')} (got ${JSON.stringify(kind)})`,
      });
    }
    return adapter;
  };
  const operations = new Map<DeploymentKind, DeploymentOperations>();
  const deployment = (kind: DeploymentKind): DeploymentOperations => {
    let ops = operations.get(kind);
    if (!ops) {
      ops = kindOperations(adapterOf(kind), context) as DeploymentOperations;
      operations.set(kind, ops);
    }
    return ops;
  };
  const collectionOperations = new Map<DeploymentKind, ClusterCollectionRestoreOperations>();
  const collectionRestores = (kind: DeploymentKind): ClusterCollectionRestoreOperations => {
    let ops = collectionOperations.get(kind);
    if (!ops) {
      ops = collectionRestoreOperations(adapterOf(kind), context);
      collectionOperations.set(kind, ops);
    }
    return ops;
  };

  return {
    baseUrl,
    apiVersion,
    call,
    serverless: deployment('serverless') as AtlasClient['serverless'],
    clusters: { ...deployment('cluster'), ...collectionRestores('cluster') } as AtlasClient['clusters'],
    flex: deployment('flex') as AtlasClient['flex'],
    deployment,
    collectionRestores,
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
      get: async (groupId, options) => {
        const shown = `${shownPrefix}/groups/${encodeURIComponent(String(groupId))}`;
        const id = validated(objectIdSchema, groupId, 'GET', shown, 'groupId');
        return call({
          method: 'GET',
          path: `/groups/${id}`,
          version: PROJECTS_VERSION,
          response: projectSchema,
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
