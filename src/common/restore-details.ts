/**
 * The Markdown a person reads in the Temporal Web UI: the request as a table (static details, set at
 * start) and the restore as it stands (current details, kept by the workflow). Pure functions of plain
 * data, bundled into the workflow sandbox.
 */
import type { RestoreJobView } from './atlas-views';
import type { RestoreStatus } from './contract';
import { capabilitiesOf, isDeploymentKind, type DeploymentKind } from './deployment-kinds';
import { formatDuration } from './duration';
import type { RestoreRequest } from './restore-request';
import { describeCheck } from './validation-report';

type Row = [string, string];

/** Markdown tables break on `|` and newlines inside a cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(rows: Row[]): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`)].join('\n');
}

function kindLabel(kind: string): string {
  return isDeploymentKind(kind) ? capabilitiesOf(kind).label : kind === 'auto' ? 'kind found at start' : kind;
}

function what(request: RestoreRequest): string {
  const selector = request.snapshot;
  if ('snapshotId' in selector) return `snapshot \`${selector.snapshotId}\``;
  if ('pointInTimeUtcSeconds' in selector)
    return `point in time ${new Date(selector.pointInTimeUtcSeconds * 1000).toISOString().replace('.000Z', 'Z')}`;
  return 'latest completed snapshot';
}

/**
 * The request, for the Web UI's static details (at most 20 KB; far less here). The UI (2.42) sizes the box
 * a little short of its content, cutting into the last row, so what this restore asked for comes first
 * and the defaults last.
 */
export function requestDetails(request: RestoreRequest): string {
  const { source, target, polling } = request;
  const rows: Row[] = [
    ['Source', `${kindLabel(source.kind)} \`${source.name}\` (project \`${source.groupId}\`)`],
    ['Restoring', what(request)],
    ['Target', `\`${target.name}\` (project \`${target.groupId}\`)`],
  ];
  if (request.scope) {
    const scope = request.scope;
    const parts = [
      ...(scope.databases ?? []).map((d) => `database ${d.name}${d.targetName ? ` as ${d.targetName}` : ''}`),
      ...(scope.collections ?? []).map(
        (c) => `${c.namespace}${c.targetNamespace ? ` as ${c.targetNamespace}` : ''}`,
      ),
    ];
    rows.push([
      'Scope',
      `${parts.join(', ')}${scope.databaseSuffix ? `; database suffix ${scope.databaseSuffix}` : ''}${scope.collectionSuffix ? `; collection suffix ${scope.collectionSuffix}` : ''}; ${scope.writeStrategy}, indexes ${scope.indexStrategy}`,
    ]);
  }
  if (request.validate) {
    rows.push([
      'Validation',
      `${request.validate.checks.length} check(s): ${request.validate.checks.map(describeCheck).join('; ')} (connect within ${request.validate.connectTimeout})`,
    ]);
  }
  if (request.objectives) {
    const parts = [
      request.objectives.rto ? `RTO ${request.objectives.rto}` : undefined,
      request.objectives.rpo ? `RPO ${request.objectives.rpo}` : undefined,
    ].filter(Boolean);
    rows.push(['Objectives', parts.join(', ')]);
  }
  rows.push(
    ['Deadline', request.deadline],
    [
      'Continuous backup',
      request.ensureContinuousBackup === false ? 'left as it is' : 'turned on first where the kind has it',
    ],
    [
      'Polling',
      `every ${polling.initialInterval} growing to ${polling.maxInterval}; another worker takes over within ${polling.failoverAfter}`,
    ],
  );
  return table(rows);
}

export interface DetailsInput {
  request: RestoreRequest;
  status: RestoreStatus;
  /** The source's kind once known. */
  kind?: DeploymentKind;
  job?: RestoreJobView;
  continuousBackupChanged: boolean;
}

/**
 * `[##########..........] 50% (5,000 of 10,000 documents, estimate)`: Atlas' counts of a collection
 * restore, the total marked while Atlas may still revise it.
 */
