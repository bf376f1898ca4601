import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CollectionIndexStrategy, CollectionWriteStrategy } from '../common/atlas-views';
import type { DeploymentKind } from '../common/deployment-kinds';
import type { DeliveryType } from '../atlas/schemas';
import { HOUR_MS } from './clock';
import type { DeploymentData } from './data/spec';
import { objectIdFor, objectIdSeconds } from './ids';
import type { ParsedSeed } from './seed';

/** Backup of a deployment over time: off (dedicated cloud backup disabled), basic, or continuous. */
export type BackupMode = 'off' | 'basic' | 'continuous';
export interface BackupPeriod {
  fromMs: number;
  mode: BackupMode;
}

export interface DeploymentRecord {
  kind: DeploymentKind;
  id: string;
  groupId: string;
  name: string;
  createdMs: number;
  mongoDBVersion: string;
  providerName: string;
  regionName: string;
  instanceSize: string;
  terminationProtectionEnabled: boolean;
  tags: { key: string; value: string }[];
  /** Dedicated: cloud backup on. Serverless and Flex backup cannot be disabled, so always true there. */
  backupEnabled: boolean;
  /** Serverless: `serverlessContinuousBackupEnabled`; dedicated: `pitEnabled`; Flex has none (false). */
  continuousBackup: boolean;
  /** Mode changes, oldest first; snapshot retention and the point-in-time window follow from them. */
  backupHistory: BackupPeriod[];
  /** The last PATCH: `UPDATING` during [startsMs, endsMs), `IDLE` before and after. */
  update?: { startsMs: number; endsMs: number };
  /** What the seed says the deployment holds (`data/spec.ts`); none: it starts empty. */
  data?: DeploymentData;
}

export interface ExtraSnapshotRecord {
  id: string;
  deploymentId: string;
  takenMs: number;
  status: 'queued' | 'inProgress' | 'completed' | 'failed';
}

export const RESTORE_OUTCOMES = ['finished', 'failed', 'expired', 'cancelled', 'never'] as const;
export type RestoreOutcome = (typeof RESTORE_OUTCOMES)[number];

/**
 * What a finished restore does to the target's data: writes the restored content (`restored`), or, for the
 * failures validation exists to catch, leaves the target as it was (`stale`) or empties it (`empty`).
 */
export const RESTORE_DATA_OUTCOMES = ['restored', 'stale', 'empty'] as const;
export type RestoreDataOutcome = (typeof RESTORE_DATA_OUTCOMES)[number];

export interface RestoreJobRecord {
  id: string;
  kind: DeploymentKind;
  groupId: string;
  deploymentId: string;
  deploymentName: string;
  deliveryType: DeliveryType;
  snapshotId?: string;
  /** When the source snapshot was taken (the job's `timestamp`). */
  snapshotTakenMs?: number;
  /** When the source snapshot finished, where the kind shows it (Flex `snapshotFinishedDate`). */
  snapshotFinishedMs?: number;
  /** The target's name and project, whatever the kind calls them on the wire. */
  targetClusterName?: string;
  targetGroupId?: string;
  targetDeploymentItemName?: string;
  pointInTimeUTCSeconds?: number;
  oplogTs?: number;
  oplogInc?: number;
  createdMs: number;
  /** How the job ends once `durationMs` have passed (`never`: it stays in progress). */
  outcome: RestoreOutcome;
  durationMs: number;
  /** Set by DELETE (cancel); ends the job at that moment. */
  cancelledMs?: number;
  /** What finishing does to the target's data; absent (jobs saved before it existed): `restored`. */
  data?: RestoreDataOutcome;
  /** The moment whose content the job restores (point in time, or the snapshot's data time). */
  dataAsOfMs?: number;
}

/**
 * A collection- or database-level restore job (`collectionRestoreJobs`), filed under its source cluster.
 * Its per-collection plan (which namespaces, how many documents, what fails) is derived from the content
 * model when read, like everything else about data.
 */
