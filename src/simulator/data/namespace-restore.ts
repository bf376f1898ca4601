import { z } from 'zod';
import { collectionNameSchema, databaseNameSchema } from '../../common/validation';
import { frozenAt, namespaceOf, type NamespaceModel } from './model';

/**
 * A restore of single databases or collections, with renames and the write and index strategies of Atlas'
 * collection-level restore (`writeStrategy`, `indexStrategy`, `databases[]`/`collections[]` of
 * `{ sourceNamespace, targetNamespace? }`). A pure function on the content model: the route that will
 * create such jobs applies it when one finishes, as whole-deployment restores are applied today.
 */

const namespaceSchema = z.string().transform((value, ctx) => {
  const dot = value.indexOf('.');
  const database = databaseNameSchema.safeParse(dot < 0 ? value : value.slice(0, dot));
  const collection = collectionNameSchema.safeParse(dot < 0 ? '' : value.slice(dot + 1));
  if (dot < 0 || !database.success || !collection.success) {
    ctx.addIssue({ code: 'custom', message: 'must be <database>.<collection> with valid names' });
    return z.NEVER;
  }
  return { database: database.data, collection: collection.data };
});

export const namespaceRestoreSchema = z
  .strictObject({
    /** CREATE_NEW fails if a target namespace exists; OVERWRITE_EXISTING replaces it. */
    writeStrategy: z.enum(['CREATE_NEW', 'OVERWRITE_EXISTING']),
    /** Which of the source's indexes the restored collections get. */
    indexStrategy: z.enum(['ALL', 'NONE', 'ALL_EXCEPT_TTL']),
    databases: z
      .array(
        z.strictObject({
          sourceNamespace: databaseNameSchema,
          targetNamespace: databaseNameSchema.optional(),
        }),
      )
      .max(100)
      .default([]),
    collections: z
      .array(
        z.strictObject({ sourceNamespace: namespaceSchema, targetNamespace: namespaceSchema.optional() }),
      )
      .max(100)
      .default([]),
  })
  .refine((r) => r.databases.length + r.collections.length > 0, {
    message: 'must name at least one database or collection',
    path: ['collections'],
  });
export type NamespaceRestoreRequest = z.input<typeof namespaceRestoreSchema>;

export type NamespaceRestoreErrorCode =
  'INVALID_REQUEST' | 'SOURCE_NOT_FOUND' | 'TARGET_EXISTS' | 'DUPLICATE_TARGET';

/** Why a namespace restore cannot be applied; nothing is changed. */
export class NamespaceRestoreError extends Error {
  override readonly name = 'NamespaceRestoreError';
  constructor(
    readonly code: NamespaceRestoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface NamespaceRestoreResult {
  /** The target's namespaces after the restore. */
  content: NamespaceModel[];
  /** What went where, in request order. */
  restored: { sourceNamespace: string; targetNamespace: string }[];
}

/**
 * Writes the requested namespaces of `source` as of `restoredAtMs` into `target`. Renamed namespaces keep
 * their documents (same `_id`s); namespaces of the target that were not named stay as they were.
 */
export function applyNamespaceRestore(options: {
  target: readonly NamespaceModel[];
  source: readonly NamespaceModel[];
  restoredAtMs: number;
  request: unknown;
}): NamespaceRestoreResult {
  const parsed = namespaceRestoreSchema.safeParse(options.request);
  if (!parsed.success)
    throw new NamespaceRestoreError(
      'INVALID_REQUEST',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`).join('; '),
    );
  const request = parsed.data;
  const source = frozenAt(options.source, options.restoredAtMs);

  const moves: { from: NamespaceModel; database: string; collection: string }[] = [];
  for (const { sourceNamespace, targetNamespace } of request.databases) {
    const found = source.filter((m) => m.database === sourceNamespace);
    if (found.length === 0)
      throw new NamespaceRestoreError('SOURCE_NOT_FOUND', `the source has no database ${sourceNamespace}`);
    for (const from of found)
      moves.push({ from, database: targetNamespace ?? sourceNamespace, collection: from.collection });
  }
  for (const { sourceNamespace, targetNamespace } of request.collections) {
    const from = source.find(
      (m) => m.database === sourceNamespace.database && m.collection === sourceNamespace.collection,
    );
    if (!from)
      throw new NamespaceRestoreError(
        'SOURCE_NOT_FOUND',
        `the source has no collection ${namespaceOf(sourceNamespace)}`,
      );
    const to = targetNamespace ?? sourceNamespace;
    moves.push({ from, database: to.database, collection: to.collection });
  }

  const targets = new Set<string>();
  for (const move of moves) {
    const ns = namespaceOf(move);
    if (targets.has(ns))
      throw new NamespaceRestoreError('DUPLICATE_TARGET', `${ns} is the target of more than one namespace`);
    targets.add(ns);
  }
  if (request.writeStrategy === 'CREATE_NEW') {
    const existing = options.target.filter((m) => targets.has(namespaceOf(m))).map(namespaceOf);
    if (existing.length > 0)
      throw new NamespaceRestoreError(
        'TARGET_EXISTS',
        `writeStrategy CREATE_NEW: the target already has ${existing.join(', ')}`,
      );
  }

  const restored = moves.map(({ from, database, collection }): NamespaceModel => {
    const indexes =
      request.indexStrategy === 'ALL'
        ? from.indexes
        : request.indexStrategy === 'NONE'
          ? []
          : from.indexes.filter((index) => index.expireAfterSeconds === undefined);
    return { ...from, database, collection, indexes };
  });
  return {
    content: [...options.target.filter((m) => !targets.has(namespaceOf(m))), ...restored],
    restored: moves.map((move) => ({
      sourceNamespace: namespaceOf(move.from),
      targetNamespace: namespaceOf(move),
    })),
  };
}
