import { z } from 'zod';
import { objectIdSchema } from '../common/restore-request';
import { snapshotStatusSchema } from '../atlas/schemas';

/**
 * What a simulator starts with: projects, serverless instances, dedicated clusters and, optionally, extra
 * snapshots (e.g. a failed or in-progress one). Ids are given, not generated, so a seed means the same
 * world on every run; each deployment's creation time is the time embedded in its id. Scheduled snapshots
 * are not listed: they follow from the creation time and the clock (every 6 h).
 */

const deploymentName = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9-]*$/,
    'must start with a letter or digit and contain only letters, digits and -',
  );

const tag = z.strictObject({ key: z.string().min(1).max(255), value: z.string().min(1).max(255) });

export const seedSchema = z
  .strictObject({
    projects: z
      .array(
        z.strictObject({ id: objectIdSchema, name: z.string().min(1), orgId: objectIdSchema.optional() }),
      )
      .min(1),
    serverless: z
      .array(
        z.strictObject({
          id: objectIdSchema,
          groupId: objectIdSchema,
          name: deploymentName,
          /** Serverless Continuous Backup (true) or Basic Backup (false). */
          continuousBackup: z.boolean().default(false),
          mongoDBVersion: z.string().default('8.0.17'),
          backingProviderName: z.enum(['AWS', 'AZURE', 'GCP']).default('AWS'),
          regionName: z.string().default('US_EAST_1'),
          terminationProtectionEnabled: z.boolean().default(false),
          tags: z.array(tag).default([]),
        }),
      )
      .default([]),
    clusters: z
      .array(
        z.strictObject({
          id: objectIdSchema,
          groupId: objectIdSchema,
          name: deploymentName,
          /** Cloud backup (`backupEnabled` on v2, `providerBackupEnabled` on v1.0). */
          backupEnabled: z.boolean().default(true),
          /** Continuous cloud backup. */
          pitEnabled: z.boolean().default(false),
          mongoDBVersion: z.string().default('8.0.29'),
          instanceSize: z.string().default('M10'),
          providerName: z.enum(['AWS', 'AZURE', 'GCP']).default('AWS'),
          regionName: z.string().default('US_EAST_1'),
          terminationProtectionEnabled: z.boolean().default(false),
          tags: z.array(tag).default([]),
        }),
      )
      .default([]),
    /** Snapshots beside the scheduled ones, e.g. a failed one; kept regardless of retention. */
    snapshots: z
      .array(
        z.strictObject({
          id: objectIdSchema,
          groupId: objectIdSchema,
          deployment: deploymentName,
          status: snapshotStatusSchema,
          /** How long before the simulator's start it was taken, in simulated hours. */
          ageHours: z.number().nonnegative(),
        }),
      )
      .default([]),
  })
  .superRefine((seed, ctx) => {
    const projects = new Set(seed.projects.map((p) => p.id));
    const names = new Set<string>();
    const ids = new Set<string>(seed.projects.map((p) => p.id));
    const deployments = [
      ...seed.serverless.map((d, i) => ({ d, path: ['serverless', i] })),
      ...seed.clusters.map((d, i) => ({ d, path: ['clusters', i] })),
    ];
    for (const { d, path } of deployments) {
      if (!projects.has(d.groupId))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'groupId'],
          message: 'must be the id of a seeded project',
        });
      // Atlas names clusters and serverless instances from one namespace per project (DUPLICATE_CLUSTER_NAME).
      const key = `${d.groupId}/${d.name}`;
      if (names.has(key))
        ctx.addIssue({ code: 'custom', path: [...path, 'name'], message: 'is already used in this project' });
      names.add(key);
      if (ids.has(d.id)) ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: 'is already used' });
      ids.add(d.id);
    }
    seed.snapshots.forEach((s, i) => {
      if (!names.has(`${s.groupId}/${s.deployment}`))
        ctx.addIssue({
          code: 'custom',
          path: ['snapshots', i, 'deployment'],
          message: 'must name a seeded deployment of that project',
        });
    });
  });

/** A seed as written (defaults optional). */
export type SeedData = z.input<typeof seedSchema>;
/** A seed with its defaults filled in. */
export type ParsedSeed = z.output<typeof seedSchema>;

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/** Parses a seed, naming the field and rule of every problem. */
export function parseSeed(input: unknown): ParsedSeed {
  const result = seedSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(seed)'} ${issue.message}`);
  throw new SeedError(`invalid seed: ${problems.join('; ')}`);
}

/** The ids the demo and tests reach for: the first project and, in it, a source and a target of each kind. */
export interface SimulatorIds {
  orgId: string;
  projectId: string;
  projectName: string;
  /** Serverless source instance name (continuous backup off, completed snapshots). */
  serverlessSource: string;
  serverlessSourceId: string;
  /** Serverless restore target name. */
  serverlessTarget: string;
  serverlessTargetId: string;
  /** Dedicated source cluster name (backup on, continuous backup off). */
  clusterSource: string;
  clusterSourceId: string;
  /** Dedicated restore target name. */
  clusterTarget: string;
  clusterTargetId: string;
}

/** Picks the ids of a seed; for a custom seed missing a deployment the field is an empty string. */
export function seedIds(seed: ParsedSeed): SimulatorIds {
  const project = seed.projects[0]!;
  const serverless = seed.serverless.filter((d) => d.groupId === project.id);
  const clusters = seed.clusters.filter((d) => d.groupId === project.id);
  return {
    orgId: project.orgId ?? '',
    projectId: project.id,
    projectName: project.name,
    serverlessSource: serverless[0]?.name ?? '',
    serverlessSourceId: serverless[0]?.id ?? '',
    serverlessTarget: serverless[1]?.name ?? '',
    serverlessTargetId: serverless[1]?.id ?? '',
    clusterSource: clusters[0]?.name ?? '',
    clusterSourceId: clusters[0]?.id ?? '',
    clusterTarget: clusters[1]?.name ?? '',
    clusterTargetId: clusters[1]?.id ?? '',
  };
}