export interface CollectionRestoreJobRecord {
  id: string;
  groupId: string;
  deploymentId: string;
  deploymentName: string;
  targetGroupId: string;
  targetClusterName: string;
  snapshotId?: string;
  pointInTimeUtcSeconds?: number;
  oplogTs?: number;
  oplogInc?: number;
  /** The moment whose content it restores: the snapshot's time or the point in time. */
  dataAsOfMs: number;
  writeStrategy: CollectionWriteStrategy;
  indexStrategy: CollectionIndexStrategy;
  databases: RestoreNamespaceRecord[];
  collections: RestoreNamespaceRecord[];
  databaseSuffix?: string;
  collectionSuffix?: string;
  createdMs: number;
  outcome: RestoreOutcome;
  durationMs: number;
  data?: RestoreDataOutcome;
}

export interface RestoreNamespaceRecord {
  sourceNamespace: string;
  targetNamespace?: string;
}

/** Which jobs a queued scenario may go to: whole-deployment restores, collection restores, or either. */
export const SCENARIO_TARGETS = ['restoreJob', 'collectionRestoreJob'] as const;
export type ScenarioTarget = (typeof SCENARIO_TARGETS)[number];

export interface ScenarioSpec {
  outcome: RestoreOutcome;
  durationMs?: number;
  data?: RestoreDataOutcome;
  /** Only for the next job into this target (a drill runs many restores at once, in no fixed order). */
  target?: { groupId: string; name: string };
  /** Absent: the next job of either family takes it. */
  appliesTo?: ScenarioTarget;
}

export interface ProjectRecord {
  id: string;
  name: string;
  orgId: string;
  createdMs: number;
}

/** Everything that survives a restart (the state file). */
export interface PersistedWorld {
  version: 1;
  simNowMs: number;
  jobCounter: number;
  projects: ProjectRecord[];
  deployments: DeploymentRecord[];
  extraSnapshots: ExtraSnapshotRecord[];
  jobs: RestoreJobRecord[];
  /** Absent in state files from before collection restores. */
  collectionJobs?: CollectionRestoreJobRecord[];
  pendingScenarios: ScenarioSpec[];
  /** The world's creation: generated collections hold their seeded document counts at this moment. */
  dataAnchorMs?: number;
}

/** The simulator's mutable world: projects, deployments, extra snapshots, restore jobs, queued scenarios. */
export class World {
  projects: ProjectRecord[] = [];
  deployments: DeploymentRecord[] = [];
  extraSnapshots: ExtraSnapshotRecord[] = [];
  jobs: RestoreJobRecord[] = [];
  collectionJobs: CollectionRestoreJobRecord[] = [];
  pendingScenarios: ScenarioSpec[] = [];
  jobCounter = 0;
  /** The world's creation (simulated ms): the anchor of every generated collection's write schedule. */
  dataAnchorMs = 0;

  /** The world of a seed whose deployments each kind has already turned into records (`worldFromSeed`). */
  static fromSeed(seed: ParsedSeed, deployments: DeploymentRecord[], nowMs: number): World {
    const world = new World();
    world.dataAnchorMs = nowMs;
    world.projects = seed.projects.map((p) => ({
      id: p.id,
      name: p.name,
      orgId: p.orgId ?? objectIdFor(objectIdSeconds(p.id) * 1000, p.id, 'org'),
      createdMs: objectIdSeconds(p.id) * 1000,
    }));
    world.deployments = deployments;
    for (const s of seed.snapshots) {
      const deployment = world.findDeployment(s.groupId, s.deployment)!;
      world.extraSnapshots.push({
        id: s.id,
        deploymentId: deployment.id,
        takenMs: nowMs - s.ageHours * HOUR_MS,
        status: s.status,
      });
    }
    return world;
  }

  static fromPersisted(data: PersistedWorld): World {
    const world = new World();
    world.projects = data.projects;
    world.deployments = data.deployments;
    world.extraSnapshots = data.extraSnapshots;
    world.jobs = data.jobs;
    world.collectionJobs = data.collectionJobs ?? [];
    world.pendingScenarios = data.pendingScenarios;
    world.jobCounter = data.jobCounter;
    // State files from before the data plane: their world's data starts where they were saved.
    world.dataAnchorMs = data.dataAnchorMs ?? data.simNowMs;
    return world;
  }