export function progressBar(progress: NonNullable<RestoreStatus['progress']>, width = 20): string {
  const percent = progress.percent ?? 0;
  const filled = Math.round((percent / 100) * width);
  const counts =
    progress.restoredDocuments !== undefined
      ? ` (${progress.restoredDocuments.toLocaleString('en-US')}${progress.totalDocuments !== undefined ? ` of ${progress.totalDocuments.toLocaleString('en-US')}` : ''} documents${progress.estimate && progress.totalDocuments !== undefined ? ', estimate' : ''})`
      : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%${counts}`;
}

function seconds(s: number | undefined): string {
  return s === undefined ? '—' : formatDuration(s * 1000) || '0s';
}

/**
 * The restore as it stands. While it runs the job's state is as fresh as the last poll that saw a change
 * (the waiting activity reports every change at once); live poll counts are in the pending activity's
 * heartbeat. Once it ends: the outcome first, then why, then the times and objectives.
 */
export function renderDetails({
  request,
  status: s,
  kind,
  job,
  continuousBackupChanged,
}: DetailsInput): string {
  const rows: Row[] = [];
  if (s.outcome) {
    rows.push(['Outcome', `**${s.outcome}**`]);
    if (s.reason) rows.push(['Reason', s.reason]);
  } else {
    rows.push(['Phase', `**${s.phase}**`]);
  }
  const sourceKind = kind ?? request.source.kind;
  rows.push([
    'Source',
    `${kindLabel(sourceKind)} \`${request.source.name}\` (project \`${request.source.groupId}\`)`,
  ]);
  rows.push([
    'Target',
    `${s.targetKind ? `${kindLabel(s.targetKind)} ` : ''}\`${request.target.name}\` (project \`${request.target.groupId}\`)`,
  ]);
  const snapshot = s.snapshotId ? `snapshot \`${s.snapshotId}\`` : what(request);
  rows.push(['Restoring', `${snapshot}${s.restoredTo ? `, data as of ${s.restoredTo}` : ''}`]);
  if (s.restoreJobId) {
    const atlas = job?.atlasStatus ? `, Atlas says ${job.atlasStatus}` : '';
    rows.push(['Restore job', `\`${s.restoreJobId}\`${s.jobState ? ` — ${s.jobState}${atlas}` : ''}`]);
  }
  if (s.progress) rows.push(['Progress', progressBar(s.progress)]);
  if (!s.outcome && s.lastPolledAt) rows.push(['Last change seen', `at the poll of ${s.lastPolledAt}`]);
  if (s.lastError) rows.push(['Last error', s.lastError]);
  if (continuousBackupChanged) rows.push(['Continuous backup', 'turned on by this restore (stays on)']);
  const times = [
    s.startedAt ? `started ${s.startedAt}` : undefined,
    s.submittedAt ? `submitted ${s.submittedAt}` : undefined,
    s.atlasFinishedAt ? `Atlas done ${s.atlasFinishedAt}` : undefined,
    s.validatedAt ? `validated ${s.validatedAt}` : undefined,
    s.endedAt ? `ended ${s.endedAt}` : undefined,
  ].filter(Boolean);
  if (times.length > 0) rows.push(['Times', times.join(', ')]);
  if (s.rto) {
    const target =
      s.rto.objectiveSeconds !== undefined
        ? ` (objective ${seconds(s.rto.objectiveSeconds)}: ${s.rto.met ? 'met' : 'missed'})`
        : '';
    const validated =
      s.rto.toValidatedSeconds !== undefined ? `, validated in ${seconds(s.rto.toValidatedSeconds)}` : '';
    rows.push(['RTO', `Atlas done in ${seconds(s.rto.toAtlasDoneSeconds)}${validated}${target}`]);
  }
  if (s.rpo) {
    const target =
      s.rpo.objectiveSeconds !== undefined
        ? ` (objective ${seconds(s.rpo.objectiveSeconds)}: ${s.rpo.met ? 'met' : 'missed'})`
        : '';
    rows.push(['RPO', `${seconds(s.rpo.seconds)} (data as of ${s.rpo.restoredTo})${target}`]);
  }
  if (!s.outcome) rows.push(['Deadline', s.deadline]);
  let text = table(rows);
  if (s.namespaces?.length) {
    const lines = s.namespaces
      .slice(0, 100)
      .map(
        (n) =>
          `| ${cell(n.source)} | ${cell(n.target)} | ${n.state} | ${n.restoredDocuments ?? '—'}${n.totalDocuments !== undefined ? ` of ${n.totalDocuments}` : ''} |`,
      );
    text += `\n\n**Namespaces**\n\n| From | To | State | Documents |\n|---|---|---|---|\n${lines.join('\n')}`;
  }
  if (s.validation) {
    const checks = s.validation.checks.map(
      (c) => `| ${c.ok ? 'pass' : '**fail**'} | ${cell(c.name)} | ${cell(c.summary)} |`,
    );
    text += `\n\n**Validation** (${s.validation.ok ? 'passed' : 'failed'})\n\n| | Check | Found |\n|---|---|---|\n${checks.join('\n')}`;
  }
  return text;
}
