/**
 * What a restore may check on its target once Atlas reports the job done, and what the checks found. The
 * request carries the checks (no credentials: the worker's environment holds those); the validation
 * activity runs them with the official MongoDB driver against the target's connection string from Atlas.
 *
 * Never imported by workflow code: the sandbox evaluates every module it imports once per workflow, and
 * building these schemas costs milliseconds each time (the request is checked by a local activity). What
 * the workflows need of validation is in `validation-report.ts`.
 */
import { z } from 'zod';
import { parseDuration } from './duration';

/** MongoDB's rules for names, kept to what a request can get wrong (docs/atlas.md#namespaces). */
export const databaseNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(/^[^/\\. "$*<>:|?]+$/, 'must not contain / \\ . " $ * < > : | ? or spaces');
export const collectionNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^(?!system\.)[^$\0]+$/, 'must not contain $ or start with system.');

/** A query filter or pipeline stage: a JSON object, as the driver takes it (Extended JSON not parsed). */
const jsonObjectSchema = z.record(z.string(), z.unknown(), 'must be a JSON object');

const base = {
  /** A label for reports; default: the check's own description. */
  name: z.string().min(1).max(100).optional(),
  database: databaseNameSchema,
};

/**
 * How a count may be compared with the source: the source's documents whose `timeField` is at or before
 * the restored moment (the snapshot's time or the point in time), counted on the live source. Works when
 * documents are only ever inserted; `_id` reads the creation second of ObjectIds.
 */
const ofSourceSchema = z.strictObject({
  timeField: z.string().min(1, 'must name a field').default('_id'),
  /**
   * Where the documents are on the source, when the restore renamed them (a collection restore into
   * `shop.orders_restored` compares with the source's `shop.orders`). Default: the checked names.
   */
  database: databaseNameSchema.optional(),
  collection: collectionNameSchema.optional(),
  /** Allowed difference, in documents. Default 0 (exact). */
  toleranceDocuments: z.number().int().nonnegative().optional(),
  /** Allowed difference, as a percentage of the source's count. */
  tolerancePercent: z.number().nonnegative().max(100).optional(),
});

export const validationCheckSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('exists'), ...base, collection: collectionNameSchema.optional() }),
    z
      .strictObject({
        kind: z.literal('count'),
        ...base,
        collection: collectionNameSchema,
        filter: jsonObjectSchema.optional(),
        equals: z.number().int().nonnegative().optional(),
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().nonnegative().optional(),
        ofSource: ofSourceSchema.optional(),
      })
      .refine((c) => c.equals !== undefined || c.min !== undefined || c.max !== undefined || c.ofSource, {
        message: 'a count check needs equals, min, max or ofSource',
        path: ['equals'],
      })
      .refine((c) => c.equals === undefined || (c.min === undefined && c.max === undefined), {
        message: 'equals cannot be combined with min or max',
        path: ['equals'],
      })
      .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
        message: 'min must not exceed max',
        path: ['min'],
      }),
    z
      .strictObject({
        kind: z.literal('query'),
        ...base,
        collection: collectionNameSchema,
        filter: jsonObjectSchema.optional(),
        pipeline: z.array(jsonObjectSchema, 'must be an array of pipeline stages').min(1).optional(),
        minResults: z.number().int().min(1, 'must be at least 1').default(1),
      })
      .refine((c) => !(c.filter && c.pipeline), {
        message: 'give a filter or a pipeline, not both',
        path: ['pipeline'],
      }),
    z.strictObject({
      kind: z.literal('indexes'),
      ...base,
      collection: collectionNameSchema,
      names: z.array(z.string().min(1), 'must be a list of index names').min(1, 'must name an index'),
    }),
  ],
  { error: 'kind must be one of exists, count, query, indexes' },
);

export const validationSpecSchema = z.strictObject({
  /**
   * How long to keep trying to connect to the target after Atlas reports the restore done: a restored
   * deployment takes a while before it accepts connections.
   */
  connectTimeout: z
    .string()
    .refine((t) => {
      const ms = parseDuration(t);
      return ms !== undefined && ms >= 1_000 && ms <= 3_600_000;
    }, 'must be a duration between 1s and 1h')
    .default('5m'),
  checks: z
    .array(validationCheckSchema, 'must be a list of checks')
    .min(1, 'must hold at least one check')
    .max(100),
});

export type ValidationCheck = z.output<typeof validationCheckSchema>;
export type ValidationSpec = z.output<typeof validationSpecSchema>;
export type ValidationSpecInput = z.input<typeof validationSpecSchema>;

export * from './validation-report';
