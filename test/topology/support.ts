/**
 * What the topology suite shares: a world of many projects with restores of every kind, the worker fleet
 * (real `atlas-restore worker` processes) and the counts it prints.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { RestoreRequestInput } from '../../src/common/restore-request';
import type { DeploymentKind } from '../../src/common/deployment-kinds';
import type { RunningSimulator, SeedData } from '../../src/simulator';
import { productionBundleOptions } from '../../src/worker/bundle';
import { duplicateJobs as duplicateJobsBy } from '../reliability/support';
import { spawnWorker, waitForPoller, type WorkerProcess } from '../reliability/worker-process';

/** The default seed's creation second (2024-05-01): deployments created then have a snapshot history. */
const CREATED = '66320490';
const objectId = () => CREATED + randomBytes(8).toString('hex');

export type RestoreKind = Exclude<DeploymentKind, 'auto'>;
export const KINDS: RestoreKind[] = ['serverless', 'cluster', 'flex'];

export interface Slot {
  kind: RestoreKind;
  groupId: string;
  source: string;
  target: string;
}

/**
 * `count` restores, kinds in turn, each from its own source into its own target, `perProject` to a
 * project (Atlas limits requests per project, so a fleet's restores spread over projects). Every third
 * serverless instance and dedicated cluster starts with continuous backup off, so its restore PATCHes
 * and waits for IDLE first.
 */
export function topologyWorld(count: number, perProject: number): { seed: SeedData; slots: Slot[] } {
  const seed: Required<Pick<SeedData, 'projects' | 'serverless' | 'clusters' | 'flexClusters'>> = {
    projects: [],
    serverless: [],
    clusters: [],
    flexClusters: [],
  };
  const slots: Slot[] = [];
  let groupId = '';
  for (let i = 0; i < count; i++) {
    if (i % perProject === 0) {
      groupId = objectId();
      seed.projects.push({ id: groupId, name: `topology-${seed.projects.length}` });
    }
    const kind = KINDS[i % KINDS.length]!;
    const slot: Slot = { kind, groupId, source: `source-${i}`, target: `target-${i}` };
    const backupOff = Math.floor(i / KINDS.length) % 3 === 0;
    if (kind === 'serverless') {
      seed.serverless.push({ id: objectId(), groupId, name: slot.source, continuousBackup: !backupOff });
      seed.serverless.push({ id: objectId(), groupId, name: slot.target });
    } else if (kind === 'cluster') {
      seed.clusters.push({ id: objectId(), groupId, name: slot.source, pitEnabled: !backupOff });
      seed.clusters.push({ id: objectId(), groupId, name: slot.target });
    } else {
      seed.flexClusters.push({ id: objectId(), groupId, name: slot.source });
      seed.flexClusters.push({ id: objectId(), groupId, name: slot.target });
    }
    slots.push(slot);
  }
  return { seed, slots };
}

export function requestFor(slot: Slot): RestoreRequestInput {
  return {
    source: { kind: slot.kind, groupId: slot.groupId, name: slot.source },
    snapshot: { latest: true },
    target: { groupId: slot.groupId, name: slot.target },
    // A killed worker's wait moves to another after 20 s (the default, 10 m, trades failover for Actions).
    polling: { initialInterval: '2s', maxInterval: '4s', failoverAfter: '20s' },
    deadline: '2h',
  };
}

/** Atlas restore jobs per source beyond the first (target names repeat across projects). */
export function duplicateJobs(sim: RunningSimulator): { jobs: number; duplicates: number } {
  return duplicateJobsBy(sim, (job) => `${job.groupId}/${job.deploymentName}`);
}

/** A workflow bundle of `entry` written to a file a worker process loads (WORKFLOW_BUNDLE_PATH). */
export async function bundleFile(entry: string, name: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    ...productionBundleOptions(entry),
    logger: new DefaultLogger('WARN'),
  });
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-topology-bundle-')), `${name}.js`);
  writeFileSync(file, code);
  return file;
}

export interface FleetMember {
  name: string;
  build: string;
  process: WorkerProcess;
}

/** The worker processes on one task queue; each can be killed, stopped and replaced by another build. */
export class Fleet {
  readonly members: FleetMember[] = [];
  /** Every process that ever ran, with its build: a history's worker identity (`pid@host`) says which. */
  readonly builds = new Map<number, string>();
  /** Every worker process started, including killed and retired ones (their output is kept). */
  readonly everyProcess: WorkerProcess[] = [];

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private readonly taskQueue: string,
    private readonly env: Record<string, string>,
  ) {}

  async add(name: string, build: string, bundlePath: string): Promise<FleetMember> {
    const worker = spawnWorker({ ...this.env, WORKFLOW_BUNDLE_PATH: bundlePath });
    this.builds.set(worker.pid, build);
    this.everyProcess.push(worker);
    const member = { name, build, process: worker };
    this.members.push(member);
    await waitForPoller(this.client, this.namespace, this.taskQueue, worker, 180_000);
    return member;
  }

  get(name: string): FleetMember {
    const member = this.members.find((m) => m.name === name);
    if (!member) throw new Error(`no worker ${name}`);
    return member;
  }

  /** Graceful stop (SIGTERM) of one worker, which leaves the fleet. */
  async stop(name: string): Promise<void> {
    const member = this.get(name);
    this.members.splice(this.members.indexOf(member), 1);
    await member.process.stop(30_000);
  }

  /** SIGKILL, then the same build again. */
  async kill9AndRestart(name: string, bundlePath: string, pauseMs: number): Promise<void> {
    const member = this.get(name);
    await member.process.kill9();
    this.members.splice(this.members.indexOf(member), 1);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    await this.add(name, member.build, bundlePath);
  }

  /** Graceful stop (SIGTERM: waits hand back at once) and a worker of `build` in its place. */
  async replace(name: string, build: string, bundlePath: string): Promise<void> {
    const member = this.get(name);
    await member.process.stop(30_000);
    this.members.splice(this.members.indexOf(member), 1);
    await this.add(name, build, bundlePath);
  }

  /**
   * A worker of `build` joins under `name`'s place, then the old one is stopped gracefully (SIGTERM) in the
   * background; `stopped` resolves with how long that stop took.
   */
  async surge(name: string, build: string, bundlePath: string): Promise<{ stopped: Promise<number> }> {
    const old = this.get(name);
    this.members.splice(this.members.indexOf(old), 1);
    await this.add(name, build, bundlePath);
    const stopping = Date.now();
    return { stopped: old.process.stop(30_000).then(() => Date.now() - stopping) };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.members.splice(0).map((m) => m.process.stop(15_000)));
  }

  /** The build of a worker identity `pid@host`, if one of ours. */
  buildOf(identity: string | null | undefined): string | undefined {
    const pid = Number(/^(\d+)@/.exec(identity ?? '')?.[1]);
    return this.builds.get(pid);
  }
}

/** The one line each topology measurement prints. */
export function printTopology(name: string, counts: Record<string, number | string>): void {
  console.log(
    `[topology] ${name}: ${Object.entries(counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}
