/**
 * The evidence report of a restore drill, version 1: what was restored, from which snapshot, into what,
 * when each step happened, how long it took against the objectives, what the checks found, how it ended.
 * This zod schema is its definition: the report is validated against it when built, and
 * `docs/drill-report.schema.json` (JSON Schema, for audit tools) is generated from it.
 */
import { z } from 'zod';

export const DRILL_REPORT_SCHEMA_ID = 'atlas-restore/drill-report';
export const DRILL_REPORT_VERSION = 1;

const iso = z.string().describe('ISO-8601 UTC time');

const recoveryTime = z.strictObject({
  toAtlasDoneSeconds: z
    .number()
    .optional()
    .describe('from the restore start to Atlas reporting the job done'),
  toValidatedSeconds: z.number().optional().describe('from the restore start to the end of validation'),
  objectiveSeconds: z.number().optional(),
  met: z.boolean().optional(),
});

const recoveryPoint = z.strictObject({
  restoredTo: iso.describe('the moment the restored data is from'),
  seconds: z.number().describe('from restoredTo to the restore start: the data a real restore would lose'),
  objectiveSeconds: z.number().optional(),
  met: z.boolean().optional(),
});

export const drillReportRestoreSchema = z.strictObject({
  index: z.number().int().describe("the restore's position in the plan"),
  label: z.string(),
  outcome: z
    .string()
    .describe(
      'finished, failed, expired, cancelled, deadline_exceeded, validation_failed, invalid_request, error, target_busy, not_started, skipped; absent while running',
    )
    .optional(),
  message: z.string().optional().describe('why it did not finish'),
  workflowId: z.string(),
  runId: z.string().optional(),
  source: z.strictObject({ kind: z.string(), groupId: z.string(), name: z.string() }),
  target: z.strictObject({ kind: z.string().optional(), groupId: z.string(), name: z.string() }),
  snapshot: z.strictObject({
    policy: z.enum(['latest', 'random', 'pointInTime', 'snapshotId']),
    snapshotId: z.string().optional(),
    takenAt: iso.optional(),
    pointInTimeUtcSeconds: z.number().optional(),
    draw: z.number().optional().describe('random policy: the draw in [0, 1) the drill recorded'),
    candidates: z.number().optional().describe('random policy: completed snapshots in the window'),
  }),
  restoreJobId: z.string().optional(),
  times: z.strictObject({
    started: iso.optional(),
    submitted: iso.optional(),
    atlasDone: iso.optional(),
    validated: iso.optional(),
    ended: iso.optional(),
  }),
  rto: recoveryTime.optional(),
  rpo: recoveryPoint.optional(),
  validation: z
    .strictObject({
      ok: z.boolean(),
      checks: z.array(
        z.strictObject({
          name: z.string(),
          kind: z.string(),
          ok: z.boolean(),
          summary: z.string(),
          actual: z.string().optional(),
          expected: z.string().optional(),
        }),
      ),
    })
    .optional(),
});

export const drillReportSchema = z.strictObject({
  schema: z.literal(DRILL_REPORT_SCHEMA_ID),
  version: z.literal(DRILL_REPORT_VERSION),
  generatedAt: iso,
  drill: z.strictObject({
    id: z.string().describe("the drill's workflow id"),
    runId: z.string().describe('the run the report was read from (the last, after continue-as-new)'),
    name: z.string(),
    executionStatus: z.string().describe('running, completed, cancelled, failed, terminated, ...'),
    passed: z.boolean().describe('every restore finished (and validated, where it validates)'),
    startedAt: iso,
    endedAt: iso.optional(),
    startedBy: z.string().optional().describe('who started it: a person or `schedule:<id>`'),
    totals: z.record(z.string(), z.number()).describe('restores by outcome, plus `total` and `running`'),
    namespace: z.string(),
  }),
  restores: z.array(drillReportRestoreSchema),
  retention: z
    .string()
    .describe(
      "Temporal keeps the histories this report was built from for the namespace's retention period; the report is the archive",
    ),
});

export type DrillReport = z.output<typeof drillReportSchema>;
export type DrillReportRestore = z.output<typeof drillReportRestoreSchema>;

/** The report's JSON Schema (draft 2020-12), as `docs/drill-report.schema.json` holds it. */
export function drillReportJsonSchema(): string {
  const schema = z.toJSONSchema(drillReportSchema);
  return `${JSON.stringify({ ...schema, $id: `${DRILL_REPORT_SCHEMA_ID}/v${DRILL_REPORT_VERSION}`, title: 'atlas-restore drill evidence report' }, null, 2)}\n`;
}
