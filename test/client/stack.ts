/**
 * The real parts the client and CLI tests drive: the harness' Temporal dev server, an Atlas simulator on
 * loopback seeded with a project of this file's own (so workflow ids, which derive from the request, never
 * collide with other test files sharing the server) and a worker built by `createRestoreWorker`.
 * (`after` registered inside a `before` hook runs when that hook ends, hence the explicit `close`.)
 */
import { randomBytes } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { RestoreRequestInput } from '../../src/common/restore-request';
import type { DeploymentKind } from '../../src/common/deployment-kinds';
import { startSimulator, type RunningSimulator, type SeedData } from '../../src/simulator';
import { DEFAULT_IDS, DEFAULT_SEED } from '../../src/simulator/default-seed';
import type { WorkerConfig } from '../../src/worker/config';
import { createRestoreWorker } from '../../src/worker/main';
import { getTestEnv, uniqueTaskQueue, workflowBundle, type TestEnv } from '../harness';

/** Keeps the creation time the default seed's ids embed (its snapshot history depends on it). */
function freshId(like: string): string {
  return like.slice(0, 8) + randomBytes(8).toString('hex');
}

const EXTRA_TARGETS = 5;

export interface RestoreStack {
  env: TestEnv;
  simulator: RunningSimulator;
  taskQueue: string;
  projectId: string;
  worker: Worker;
  /** Target number `n` (1 = the seed's own, 2..6 = extra ones) of `kind`. */
  target(kind: DeploymentKind, n: number): { groupId: string; name: string };
  /** A restore of the seed's source deployment of `kind` into its first target, with quick polling. */
  request(kind: DeploymentKind, overrides?: Partial<RestoreRequestInput>): RestoreRequestInput;
  workerConfig: WorkerConfig;
  /** Stops the worker and the simulator; call from the test file's `after`. */
  close(): Promise<void>;
}

/**
 * The default seed moved to a project of its own, with extra targets so each test restores into its own:
 * the workflow adopts an existing matching job whose id is newer than its start, and the simulator's fast
 * clock makes every earlier job look newer than the next workflow.
 */
export function uniqueSeed(): { seed: SeedData; projectId: string } {
  const projectId = freshId(DEFAULT_IDS.projectId);
  const seed = structuredClone(DEFAULT_SEED);
  // Only the seed's first project moves; the deployments of its other projects are left out.
  const moved = <T extends { id: string; groupId: string }>(deployments: T[] = []) =>
    deployments
      .filter((d) => d.groupId === DEFAULT_IDS.projectId)
      .map((d) => ({ ...d, id: freshId(d.id), groupId: projectId }));
  seed.projects = [{ ...seed.projects[0]!, id: projectId }];
  seed.serverless = moved(seed.serverless);
  seed.clusters = moved(seed.clusters);
  seed.flexClusters = moved(seed.flexClusters);
  for (let n = 2; n <= EXTRA_TARGETS + 1; n++) {
    const name = (base: string) => `${base}-${n}`;
    seed.serverless.push({
      id: freshId(DEFAULT_IDS.serverlessTargetId),
      groupId: projectId,
      name: name(DEFAULT_IDS.serverlessTarget),
    });
    seed.clusters.push({
      id: freshId(DEFAULT_IDS.clusterTargetId),
      groupId: projectId,
      name: name(DEFAULT_IDS.clusterTarget),
    });
  }
  return { seed, projectId };
}

export async function startRestoreStack(options: {
  timeScale?: number;
  prefix: string;
}): Promise<RestoreStack> {
  const env = await getTestEnv();
  const { seed, projectId } = uniqueSeed();
  const simulator = await startSimulator({ seed, timeScale: options.timeScale ?? 600 });

  const taskQueue = uniqueTaskQueue(options.prefix);
  const workerConfig: WorkerConfig = {
    temporal: { address: env.address, namespace: env.namespace, taskQueue },
    atlas: {
      baseUrl: simulator.url,
      apiVersion: 'v2',
      credentials: {
        type: 'digest',
        publicKey: simulator.credentials.publicKey,
        privateKey: simulator.credentials.privateKey,
      },
    },
    concurrency: { maxConcurrentActivityTaskExecutions: 50, maxConcurrentWorkflowTaskExecutions: 10 },
    logLevel: 'WARN',
    shutdownGraceMs: 1_000,
  };
  const { worker } = await createRestoreWorker(workerConfig, {
    connection: env.nativeConnection,
    workerOptions: { workflowBundle: await workflowBundle() },
  });
  const running = worker.run();

  return {
    env,
    simulator,
    taskQueue,
    projectId,
    worker,
    workerConfig,
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await simulator.close();
    },
    target(kind, n) {
      const base = kind === 'serverless' ? DEFAULT_IDS.serverlessTarget : DEFAULT_IDS.clusterTarget;
      return { groupId: projectId, name: n === 1 ? base : `${base}-${n}` };
    },
    request(kind, overrides = {}) {
      return {
        source: {
          kind,
          groupId: projectId,
          name: kind === 'serverless' ? DEFAULT_IDS.serverlessSource : DEFAULT_IDS.clusterSource,
        },
        snapshot: { latest: true },
        target: {
          groupId: projectId,
          name: kind === 'serverless' ? DEFAULT_IDS.serverlessTarget : DEFAULT_IDS.clusterTarget,
        },
        deadline: '10m',
        polling: { initialInterval: '1s', maxInterval: '1s' },
        ...overrides,
      };
    },
  };
}
