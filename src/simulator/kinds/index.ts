import { DEPLOYMENT_KINDS, type DeploymentKind } from '../../common/deployment-kinds';
import type { DeploymentData } from '../data/spec';
import type { ParsedSeed } from '../seed';
import type { SnapshotState } from '../snapshots';
import { World, type DeploymentRecord, type ExtraSnapshotRecord } from '../state';
import { clusterKind } from './cluster';
import { flexKind } from './flex';
import { serverlessKind } from './serverless';
import type { SimKind } from './types';

/** The simulator's kinds, keyed by DeploymentKind. */
export const SIM_KINDS = {
  serverless: serverlessKind,
  cluster: clusterKind,
  flex: flexKind,
} as const satisfies Record<DeploymentKind, SimKind<never>>;

export function simKind(kind: DeploymentKind): SimKind {
  return SIM_KINDS[kind] as SimKind<never> as SimKind;
}

/** Every kind, in the order of DEPLOYMENT_KINDS. */
export const ALL_SIM_KINDS: readonly SimKind[] = DEPLOYMENT_KINDS.map(simKind);

/** A deployment's snapshots at `nowMs`, newest first, by its kind's rules. */
export function snapshotsOf(
  deployment: DeploymentRecord,
  extras: readonly ExtraSnapshotRecord[],
  nowMs: number,
): SnapshotState[] {
  return simKind(deployment.kind).snapshots(deployment, extras, nowMs);
}

/** The world a seed describes at `nowMs`: its projects, each kind's deployments, its extra snapshots. */
export function worldFromSeed(seed: ParsedSeed, nowMs: number): World {
  const deployments = ALL_SIM_KINDS.flatMap((kind) =>
    (seed[kind.seedKey] as { data?: DeploymentData }[]).map((entry) => {
      const record = kind.fromSeed(entry);
      if (entry.data) record.data = entry.data;
      return record;
    }),
  );
  return World.fromSeed(seed, deployments, nowMs);
}
