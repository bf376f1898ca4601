/**
 * The evidence report of a drill (schema: `src/common/drill-report.ts`), built from Temporal alone: the
 * drill's records (its result or status), each restore's own result or failure, and the drill's metadata.
 * Rendered as JSON (for audit tools), Markdown or a self-contained HTML page.
 */
import type { DrillRestoreRecord } from '../common/drill-contract';
import {
  DRILL_REPORT_SCHEMA_ID,
  DRILL_REPORT_VERSION,
  drillReportSchema,
  type DrillReport,
  type DrillReportRestore,
} from '../common/drill-report';
import { formatDuration } from '../common/duration';
import type { DrillClient } from './drill-client';
import { RestoreNotFoundError } from './errors';
import type { RestoreClient, RestoreOutcome } from './types';

export const DRILL_REPORT_FORMATS = ['json', 'md', 'html'] as const;
export type DrillReportFormat = (typeof DRILL_REPORT_FORMATS)[number];

const RETENTION_NOTE =
  "Temporal keeps the histories this report was built from only for the namespace's retention period; keep this report as the archive.";

export async function buildDrillReport(
  restores: RestoreClient,
  drills: DrillClient,
  drillId: string,
): Promise<DrillReport> {
  const info = await drills.getDrill(drillId);
  const records = info.result?.restores ?? info.status?.restores ?? [];
  const rows: DrillReportRestore[] = [];
  for (const record of records) rows.push(await restoreRow(restores, record));
  const totals: Record<string, number> = { total: records.length, running: 0 };
  for (const row of rows) {
    if (!row.outcome) totals.running = (totals.running ?? 0) + 1;
    else totals[row.outcome] = (totals[row.outcome] ?? 0) + 1;
  }
  const report: DrillReport = {
    schema: DRILL_REPORT_SCHEMA_ID,
    version: DRILL_REPORT_VERSION,
    generatedAt: new Date().toISOString(),
    drill: {
      id: drillId,
      runId: info.runId,
      name: info.result?.name ?? info.status?.name ?? drillId,
      executionStatus: info.executionStatus,
      passed: info.executionStatus === 'completed' && rows.every((row) => row.outcome === 'finished'),
      startedAt: info.result?.startedAt ?? info.status?.startedAt ?? info.startTime,
      ...(info.closeTime ? { endedAt: info.closeTime } : {}),
      ...(info.startedBy ? { startedBy: info.startedBy } : {}),
      totals,
      namespace: restores.client.options.namespace,
    },
    restores: rows,
    retention: RETENTION_NOTE,
  };
  // The schema is the contract audit tools read: a report that does not match it is a bug, not output.
  return drillReportSchema.parse(report);
}

async function restoreRow(restores: RestoreClient, record: DrillRestoreRecord): Promise<DrillReportRestore> {
  const row: DrillReportRestore = {
    index: record.index,
    label: record.label,
    workflowId: record.workflowId,
    source: { ...record.source },
    target: { ...record.target },
    snapshot: { policy: record.snapshot?.policy ?? 'latest' },
    times: {},
  };
  if (record.runId) row.runId = record.runId;
  if (record.outcome) row.outcome = record.outcome;
  if (record.message) row.message = record.message;
  const snapshot = record.snapshot;
  if (snapshot?.snapshotId) row.snapshot.snapshotId = snapshot.snapshotId;
  if (snapshot?.takenAt) row.snapshot.takenAt = snapshot.takenAt;
  if (snapshot?.pointInTimeUtcSeconds !== undefined)
    row.snapshot.pointInTimeUtcSeconds = snapshot.pointInTimeUtcSeconds;
  if (snapshot?.draw !== undefined) row.snapshot.draw = snapshot.draw;
  if (snapshot?.candidates !== undefined) row.snapshot.candidates = snapshot.candidates;
  if (record.kind) row.source.kind = record.kind;
  if (record.startedAt) row.times.started = record.startedAt;
  if (record.endedAt) row.times.ended = record.endedAt;
  // Restores the drill started have their own result or failure on the server.
  if (record.runId && record.outcome && record.outcome !== 'target_busy') {
    try {
      fromOutcome(row, await restores.waitForRestore(record.workflowId, { runId: record.runId }));
    } catch (error) {
      // Past the namespace's retention a restore's workflow is gone; the row says so instead of guessing.
      if (!(error instanceof RestoreNotFoundError)) throw error;
      row.message = `${row.message ? `${row.message}; ` : ''}its workflow is no longer on the server (past the namespace's retention): job, RTO, RPO and checks are not in this report`;
    }
  }
  return row;
}

