import type { SimulatorCore } from '../core';
import { errors } from '../errors';
import type { Reply } from '../http-util';
import type { SimKind } from '../kinds/types';
import type { DeploymentRecord, ProjectRecord } from '../state';
import type { ViewContext } from '../views';

/** One authenticated API request as a handler sees it. */
export interface ApiRequest {
  core: SimulatorCore;
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: string;
  view: ViewContext;
}

export type Handler = (request: ApiRequest) => Reply;

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function requireProject(request: ApiRequest): ProjectRecord {
  const groupId = request.params.groupId!;
  if (!OBJECT_ID.test(groupId)) throw errors.invalidGroupId(groupId);
  const project = request.core.world.findProject(groupId);
  if (!project) throw errors.groupNotFound(groupId);
  return project;
}

/**
 * The deployment named in the path, of the kind the route serves. Every sub-path asks this first, so a
 * name of another kind gets that kind's answer (a CANNOT_USE_* 400 or a not-found 404) on all of them, as
 * the Atlas CLI's fallback from the Flex API to the cluster API expects.
 */
export function requireDeployment(request: ApiRequest, kind: SimKind): DeploymentRecord {
  const project = requireProject(request);
  const name = request.params.name!;
  const deployment = request.core.world.findDeployment(project.id, name);
  if (deployment?.kind === kind.kind) return deployment;
  if (deployment) throw kind.otherKindError(name, project.id, deployment.kind);
  throw kind.notFound(name, project.id);
}

export const ok = (body: unknown, status = 200): Reply => ({ status, kind: 'object', body });
export const okList = (body: unknown): Reply => ({ status: 200, kind: 'list', body });
