/**
 * A restore drill's plan: which restores to prove, how to pick each one's snapshot, what to check and how
 * many to run at once. Validated before the drill starts and again in the workflow; an error names the
 * restore's index and the field. The drill workflow loads it only when it parses: every module the
 * sandbox imports up front is evaluated again for each workflow, restores included.
 */
import { z } from 'zod';
import { REQUESTED_KINDS } from './deployment-kinds';
import { parseDuration } from './duration';
import { drillRestoreRequest } from './drill-restores';
import {
  deploymentNameSchema,
  describeIssues,
  objectIdSchema,
  restoreRequestSchema,
  restoreScopeSchema,
  type ParseResult,
} from './restore-request';
import { validationSpecSchema } from './validation';

/**
 * The most restores one plan may hold. The drill continues as new as it goes, so history stays bounded,
 * but its input and result carry one record per restore (~0.5 KB): 1,000 keep them well under Temporal's
 * 2 MB payload limit, and the benchmark runs a drill of this size. Larger fleets: several plans.
 */
export const MAX_DRILL_RESTORES = 1_000;

const duration = (min: string, max: string) =>
  z.string().refine((text) => {
    const ms = parseDuration(text);
    return ms !== undefined && ms >= parseDuration(min)! && ms <= parseDuration(max)!;
  }, `must be a duration between ${min} and ${max}`);

/**
 * How a drill picks what to restore: the latest completed snapshot; a snapshot drawn at random among the
 * completed ones of the last N days (drawn deterministically per drill run and recorded, as AWS Backup's
 * restore testing does); a point in time that long before the drill started; or a given snapshot.
 */
export const drillSnapshotPolicySchema = z.union(
  [
    z.strictObject({ latest: z.literal(true, 'must be true') }),
    z.strictObject({
      randomWithinDays: z
        .number('must be a number of days')
        .int('must be a whole number of days')
        .min(1, 'must be at least 1')
        .max(365, 'must be at most 365'),
    }),
    z.strictObject({ pointInTimeAgo: duration('1m', '30d') }),
    z.strictObject({ snapshotId: objectIdSchema }),
  ],
  { error: 'must be one of { latest: true }, { randomWithinDays }, { pointInTimeAgo } or { snapshotId }' },
);
export type DrillSnapshotPolicy = z.output<typeof drillSnapshotPolicySchema>;

const objectivesSchema = z.strictObject({
  rto: duration('1m', '30d').optional(),
  rpo: duration('1m', '3650d').optional(),
});

/** One restore of the drill. What it leaves out comes from the plan's `defaults`. */
export const drillRestoreSchema = z.strictObject({
  /** A name for reports; default `<source> -> <target>`. */
  label: z.string().min(1).max(100).optional(),
  source: z.strictObject({
    kind: z.enum(REQUESTED_KINDS, `must be one of ${REQUESTED_KINDS.join(', ')}`).default('auto'),
    groupId: objectIdSchema,
    name: deploymentNameSchema,
  }),
  target: z.strictObject({ groupId: objectIdSchema, name: deploymentNameSchema }),
  snapshot: drillSnapshotPolicySchema.default({ latest: true }),
  /** Restore only these databases or collections (dedicated clusters), as a single restore may. */
  scope: restoreScopeSchema.optional(),
  validate: validationSpecSchema.optional(),
  objectives: objectivesSchema.optional(),
  deadline: duration('1m', '30d').optional(),
  ensureContinuousBackup: z.boolean().optional(),
});
export type DrillRestore = z.output<typeof drillRestoreSchema>;

export const drillPlanSchema = z.strictObject({
  name: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(
      /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/,
      'must start with a letter or digit and hold only letters, digits, . _ -',
    ),
  restores: z
    .array(drillRestoreSchema, 'must be a list of restores')
    .min(1, 'must hold at least one restore')
    .max(MAX_DRILL_RESTORES, `must hold at most ${MAX_DRILL_RESTORES} restores`),
  /** In flight at once: in all, and per project (the source's, where the Atlas calls and jobs are counted). */
  concurrency: z
    .strictObject({
      total: z.number().int().min(1).max(200).default(10),
      perProject: z.number().int().min(1).max(200).default(3),
    })
    .default({ total: 10, perProject: 3 }),
  /** Applied to every restore that does not set its own. */
  defaults: z
    .strictObject({
      validate: validationSpecSchema.optional(),
      objectives: objectivesSchema.optional(),
      deadline: duration('1m', '30d').optional(),
      polling: restoreRequestSchema.shape.polling.optional(),
    })
    .default({}),
});
export type DrillPlan = z.output<typeof drillPlanSchema>;
export type DrillPlanInput = z.input<typeof drillPlanSchema>;

export { drillRestoreLabel, drillRestoreRequest } from './drill-restores';

/**
 * Parses a plan. Beyond each field's rule: every restore must also make a valid restore request (kind
 * capabilities, e.g. no point in time on Flex), which is checked with a stand-in snapshot of its policy's
 * shape. Errors read `restores.3.target.name: …`.
 */
export function parseDrillPlan(input: unknown): ParseResult<DrillPlan> {
  const parsed = drillPlanSchema.safeParse(input);
  if (!parsed.success) return { ok: false, message: describeIssues(parsed.error) };
  const plan = parsed.data;
  const problems: string[] = [];
  plan.restores.forEach((restore, index) => {
    const stand =
      'pointInTimeAgo' in restore.snapshot
        ? { pointInTimeUtcSeconds: 1_700_000_000 }
        : 'snapshotId' in restore.snapshot
          ? { snapshotId: restore.snapshot.snapshotId }
          : { latest: true as const };
    const request = restoreRequestSchema.safeParse(drillRestoreRequest(plan, restore, stand));
    if (!request.success) {
      for (const issue of request.error.issues) {
        // The stand-in's own values are not the plan's; a point-in-time rule is about its policy.
        const path = issue.path
          .join('.')
          .replace(/^snapshot\.pointInTimeUtcSeconds$/, 'snapshot.pointInTimeAgo');
        problems.push(`restores.${index}.${path || '(restore)'}: ${issue.message}`);
      }
    }
  });
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, value: plan };
}