function fromOutcome(row: DrillReportRestore, outcome: RestoreOutcome): void {
  if (outcome.outcome === 'finished') {
    const result = outcome.result;
    row.source.kind = result.kind;
    if (result.targetKind) row.target.kind = result.targetKind;
    row.restoreJobId = result.restoreJobId;
    if (result.snapshotId) row.snapshot.snapshotId = result.snapshotId;
    if (result.rpo) row.snapshot.takenAt ??= result.rpo.restoredTo;
    row.times.submitted = result.timings.submittedAt;
    if (result.timings.atlasFinishedAt) row.times.atlasDone = result.timings.atlasFinishedAt;
    if (result.timings.validatedAt) row.times.validated = result.timings.validatedAt;
    if (result.rto) row.rto = result.rto;
    if (result.rpo) row.rpo = result.rpo;
    if (result.validation) row.validation = { ok: result.validation.ok, checks: result.validation.checks };
    return;
  }
  row.message ??= outcome.message;
  if (outcome.restoreJobId) row.restoreJobId = outcome.restoreJobId;
  if (outcome.rto) row.rto = outcome.rto;
  if (outcome.rpo) row.rpo = outcome.rpo;
  if (outcome.validation) row.validation = { ok: outcome.validation.ok, checks: outcome.validation.checks };
}

export function renderDrillReport(report: DrillReport, format: DrillReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'md' ? markdown(report) : html(report);
}

const seconds = (s: number | undefined) => (s === undefined ? '' : formatDuration(s * 1000) || '0s');

function graded(value: number | undefined, objective: number | undefined, met: boolean | undefined): string {
  if (value === undefined) return '—';
  return objective === undefined
    ? seconds(value)
    : `${seconds(value)} (objective ${seconds(objective)}: ${met ? 'met' : 'missed'})`;
}

function rowCells(row: DrillReportRestore): string[] {
  const snapshot =
    row.snapshot.pointInTimeUtcSeconds !== undefined
      ? `point in time ${new Date(row.snapshot.pointInTimeUtcSeconds * 1000).toISOString()}`
      : `${row.snapshot.snapshotId ?? '—'}${row.snapshot.takenAt ? ` (${row.snapshot.takenAt})` : ''}${row.snapshot.policy === 'random' ? ` [random: draw ${row.snapshot.draw?.toFixed(4)} of ${row.snapshot.candidates}]` : ''}`;
  const rto = row.rto?.toValidatedSeconds ?? row.rto?.toAtlasDoneSeconds;
  const checks = row.validation
    ? row.validation.checks.map((c) => `${c.ok ? 'pass' : 'FAIL'} ${c.name}: ${c.summary}`).join('; ')
    : '—';
  return [
    String(row.index),
    row.label,
    `${row.source.kind} ${row.source.name} (${row.source.groupId})`,
    `${row.target.kind ? `${row.target.kind} ` : ''}${row.target.name} (${row.target.groupId})`,
    snapshot,
    row.restoreJobId ?? '—',
    [row.times.started, row.times.submitted, row.times.atlasDone, row.times.validated, row.times.ended]
      .map((t) => t ?? '—')
      .join(' / '),
    graded(rto, row.rto?.objectiveSeconds, row.rto?.met),
    graded(row.rpo?.seconds, row.rpo?.objectiveSeconds, row.rpo?.met),
    checks,
    `${row.outcome ?? 'running'}${row.message ? `: ${row.message}` : ''}`,
  ];
}

const HEADERS = [
  '#',
  'Restore',
  'Source',
  'Target',
  'Snapshot',
  'Atlas job',
  'Started / submitted / Atlas done / validated / ended',
  'RTO',
  'RPO',
  'Checks',
  'Outcome',
];

function summaryLines(report: DrillReport): string[] {
  const d = report.drill;
  return [
    `Drill ${d.name} (${d.id}), ${d.executionStatus}: ${d.passed ? 'PASSED' : 'NOT PASSED'}`,
    `Started ${d.startedAt}${d.endedAt ? `, ended ${d.endedAt}` : ''}${d.startedBy ? `, by ${d.startedBy}` : ''}; namespace ${d.namespace}`,
    `Totals: ${Object.entries(d.totals)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
}

function markdown(report: DrillReport): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [
    `# Restore drill report: ${report.drill.name}`,
    '',
    ...summaryLines(report).map((line) => `- ${line}`),
    `- Report schema ${report.schema} v${report.version}, generated ${report.generatedAt}`,
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map(() => '---').join('|')}|`,
    ...report.restores.map((row) => `| ${rowCells(row).map(cell).join(' | ')} |`),
    '',
    `_${report.retention}_`,
    '',
  ];
  return lines.join('\n');
}

function html(report: DrillReport): string {
  const esc = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const rows = report.restores
    .map((row) => {
      const cls = row.outcome === 'finished' ? 'ok' : row.outcome ? 'bad' : 'run';
      return `<tr class="${cls}">${rowCells(row)
        .map((c) => `<td>${esc(c)}</td>`)
        .join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Restore drill report: ${esc(report.drill.name)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top}tr.ok td:last-child{color:#176f2c}tr.bad td:last-child{color:#a3161d;font-weight:600}</style>
</head><body>
<h1>Restore drill report: ${esc(report.drill.name)}</h1>
<ul>${summaryLines(report)
    .map((line) => `<li>${esc(line)}</li>`)
    .join(
      '',
    )}<li>Report schema ${esc(report.schema)} v${report.version}, generated ${esc(report.generatedAt)}</li></ul>
<table><thead><tr>${HEADERS.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<p><em>${esc(report.retention)}</em></p>
<script type="application/json" id="report">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
