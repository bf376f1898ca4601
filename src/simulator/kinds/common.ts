import { z } from 'zod';
import { serverlessInstanceUpdateSchema } from '../../atlas/schemas';
import { deploymentDataSchema } from '../data/spec';
import { bodyValidationError, type SchemaIssue } from '../restore-jobs';

/** Seed and PATCH pieces every kind uses. */

export const deploymentNameSchema = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9-]*$/,
    'must start with a letter or digit and contain only letters, digits and -',
  );

export const seedTagSchema = z.strictObject({
  key: z.string().min(1).max(255),
  value: z.string().min(1).max(255),
});

export const providerNameSchema = z.enum(['AWS', 'AZURE', 'GCP']);

/** What a deployment of any kind holds (the simulator's data plane); absent: it starts empty. */
export const seedDataField = { data: deploymentDataSchema.optional() };

/** Parses the writable fields of a PATCH with `schema`, answering VALIDATION_ERROR naming each field. */
export function parseUpdate<T extends z.ZodType>(schema: T, fields: unknown): z.output<T> {
  const parsed = schema.safeParse(fields);
  if (!parsed.success) throw bodyValidationError('update', parsed.error.issues as SchemaIssue[]);
  return parsed.data;
}

/** Tags and termination protection: the same writable fields on serverless instances and clusters. */
export const commonUpdateSchema = z.looseObject({
  terminationProtectionEnabled: z.boolean().optional(),
  tags: serverlessInstanceUpdateSchema.shape.tags,
});
