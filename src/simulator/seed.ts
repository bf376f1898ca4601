import { z } from 'zod';
import { objectIdSchema } from '../common/restore-request';
import { snapshotStatusSchema } from '../atlas/schemas';
import { clusterSeedSchema } from './kinds/cluster';
import { deploymentNameSchema } from './kinds/common';
import { flexSeedSchema } from './kinds/flex';
import { serverlessSeedSchema } from './kinds/serverless';

/**
 * What a simulator starts with: projects, serverless instances, dedicated clusters, Flex clusters and,
 * optionally, extra snapshots (e.g. a failed or in-progress one). Ids are given, not generated, so a seed
 * means the same world on every run; each deployment's creation time is the time embedded in its id.
 * Scheduled snapshots are not listed: they follow from the creation time and the clock. Each kind's module
 * owns the schema of its entries and turns them into records.
 */

const SEED_KEYS = ['serverless', 'clusters', 'flexClusters'] as const;

export const seedSchema = z
  .strictObject({
    projects: z
      .array(
        z.strictObject({ id: objectIdSchema, name: z.string().min(1), orgId: objectIdSchema.optional() }),
      )
      .min(1),
    serverless: z.array(serverlessSeedSchema).default([]),
    clusters: z.array(clusterSeedSchema).default([]),
    flexClusters: z.array(flexSeedSchema).default([]),
    /** Snapshots beside the scheduled ones, e.g. a failed one; kept regardless of retention. */
    snapshots: z
      .array(
        z.strictObject({
          id: objectIdSchema,
          groupId: objectIdSchema,
          deployment: deploymentNameSchema,
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
    const deployments = SEED_KEYS.flatMap((key) =>
      (seed[key] as { id: string; groupId: string; name: string }[]).map((d, i) => ({ d, path: [key, i] })),
    );
    for (const { d, path } of deployments) {
      if (!projects.has(d.groupId))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'groupId'],
          message: 'must be the id of a seeded project',
        });
      // Atlas names all of a project's deployments from one namespace (DUPLICATE_CLUSTER_NAME, recorded for Flex too).
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

/**
 * The ids the demo and tests reach for: the first project and, in it, a source and a target of each kind,
 * plus a second project with a dedicated cluster for cross-project restores.
 */
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
  /** Flex source cluster name (daily snapshots, 8 kept). */
  flexSource: string;
  flexSourceId: string;
  /** Flex restore target name. */
  flexTarget: string;
  flexTargetId: string;
  /** A dedicated cluster a Flex snapshot is restored into, in the first project. */
  flexClusterTarget: string;
  flexClusterTargetId: string;
  /** The second project and its dedicated cluster, a target for restores from the first project. */
  otherProjectId: string;
  otherProjectName: string;
  otherProjectClusterTarget: string;
  otherProjectClusterTargetId: string;
}

/**
 * Picks the ids of a seed; a field the seed has no deployment for is an empty string. The dedicated target
 * for Flex restores is the first project's third cluster, else its second.
 */
export function seedIds(seed: ParsedSeed): SimulatorIds {
  const project = seed.projects[0]!;
  const other = seed.projects[1];
  const serverless = seed.serverless.filter((d) => d.groupId === project.id);
  const clusters = seed.clusters.filter((d) => d.groupId === project.id);
  const flex = seed.flexClusters.filter((d) => d.groupId === project.id);
  const flexClusterTarget = clusters[2] ?? clusters[1];
  const otherCluster = other ? seed.clusters.find((d) => d.groupId === other.id) : undefined;
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
    flexSource: flex[0]?.name ?? '',
    flexSourceId: flex[0]?.id ?? '',
    flexTarget: flex[1]?.name ?? '',
    flexTargetId: flex[1]?.id ?? '',
    flexClusterTarget: flexClusterTarget?.name ?? '',
    flexClusterTargetId: flexClusterTarget?.id ?? '',
    otherProjectId: other?.id ?? '',
    otherProjectName: other?.name ?? '',
    otherProjectClusterTarget: otherCluster?.name ?? '',
    otherProjectClusterTargetId: otherCluster?.id ?? '',
  };
}
