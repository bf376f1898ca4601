import { z } from 'zod';
import { deploymentNameSchema, objectIdSchema } from '../common/restore-request';
import type {
  AtlasApiVersion,
  AtlasCaller,
  DeploymentOperations,
  DeploymentTarget,
  PageRequest,
} from './api';
import { AtlasApiError } from './errors';
import { retiredHint, type KindAdapter } from './kinds';
import { pageSchema } from './wire';

const targetSchema = z.object({ groupId: objectIdSchema, name: deploymentNameSchema });
export const pageRequestSchema = z.strictObject({
  pageNum: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  itemsPerPage: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(500, 'must be at most 500')
    .optional(),
});

/** Validates what we are about to send; a failure names the field and nothing goes out. */
export function validated<T>(
  schema: z.ZodType<T>,
  value: unknown,
  method: string,
  path: string,
  field: string,
): T {
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

export interface OperationsContext {
  call: AtlasCaller;
  apiVersion: AtlasApiVersion;
  /** How paths appear in errors raised before anything is sent, matching those from HTTP answers. */
  shownPrefix: string;
}

/** The wire-level operations of one kind, generic over its adapter: paths, media types, schemas. */
export function kindOperations<D, U, S, J, C>(
  adapter: KindAdapter<D & { stateName: string } & Record<string, unknown>, U, S, J, C>,
  { call, apiVersion, shownPrefix }: OperationsContext,
): DeploymentOperations<D, U, S, J, C> {
  const { versions, schemas, capabilities } = adapter;
  const hint = retiredHint(capabilities);
  // A 404 naming a missing project, snapshot or job is just that; any other 404 (or a 410) on a retired
  // kind's route may be the route itself being gone.
  const goneHint = hint
    ? (status: number, errorCode: string | undefined) =>
        status === 410 || (status === 404 && !adapter.specificNotFound.has(errorCode ?? ''))
          ? hint
          : undefined
    : undefined;

  /** Validates the target (and an optional id) and builds the encoded path; bad input never reaches Atlas. */
  const pathOf = (
    method: string,
    target: DeploymentTarget,
    suffix: string,
    id?: { field: string; value: string },
  ) => {
    const display = `${shownPrefix}/groups/${encodeURIComponent(String(target?.groupId))}/${adapter.collection}/${encodeURIComponent(String(target?.name))}${suffix}${id ? `/${encodeURIComponent(String(id.value))}` : ''}`;
    const { groupId, name } = validated(targetSchema, target, method, display, '');
    if (id) validated(objectIdSchema, id.value, method, display, id.field);
    if (!adapter.apiVersions.includes(apiVersion)) {
      throw new AtlasApiError({
        kind: 'unsupported',
        method,
        path: display,
        retryable: false,
        detail: `${capabilities.label}s are served by the Atlas Admin API ${adapter.apiVersions.join(' and ')} only, not ${apiVersion}`,
      });
    }
    return `/groups/${groupId}/${adapter.collection}/${encodeURIComponent(name)}${suffix}${id ? `/${id.value}` : ''}`;
  };
  const pageQuery = (path: string, page: PageRequest | undefined) =>
    validated(pageRequestSchema, page ?? {}, 'GET', `${shownPrefix}${path}`, '');
  const unsupported = (method: string, path: string, detail: string) =>
    new AtlasApiError({
      kind: 'unsupported',
      method,
      path: `${shownPrefix}${path}`,
      retryable: false,
      detail,
    });

  return {
    get: async (target, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, ''),
        version: versions.get,
        response: schemas.deployment,
        signal: options?.signal,
        hint: goneHint,
      }),
    update: async (target, body, options) => {
      const path = pathOf('PATCH', target, '');
      if (!schemas.update || !versions.update)
        throw unsupported('PATCH', path, `the engine changes nothing on ${capabilities.label}s`);
      return call({
        method: 'PATCH',
        path,
        version: versions.update,
        body: validated(schemas.update, body, 'PATCH', `${shownPrefix}${path}`, 'body'),
        response: schemas.deployment,
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
        response: pageSchema(schemas.snapshot),
        signal: options?.signal,
        hint: goneHint,
      });
    },
    getSnapshot: async (target, snapshotId, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, '/backup/snapshots', { field: 'snapshotId', value: snapshotId }),
        version: versions.backup,
        response: schemas.snapshot,
        signal: options?.signal,
        hint: goneHint,
      }),
    createRestoreJob: async (target, body, options) => {
      const path = pathOf('POST', target, '/backup/restoreJobs');
      return call({
        method: 'POST',
        path,
        version: versions.backup,
        body: validated(schemas.create, body, 'POST', `${shownPrefix}${path}`, 'body'),
        response: schemas.restoreJob,
        signal: options?.signal,
        hint: goneHint,
      });
    },
    getRestoreJob: async (target, restoreJobId, options) =>
      call({
        method: 'GET',
        path: pathOf('GET', target, '/backup/restoreJobs', { field: 'restoreJobId', value: restoreJobId }),
        version: versions.backup,
        response: schemas.restoreJob,
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
        response: pageSchema(schemas.restoreJob),
        signal: options?.signal,
        hint: goneHint,
      });
    },
    cancelRestoreJob: async (target, restoreJobId, options) => {
      const path = pathOf('DELETE', target, '/backup/restoreJobs', {
        field: 'restoreJobId',
        value: restoreJobId,
      });
      if (capabilities.cancellableDeliveries.length === 0) {
        throw unsupported(
          'DELETE',
          path,
          `${capabilities.label} restore jobs cannot be cancelled through the Atlas Admin API (there is no cancel endpoint); the job runs to its end in Atlas`,
        );
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
