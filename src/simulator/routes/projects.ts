import { listQuery, page } from '../http-util';
import { projectView } from '../views';
import { okList, type Handler } from './context';

export const listProjects: Handler = (request) => {
  const { world } = request.core;
  const items = world.projects.map((p) =>
    projectView(p, world.deployments.filter((d) => d.groupId === p.id).length, request.view),
  );
  return okList(page(items, listQuery(request.query), `${request.view.apiBase}/groups`));
};
