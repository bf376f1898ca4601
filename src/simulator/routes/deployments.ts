import { listQuery, page, parseJsonBody } from '../http-util';
import type { SimKind } from '../kinds/types';
import { ok, okList, requireDeployment, requireProject, type Handler } from './context';

/** The deployment routes of one kind: list, get and, when the kind has one, PATCH. */
export function deploymentHandlers(kind: SimKind) {
  const list: Handler = (request) => {
    const project = requireProject(request);
    const items = request.core.world
      .deploymentsOf(project.id, kind.kind)
      .map((d) => kind.deploymentView(d, request.view));
    return okList(
      page(items, listQuery(request.query), `${request.view.apiBase}/groups/${project.id}/${kind.segment}`),
    );
  };

  const get: Handler = (request) => ok(kind.deploymentView(requireDeployment(request, kind), request.view));

  /**
   * A PATCH that changes something starts the UPDATING window: IDLE for `idleBeforeUpdatingMs` more (the
   * trap a poller must survive), then UPDATING for `updateDurationMs`, then IDLE.
   */
  const update: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const { core } = request;
    const before = JSON.stringify(deployment);
    kind.update!(deployment, parseJsonBody(request.body), request.view);
    if (JSON.stringify(deployment) === before) return ok(kind.deploymentView(deployment, request.view));
    const now = request.view.nowMs;
    const startsMs = now + core.options.idleBeforeUpdatingMs;
    deployment.update = { startsMs, endsMs: startsMs + core.options.updateDurationMs };
    core.world.setBackupMode(deployment, now);
    core.persist();
    // Atlas answers a PATCH with UPDATING at once (recorded), whatever a GET right after may show.
    return ok(kind.deploymentView(deployment, request.view, 'UPDATING'));
  };

  return { list, get, ...(kind.update ? { update } : {}) };
}
