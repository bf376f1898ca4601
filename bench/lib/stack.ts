import { randomBytes } from 'node:crypto';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { MAX_HEARTBEAT_THROTTLE } from '../../src/worker/main';
import { createAtlasClient, type AtlasClient } from '../../src/atlas/client';
import { createBackupApi } from '../../src/atlas/backup-api';
import type { AtlasBackupApi, DeploymentRef } from '../../src/atlas/api';
import {
  startSimulator,
  type RunningSimulator,
  type SeedData,
  type SimulatorOptions,
} from '../../src/simulator';
import { createReferenceActivities } from '../reference/activities';
import type { BenchContext } from './context';

/** Same creation second as the simulator's default seed (2024-05-01), so every deployment has snapshots. */
const CREATED = '66320490';

function objectId(): string {
  return CREATED + randomBytes(8).toString('hex');
}

/** One restore's source, snapshot and target. */
export interface RestorePair {
  source: DeploymentRef;
  target: { groupId: string; name: string };
  snapshotId: string;
}

/**
 * A world of `projects` projects, each with one serverless source (continuous backup already on, so the
 * restore reads it and moves on) and `targetsPerProject` targets. Spreading restores over projects keeps
 * each project under Atlas' per-project rate limit, as a real fleet would be.
 */
export function benchSeed(projects: number, targetsPerProject: number): SeedData {
  const seed: Required<Pick<SeedData, 'projects' | 'serverless'>> = { projects: [], serverless: [] };
  for (let p = 0; p < projects; p++) {
    const groupId = objectId();
    seed.projects.push({ id: groupId, name: `bench-${p}` });
    seed.serverless.push({ id: objectId(), groupId, name: 'source', continuousBackup: true });
    for (let t = 0; t < targetsPerProject; t++)
      seed.serverless.push({ id: objectId(), groupId, name: `target-${t}` });
  }
  return seed;
}

/** `count` distinct restores (so each has its own workflow id) over the seed's projects. */
export function restorePairs(sim: RunningSimulator, count: number): RestorePair[] {
  const state = sim.control.state();
  const pairs: RestorePair[] = [];
  const byProject = new Map<string, { source?: string; snapshotId?: string; targets: string[] }>();
  for (const d of state.deployments) {
    const entry = byProject.get(d.groupId) ?? { targets: [] };
    if (d.name === 'source') {
      entry.source = d.name;
      const completed = d.snapshots
        .filter((s) => s.status === 'completed')
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
      entry.snapshotId = completed[0]?.id;
    } else {
      entry.targets.push(d.name);
    }
    byProject.set(d.groupId, entry);
  }
  const projects = [...byProject.entries()];
  for (let i = 0; pairs.length < count; i++) {
    const round = Math.floor(i / projects.length);
    const [groupId, entry] = projects[i % projects.length]!;
    if (round >= entry.targets.length) throw new Error(`the seed has room for ${i} restores, ${count} asked`);
    if (!entry.source || !entry.snapshotId)
      throw new Error(`project ${groupId} has no source with a completed snapshot`);
    pairs.push({
      source: { kind: 'serverless', groupId, name: entry.source },
      target: { groupId, name: entry.targets[round]! },
      snapshotId: entry.snapshotId,
    });
  }
  return pairs;
}

export interface BenchSimulator {
  sim: RunningSimulator;
  atlasClient: AtlasClient;
  api: AtlasBackupApi;
  close(): Promise<void>;
}

/** How the bench's Atlas client signs in: an API key (HTTP Digest) or a service account (OAuth bearer token). */
export type BenchAuth = 'digest' | 'service-account';

export async function startBenchSimulator(
  options: SimulatorOptions,
  auth: BenchAuth = 'digest',
): Promise<BenchSimulator> {
  const sim = await startSimulator(options);
  const atlasClient = createAtlasClient({
    baseUrl: sim.url,
    apiVersion: 'v2',
    credentials:
      auth === 'digest'
        ? { type: 'digest', publicKey: sim.credentials.publicKey, privateKey: sim.credentials.privateKey }
        : {
            type: 'serviceAccount',
            clientId: sim.credentials.clientId,
            clientSecret: sim.credentials.clientSecret,
          },
  });
  return {
    sim,
    atlasClient,
    api: createBackupApi(atlasClient),
    async close() {
      await atlasClient.close();
      await sim.close();
    },
  };
}

/**
 * A worker in this process with the production activities and the reference ones, on the production
 * workflow bundle or the reference one. Runs until `fn` settles.
 */
export async function withWorker<T>(
  context: BenchContext,
  setup: {
    taskQueue: string;
    bundle: 'production' | 'reference';
    api: AtlasBackupApi;
    progressWindowMs?: number;
    workerOptions?: Partial<WorkerOptions>;
  },
  fn: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: context.nativeConnection as NativeConnection,
    namespace: context.namespace,
    taskQueue: setup.taskQueue,
    workflowBundle: await context.bundle(setup.bundle),
    activities: {
      ...createActivities({ atlas: setup.api, progressWindowMs: setup.progressWindowMs }),
      ...createReferenceActivities(setup.api),
    },
    // As the production worker: heartbeats paced by each activity's heartbeat timeout, not the SDK's 60 s cap.
    maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
    ...setup.workerOptions,
  });
  return worker.runUntil(fn());
}

/** Authenticated Atlas calls (Digest's challenge legs excluded) whose path names `name` in `groupId`. */
export function callsFor(
  sim: RunningSimulator,
  ref: { groupId: string; name: string },
): { total: number; byRoute: Record<string, number> } {
  const prefix = `/groups/${ref.groupId}/serverless/${ref.name}/`;
  const byRoute: Record<string, number> = {};
  let total = 0;
  for (const entry of sim.control.requests().entries) {
    if (!entry.authenticated) continue;
    const path = entry.path.split('?')[0]!;
    if (!path.includes(prefix) && !path.endsWith(`/groups/${ref.groupId}/serverless/${ref.name}`)) continue;
    total += 1;
    byRoute[entry.route] = (byRoute[entry.route] ?? 0) + 1;
  }
  return { total, byRoute };
}
