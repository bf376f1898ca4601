import { z } from 'zod';
import { capabilityIssues } from './capability-issues';
import { DEFAULT_RESTORE_DEADLINE } from './contract';
import { isDeploymentKind, REQUESTED_KINDS } from './deployment-kinds';
import { parseDuration } from './duration';
import { collectionNameSchema, databaseNameSchema, validationSpecSchema } from './validation';

/** Atlas takes at most this many databases, and as many collections, in one collection restore. */
export const MAX_RESTORE_NAMESPACES = 100;

const namespaceSchema = z
  .string()
  .regex(/^[^.]+\.[^.].*$/, 'must be <database>.<collection>')
  .superRefine((text, ctx) => {
    const dot = text.indexOf('.');
    for (const [part, schema] of [
      [text.slice(0, dot), databaseNameSchema],
      [text.slice(dot + 1), collectionNameSchema],
    ] as const) {
      const checked = schema.safeParse(part);
      if (!checked.success)
        ctx.addIssue({ code: 'custom', message: `${part}: ${checked.error.issues[0]!.message}` });
    }
  });

/**
 * A collection- or database-level restore: only these namespaces of the snapshot (or point in time) are
 * written into the target, which keeps its other data (docs/atlas.md#collection-and-database-restores).
 * Overwriting a namespace the target already has must be asked for (`writeStrategy`).
 */
export const restoreScopeSchema = z
  .strictObject({
    databases: z
      .array(
        z.strictObject({ name: databaseNameSchema, targetName: databaseNameSchema.optional() }),
        'must be a list of { name, targetName? }',
      )
      .max(MAX_RESTORE_NAMESPACES, `Atlas restores at most ${MAX_RESTORE_NAMESPACES} databases at once`)
      .optional(),
    collections: z
      .array(
        z.strictObject({ namespace: namespaceSchema, targetNamespace: namespaceSchema.optional() }),
        'must be a list of { namespace, targetNamespace? }',
      )
      .max(MAX_RESTORE_NAMESPACES, `Atlas restores at most ${MAX_RESTORE_NAMESPACES} collections at once`)
      .optional(),
    databaseSuffix: z
      .string()
      .regex(/^[^/\\. "$*<>:|?]{1,20}$/, 'must be 1-20 characters a database name allows')
      .optional(),
    collectionSuffix: z
      .string()
      .regex(/^[^$\0]{1,20}$/, 'must be 1-20 characters a collection name allows')
      .optional(),
    writeStrategy: z
      .enum(['CREATE_NEW', 'OVERWRITE_EXISTING'], 'must be CREATE_NEW or OVERWRITE_EXISTING')
      .default('CREATE_NEW'),
    indexStrategy: z
      .enum(['ALL', 'NONE', 'ALL_EXCEPT_TTL'], 'must be ALL, NONE or ALL_EXCEPT_TTL')
      .default('ALL'),
  })
  .refine((scope) => (scope.databases?.length ?? 0) + (scope.collections?.length ?? 0) > 0, {
    message: 'must name at least one database or collection',
    path: ['databases'],
  });
export type RestoreScope = z.output<typeof restoreScopeSchema>;

/** Atlas ids (projects, snapshots, jobs) are 24-hex ObjectIds. */
export const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character lower-case hex id');

/** Instance and cluster names as Atlas accepts them (a subset of what Flex targets may be called). */
export const deploymentNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9-]*$/,
    'must start with a letter or digit and contain only letters, digits and -',
  );

/** The oldest point in time Atlas accepts for `pointInTimeUTCSeconds` (2008-01-01). */
export const MIN_POINT_IN_TIME_UTC_SECONDS = 1_199_145_600;

const durationSchema = (min: string, max: string) =>
  z.string().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 5m, 6h or 1h30m' });
    } else if (ms < parseDuration(min)! || ms > parseDuration(max)!) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}` });
    }
  });

const snapshotSelectorSchema = z.union(
  [
    z.strictObject({ snapshotId: objectIdSchema }),
    z.strictObject({ latest: z.literal(true, 'must be true') }),
    z.strictObject({
      pointInTimeUtcSeconds: z
        .number('must be a number of seconds since the Unix epoch')
        .int('must be a whole number of seconds')
        .min(MIN_POINT_IN_TIME_UTC_SECONDS, 'must be after 2008-01-01'),
    }),
  ],
  { error: 'must be one of { snapshotId }, { latest: true } or { pointInTimeUtcSeconds }' },
);

/**
 * The one argument of the `restoreSnapshot` workflow. Objects are strict: an unknown key (a misspelt
 * option, or a credential pasted into the request) is rejected rather than carried into history.
 */
export const restoreRequestSchema = z
  .strictObject({
    source: z.strictObject({
      kind: z.enum(REQUESTED_KINDS, `must be one of ${REQUESTED_KINDS.join(', ')}`),
      groupId: objectIdSchema,
      name: deploymentNameSchema,
    }),
    snapshot: snapshotSelectorSchema,
    target: z.strictObject({ groupId: objectIdSchema, name: deploymentNameSchema }),
    /** Default: on where the kind has continuous backup. Asking for it where the kind has none is refused. */
    ensureContinuousBackup: z.boolean('must be true or false').optional(),
    deadline: durationSchema('1m', '30d').default(DEFAULT_RESTORE_DEADLINE),
    polling: z
      .strictObject({
        initialInterval: durationSchema('1s', '1h').default('5s'),
        maxInterval: durationSchema('1s', '1h').default('60s'),
        /**
         * How long a wait may go unheard from before Temporal hands it to another worker: the bound on
         * failover after a worker is killed (a graceful shutdown hands over at once). The waiting activity
         * heartbeats once per 0.8 × this, and each heartbeat is a billable Action, so a longer bound is
         * cheaper (docs/temporal.md#activity-heartbeats).
         */
        failoverAfter: durationSchema('20s', '1h').default('10m'),
      })
      .default({ initialInterval: '5s', maxInterval: '60s', failoverAfter: '10m' })
      .refine((p) => parseDuration(p.initialInterval)! <= parseDuration(p.maxInterval)!, {
        message: 'initialInterval must not exceed maxInterval',
        path: ['initialInterval'],
      }),
    /** Restore only these databases or collections (dedicated clusters); absent: the whole deployment. */
    scope: restoreScopeSchema.optional(),
    /** Checks of the restored data, run once Atlas reports the job done (credentials: the worker's env). */
    validate: validationSpecSchema.optional(),
    /** Recovery objectives the result grades: time to restored (validated) data, age of the restored data. */
    objectives: z
      .strictObject({
        rto: durationSchema('1m', '30d').optional(),
        rpo: durationSchema('1m', '3650d').optional(),
      })
      .optional(),
  })
  .superRefine((request, ctx) => {
    // A kind named in the request is checked now; `auto` is checked the same way once resolved.
    if (!isDeploymentKind(request.source.kind)) return;
    for (const issue of capabilityIssues(request.source.kind, request))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** What callers send (defaults optional). */
export type RestoreRequestInput = z.input<typeof restoreRequestSchema>;
/** A validated request with defaults applied. */
export type RestoreRequest = z.output<typeof restoreRequestSchema>;
export type SnapshotSelector = RestoreRequest['snapshot'];

export { capabilityIssues } from './capability-issues';

/** Issues as `path: rule` lines, so every error names the field it is about. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(request)'}: ${issue.message}`)
    .join('; ');
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseRestoreRequest(input: unknown): ParseResult<RestoreRequest> {
  const parsed = restoreRequestSchema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, message: describeIssues(parsed.error) };
}
