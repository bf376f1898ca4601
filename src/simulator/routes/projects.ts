import { listQuery, page } from '../http-util';
import type { ProjectRecord } from '../state';
import { projectView } from '../views';
import { ok, okList, requireProject, type ApiRequest, type Handler } from './context';

function viewOf(request: ApiRequest, project: ProjectRecord) {
  const clusterCount = request.core.world.deployments.filter((d) => d.groupId === project.id).length;
  return projectView(project, clusterCount, request.view);
}

export const listProjects: Handler = (request) => {
  const items = request.core.world.projects.map((p) => viewOf(request, p));
  return okList(page(items, listQuery(request.query), `${request.view.apiBase}/groups`));
};

/** An unknown project answers 404 GROUP_NOT_FOUND, a malformed id 400 (as every project route does). */
export const getProject: Handler = (request) => ok(viewOf(request, requireProject(request)));
