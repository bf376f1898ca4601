import type { DeploymentKind } from '../../common/deployment-kinds';
import { errors } from '../errors';
import { listQuery, page, parseJsonBody } from '../http-util';
import { buildRestoreJob, cancelRestoreJob, restoreJobPhase } from '../restore-jobs';
import { snapshotsOf } from '../snapshots';
import { deploymentPath, restoreJobView, snapshotView } from '../views';
import { ok, okList, requireDeployment, type ApiRequest, type Handler } from './context';

function listSnapshots(kind: DeploymentKind): Handler {
  return (request) => {
    const deployment = requireDeployment(request, kind);
    const { world } = request.core;
    const items = snapshotsOf(deployment, world.extraSnapshots, request.view.nowMs).map((s) =>
      snapshotView(s, deployment, request.view),
    );
    return okList(
      page(items, listQuery(request.query), `${deploymentPath(deployment, request.view)}/backup/snapshots`),
    );
  };
}

function getSnapshot(kind: DeploymentKind): Handler {
  return (request) => {
    const deployment = requireDeployment(request, kind);
    const id = request.params.snapshotId!;
    const snapshot = snapshotsOf(deployment, request.core.world.extraSnapshots, request.view.nowMs).find(
      (s) => s.id === id,
    );
    if (!snapshot) throw errors.snapshotNotFound(id, deployment.name);
    return ok(snapshotView(snapshot, deployment, request.view));
  };
}

function jobOf(request: ApiRequest, kind: DeploymentKind) {
  const deployment = requireDeployment(request, kind);
  const id = request.params.jobId!;
  const job = request.core.world.findJob(id);
  if (!job || job.deploymentId !== deployment.id) throw errors.restoreJobNotFound(id, deployment.name);
  return job;
}

function listRestoreJobs(kind: DeploymentKind): Handler {
  return (request) => {
    const deployment = requireDeployment(request, kind);
    const now = request.view.nowMs;
    const items = request.core.world
      .jobsOf(deployment.id)
      .map((job) => restoreJobView(job, restoreJobPhase(job, now), request.view));
    return okList(
      page(items, listQuery(request.query), `${deploymentPath(deployment, request.view)}/backup/restoreJobs`),
    );
  };
}

function getRestoreJob(kind: DeploymentKind): Handler {
  return (request) => {
    const job = jobOf(request, kind);
    return ok(restoreJobView(job, restoreJobPhase(job, request.view.nowMs), request.view));
  };
}

/** Atlas returns 200 on v2 and 201 on v1.0 (atlas-api.md §3.3). */
function createRestoreJob(kind: DeploymentKind): Handler {
  return (request) => {
    const deployment = requireDeployment(request, kind);
    const { core } = request;
    const job = buildRestoreJob(core.world, deployment, parseJsonBody(request.body), {
      nowMs: request.view.nowMs,
      pointInTimeWindowMs: core.options.pointInTimeWindowMs,
      defaultDurationMs: core.options.restoreJobDurationMs,
    });
    core.world.jobs.push(job);
    core.persist();
    const view = restoreJobView(job, restoreJobPhase(job, request.view.nowMs), request.view);
    return ok(view, request.view.flavour === 'v2' ? 200 : 201);
  };
}

const cancelClusterRestoreJob: Handler = (request) => {
  const job = jobOf(request, 'cluster');
  cancelRestoreJob(job, request.view.nowMs);
  request.core.persist();
  return { status: 204, kind: 'empty' };
};

export const backupHandlers = {
  listServerlessSnapshots: listSnapshots('serverless'),
  getServerlessSnapshot: getSnapshot('serverless'),
  listClusterSnapshots: listSnapshots('cluster'),
  getClusterSnapshot: getSnapshot('cluster'),
  serverless: {
    listRestoreJobs: listRestoreJobs('serverless'),
    getRestoreJob: getRestoreJob('serverless'),
    createRestoreJob: createRestoreJob('serverless'),
  },
  cluster: {
    listRestoreJobs: listRestoreJobs('cluster'),
    getRestoreJob: getRestoreJob('cluster'),
    createRestoreJob: createRestoreJob('cluster'),
    cancelRestoreJob: cancelClusterRestoreJob,
  },
};
