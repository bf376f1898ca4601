import type { DeploymentKind } from '../../common/deployment-kinds';
import type { SimulatorCore } from '../core';
import { errors } from '../errors';
import type { Reply } from '../http-util';
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
 * The deployment named in the path, of the kind the route serves. A name that belongs to the other kind
 * gets the CANNOT_USE_* 400 Atlas answers when the wrong API is used for a deployment.
 */
export function requireDeployment(request: ApiRequest, kind: DeploymentKind): DeploymentRecord {
  const project = requireProject(request);
  const name = request.params.name!;
  const deployment = request.core.world.findDeployment(project.id, name);
  if (deployment && deployment.kind === kind) return deployment;
  if (deployment) {
    throw kind === 'serverless' ? errors.clusterInServerlessApi(name) : errors.serverlessInClusterApi(name);
  }
  throw kind === 'serverless'
    ? errors.serverlessNotFound(name, project.id)
    : errors.clusterNotFound(name, project.id);
}

export const ok = (body: unknown, status = 200): Reply => ({ status, kind: 'object', body });
export const okList = (body: unknown): Reply => ({ status: 200, kind: 'list', body });
