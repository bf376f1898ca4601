import { z } from 'zod';
import { collectionNameSchema, databaseNameSchema } from '../../common/validation';

/**
 * What a seeded deployment holds: databases of generated collections, each a number of documents at the
 * world's creation, a constant write rate and its indexes. The documents themselves are never stored: they
 * are a function of the spec and simulated time (`documents.ts`).
 */

/** Databases MongoDB keeps for itself; a restore never drops or writes them. */
export const SYSTEM_DATABASES: readonly string[] = ['admin', 'local', 'config'];

/** The generated collection in every seeded database that holds the `stats` document. */
export const STATS_COLLECTION = 'meta';

const indexSpecSchema = z.strictObject({
  name: z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .refine((name) => name !== '_id_', 'is the _id index, which every collection has'),
  key: z
    .record(z.string().min(1, 'must name a field'), z.union([z.literal(1), z.literal(-1)]), {
      error: 'must map field names to 1 or -1',
    })
    .refine((key) => Object.keys(key).length > 0, 'must name at least one field'),
  unique: z.boolean().optional(),
  /** A TTL index: MongoDB deletes a document this many (real) seconds after the date in the key's field. */
  expireAfterSeconds: z.number().int().positive().optional(),
});
export type IndexSpec = z.output<typeof indexSpecSchema>;

const collectionSpecSchema = z
  .strictObject({
    name: collectionNameSchema.refine(
      (name) => name !== STATS_COLLECTION,
      `is generated in every database (it holds the stats document)`,
    ),
    /** Documents that exist at the world's creation. */
    documents: z.number().int().nonnegative().max(1_000_000),
    /** Documents written per simulated hour, before and after the world's creation. */
    writesPerHour: z.number().int().min(1).max(360_000),
    indexes: z.array(indexSpecSchema).default([]),
  })
  .superRefine((spec, ctx) => {
    const names = new Set<string>();
    spec.indexes.forEach((index, i) => {
      if (names.has(index.name))
        ctx.addIssue({ code: 'custom', path: ['indexes', i, 'name'], message: 'is already used' });
      names.add(index.name);
    });
  });

export const deploymentDataSchema = z.strictObject({
  databases: z
    .array(
      z.strictObject({
        name: databaseNameSchema.refine(
          (name) => !SYSTEM_DATABASES.includes(name),
          `must not be ${SYSTEM_DATABASES.join(', ')}`,
        ),
        collections: z
          .array(collectionSpecSchema)
          .min(1, 'must hold at least one collection')
          .superRefine((collections, ctx) => {
            const names = new Set<string>();
            collections.forEach((c, i) => {
              if (names.has(c.name))
                ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is already used' });
              names.add(c.name);
            });
          }),
      }),
    )
    .min(1, 'must hold at least one database')
    .superRefine((databases, ctx) => {
      const names = new Set<string>();
      databases.forEach((d, i) => {
        if (names.has(d.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is already used' });
        names.add(d.name);
      });
    }),
});
/** A seed's `data` as written (index lists optional). */
export type DeploymentDataInput = z.input<typeof deploymentDataSchema>;
export type DeploymentData = z.output<typeof deploymentDataSchema>;