  toPersisted(simNowMs: number): PersistedWorld {
    return {
      version: 1,
      simNowMs,
      jobCounter: this.jobCounter,
      projects: this.projects,
      deployments: this.deployments,
      extraSnapshots: this.extraSnapshots,
      jobs: this.jobs,
      collectionJobs: this.collectionJobs,
      pendingScenarios: this.pendingScenarios,
      dataAnchorMs: this.dataAnchorMs,
    };
  }

  findProject(groupId: string): ProjectRecord | undefined {
    return this.projects.find((p) => p.id === groupId);
  }

  /** A deployment of any kind: Atlas names all of a project's deployments from one name space. */
  findDeployment(groupId: string, name: string): DeploymentRecord | undefined {
    return this.deployments.find((d) => d.groupId === groupId && d.name === name);
  }

  deploymentById(id: string): DeploymentRecord | undefined {
    return this.deployments.find((d) => d.id === id);
  }

  deploymentsOf(groupId: string, kind: DeploymentKind): DeploymentRecord[] {
    return this.deployments.filter((d) => d.groupId === groupId && d.kind === kind);
  }

  /** Newest first, as Atlas lists them; jobs of the same millisecond in reverse creation order. */
  jobsOf(deploymentId: string): RestoreJobRecord[] {
    return newestFirst(this.jobs.filter((j) => j.deploymentId === deploymentId));
  }

  findJob(jobId: string): RestoreJobRecord | undefined {
    return this.jobs.find((j) => j.id === jobId);
  }

  /** The source cluster's collection restore jobs, newest first. */
  collectionJobsOf(deploymentId: string): CollectionRestoreJobRecord[] {
    return newestFirst(this.collectionJobs.filter((j) => j.deploymentId === deploymentId));
  }

  findCollectionJob(jobId: string): CollectionRestoreJobRecord | undefined {
    return this.collectionJobs.find((j) => j.id === jobId);
  }

  /** Records a change of backup mode at `atMs` (no-op when the mode stays the same). */
  setBackupMode(deployment: DeploymentRecord, atMs: number): void {
    const mode = backupMode(deployment.backupEnabled, deployment.continuousBackup);
    const last = deployment.backupHistory[deployment.backupHistory.length - 1];
    if (last?.mode !== mode) deployment.backupHistory.push({ fromMs: atMs, mode });
  }

  /**
   * The next restore job id: the wall-clock second of the POST + a tail from a counter. Real wall time, not
   * the simulated clock: Atlas ids carry the server's real creation second, and the workflow adopts a lost
   * POST's job by comparing that second with when it began. A sped-up simulated clock would make a job
   * from an earlier identical restore look newer than the workflow and be adopted by mistake.
   */
  nextJobId(): string {
    this.jobCounter += 1;
    return objectIdFor(Date.now(), 'restoreJob', this.jobCounter);
  }
}

/** Jobs newest first; `jobs` is in creation order, and the sort is stable. */
export function newestFirst<J extends { createdMs: number }>(jobs: readonly J[]): J[] {
  return [...jobs].reverse().sort((a, b) => b.createdMs - a.createdMs);
}

export function backupMode(backupEnabled: boolean, continuous: boolean): BackupMode {
  if (!backupEnabled) return 'off';
  return continuous ? 'continuous' : 'basic';
}

/** Writes the world atomically (temp file + rename) so a crash never leaves half a file. */
export function saveWorld(file: string, world: PersistedWorld): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(world, null, 2));
  renameSync(temp, file);
}

/** The saved world, `undefined` if the file does not exist; an unreadable file is an error naming it. */
export function loadWorld(file: string): PersistedWorld | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const data = JSON.parse(text) as Partial<PersistedWorld>;
  if (data.version !== 1 || !Array.isArray(data.deployments) || !Array.isArray(data.jobs))
    throw new Error(`state file ${file} is not a simulator state (version 1)`);
  return data as PersistedWorld;
}
