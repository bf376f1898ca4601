import type { DeploymentKind } from '../../common/deployment-kinds';
import { serverlessInstanceUpdateSchema } from '../../atlas/schemas';
import { SimError } from '../errors';
import { listQuery, page, parseJsonBody } from '../http-util';
import type { DeploymentRecord } from '../state';
import { clusterView, serverlessView, type ViewContext } from '../views';
import { ok, okList, requireDeployment, requireProject, type ApiRequest, type Handler } from './context';

const viewOf = (deployment: DeploymentRecord, view: ViewContext, stateName?: string) =>
  deployment.kind === 'serverless'
    ? serverlessView(deployment, view, stateName)
    : clusterView(deployment, view, stateName);

function list(kind: DeploymentKind): Handler {
  return (request) => {
    const project = requireProject(request);
    const segment = kind === 'serverless' ? 'serverless' : 'clusters';
    const items = request.core.world.deploymentsOf(project.id, kind).map((d) => viewOf(d, request.view));
    return okList(
      page(items, listQuery(request.query), `${request.view.apiBase}/groups/${project.id}/${segment}`),
    );
  };
}

function get(kind: DeploymentKind): Handler {
  return (request) => ok(viewOf(requireDeployment(request, kind), request.view));
}

function schemaError(
  issues: { path: PropertyKey[]; message: string; code: string; keys?: string[] }[],
): SimError {
  const fields = issues.map((issue) => ({
    field:
      issue.code === 'unrecognized_keys' && issue.keys
        ? issue.keys.join(', ')
        : issue.path.map(String).join('.') || '(body)',
    description: issue.message,
  }));
  return new SimError(
    'validation',
    `Invalid update: ${fields.map((f) => `${f.field}: ${f.description}`).join('; ')}.`,
    fields.map((f) => f.field),
    { badRequestDetail: { fields } },
  );
}

/**
 * Starts the UPDATING window of a PATCH that changed something: IDLE for `idleBeforeUpdatingMs` more (the
 * trap a poller must survive), then UPDATING for `updateDurationMs`, then IDLE.
 */
function startUpdate(request: ApiRequest, deployment: DeploymentRecord): void {
  const { core } = request;
  const now = request.view.nowMs;
  const startsMs = now + core.options.idleBeforeUpdatingMs;
  deployment.update = { startsMs, endsMs: startsMs + core.options.updateDurationMs };
  core.world.setBackupMode(deployment, now);
  core.persist();
}

const updateServerless: Handler = (request) => {
  const deployment = requireDeployment(request, 'serverless');
  const parsed = serverlessInstanceUpdateSchema.safeParse(parseJsonBody(request.body));
  if (!parsed.success) throw schemaError(parsed.error.issues as Parameters<typeof schemaError>[0]);
  const update = parsed.data;
  const before = JSON.stringify(deployment);
  if (update.serverlessBackupOptions)
    deployment.continuousBackup = update.serverlessBackupOptions.serverlessContinuousBackupEnabled;
  if (update.terminationProtectionEnabled !== undefined)
    deployment.terminationProtectionEnabled = update.terminationProtectionEnabled;
  if (update.tags) deployment.tags = update.tags;
  if (JSON.stringify(deployment) === before) return ok(viewOf(deployment, request.view));
  startUpdate(request, deployment);
  // Atlas answers a PATCH with UPDATING at once (recorded), whatever a GET right after may show.
  return ok(viewOf(deployment, request.view, 'UPDATING'));
};

/**
 * PATCH of a dedicated cluster, limited to the backup switches the restore engine needs and a few harmless
 * fields. The cloud-backup flag is `backupEnabled` on v2 and `providerBackupEnabled` on v1.0 (where
 * `backupEnabled` is the retired legacy backup); other attributes are refused as Atlas refuses unknown ones.
 */
const updateCluster: Handler = (request) => {
  const deployment = requireDeployment(request, 'cluster');
  const body = parseJsonBody(request.body);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw schemaError([{ path: [], message: 'must be a JSON object', code: 'invalid_type' }]);
  const backupField = request.view.flavour === 'v2' ? 'backupEnabled' : 'providerBackupEnabled';
  const allowed = new Set(['pitEnabled', backupField, 'terminationProtectionEnabled', 'tags']);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!allowed.has(key))
      throw new SimError('unknownAttribute', `Invalid attribute ${key} specified.`, [key]);
  }
  for (const key of ['pitEnabled', backupField, 'terminationProtectionEnabled']) {
    if (key in fields && typeof fields[key] !== 'boolean')
      throw schemaError([{ path: [key], message: 'must be a boolean', code: 'invalid_type' }]);
  }
  const parsedTags = serverlessInstanceUpdateSchema.shape.tags.safeParse(fields.tags);
  if (!parsedTags.success)
    throw schemaError(parsedTags.error.issues.map((i) => ({ ...i, path: ['tags', ...i.path] })));

  const backupEnabled = (fields[backupField] as boolean | undefined) ?? deployment.backupEnabled;
  const pitEnabled = (fields.pitEnabled as boolean | undefined) ?? deployment.continuousBackup;
  if (pitEnabled && !backupEnabled)
    throw new SimError(
      'pitRequiresBackup',
      `pitEnabled: continuous cloud backup needs cloud backup (${backupField}) on.`,
      ['pitEnabled', backupField],
    );
  const before = JSON.stringify(deployment);
  deployment.backupEnabled = backupEnabled;
  deployment.continuousBackup = pitEnabled;
  if (typeof fields.terminationProtectionEnabled === 'boolean')
    deployment.terminationProtectionEnabled = fields.terminationProtectionEnabled;
  if (parsedTags.data) deployment.tags = parsedTags.data;
  if (JSON.stringify(deployment) === before) return ok(viewOf(deployment, request.view));
  startUpdate(request, deployment);
  return ok(viewOf(deployment, request.view, 'UPDATING'));
};

export const deploymentHandlers = {
  listServerless: list('serverless'),
  getServerless: get('serverless'),
  updateServerless,
  listClusters: list('cluster'),
  getCluster: get('cluster'),
  updateCluster,
};
