import { errors } from '../errors';
import { listQuery, page, parseJsonBody } from '../http-util';
import { snapshotsOf } from '../kinds';
import type { CreateJobSettings, SimKind } from '../kinds/types';
import { restoreJobPhase } from '../restore-jobs';
import type { DeploymentRecord, RestoreJobRecord } from '../state';
import { deploymentHref } from '../views';
import { ok, okList, requireDeployment, type ApiRequest, type Handler } from './context';

/** The backup routes of one kind: snapshots, restore jobs, and the kind's cancel and download if it has them. */
export function backupHandlers(kind: SimKind) {
  const backupPath = (request: ApiRequest, deployment: DeploymentRecord) =>
    `${deploymentHref(kind.segment, deployment.groupId, deployment.name, request.view)}/backup`;
  const snapshots = (request: ApiRequest, deployment: DeploymentRecord) =>
    kind.snapshots(deployment, request.core.world.extraSnapshots, request.view.nowMs);
  const jobView = (request: ApiRequest, job: RestoreJobRecord) =>
    kind.restoreJobView(job, restoreJobPhase(job, request.view.nowMs), request.view);

  const listSnapshots: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const newestFirst = snapshots(request, deployment);
    const ordered = kind.snapshotListOrder === 'oldestFirst' ? newestFirst.reverse() : newestFirst;
    const items = ordered.map((s) => kind.snapshotView(s, deployment, request.view));
    return okList(page(items, listQuery(request.query), `${backupPath(request, deployment)}/snapshots`));
  };

  const getSnapshot: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const id = request.params.snapshotId!;
    const snapshot = snapshots(request, deployment).find((s) => s.id === id);
    if (!snapshot) throw errors.snapshotNotFound(id, deployment.name);
    return ok(kind.snapshotView(snapshot, deployment, request.view));
  };

  const jobOf = (request: ApiRequest) => {
    const deployment = requireDeployment(request, kind);
    const id = request.params.jobId!;
    const job = request.core.world.findJob(id);
    if (!job || job.deploymentId !== deployment.id) throw errors.restoreJobNotFound(id, deployment.name);
    return job;
  };

  const listRestoreJobs: Handler = (request) => {
    const deployment = requireDeployment(request, kind);
    const items = request.core.world.jobsOf(deployment.id).map((job) => jobView(request, job));
    return okList(page(items, listQuery(request.query), `${backupPath(request, deployment)}/restoreJobs`));
  };

  const getRestoreJob: Handler = (request) => ok(jobView(request, jobOf(request)));

  const settings = (request: ApiRequest): CreateJobSettings => {
    const { core } = request;
    const nowMs = request.view.nowMs;
    return {
      nowMs,
      pointInTimeWindowMs: core.options.pointInTimeWindowMs,
      defaultDurationMs: core.options.restoreJobDurationMs,
      snapshotsOf: (d) => snapshotsOf(d, core.world.extraSnapshots, nowMs),
    };
  };

  const creator =
    (build: NonNullable<SimKind['createDownload']>): Handler =>
    (request) => {
      const deployment = requireDeployment(request, kind);
      const { core } = request;
      const job = build(core.world, deployment, parseJsonBody(request.body), settings(request));
      core.world.jobs.push(job);
      core.persist();
      return ok(jobView(request, job), kind.createStatus(request.view.flavour));
    };

  const cancelRestoreJob: Handler = (request) => {
    const job = jobOf(request);
    kind.cancel!(job, request.view.nowMs);
    request.core.persist();
    return { status: 204, kind: 'empty' };
  };

  return {
    listSnapshots,
    getSnapshot,
    listRestoreJobs,
    getRestoreJob,
    createRestoreJob: creator((...args) => kind.createRestoreJob(...args)),
    ...(kind.cancel ? { cancelRestoreJob } : {}),
    ...(kind.createDownload ? { createDownload: creator((...args) => kind.createDownload!(...args)) } : {}),
  };
}
