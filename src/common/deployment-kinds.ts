/**
 * Kinds of Atlas deployment the restore engine can drive, and what each can do. Everything above the Atlas
 * client (request validation, the workflow, activities, CLI, Web UI text) reads these capabilities, never
 * a kind's name. The wire side of each kind (paths, media types, schemas, views) lives in
 * `src/atlas/kinds/<kind>.ts`; the simulator's in `src/simulator/kinds/<kind>.ts`.
 *
 * Serverless is kept for its contract (and the simulator) although Atlas retired it on 2026-01-22 and
 * moved the instances to Flex or dedicated clusters; those two are what users restore today.
 *
 * This module is bundled into the workflow sandbox: plain data only.
 */
export const DEPLOYMENT_KINDS = ['serverless', 'cluster', 'flex'] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

/** What a request may name: a kind, or `auto` to resolve it the way the Atlas CLI does. */
export const REQUESTED_KINDS = [...DEPLOYMENT_KINDS, 'auto'] as const;
export type RequestedKind = (typeof REQUESTED_KINDS)[number];

/** How a restore job delivers the snapshot. */
export const RESTORE_DELIVERIES = ['automated', 'pointInTime', 'download'] as const;
export type RestoreDelivery = (typeof RESTORE_DELIVERIES)[number];

export interface KindCapabilities {
  /** What a person calls the kind, for summaries and errors. */
  label: string;
  /**
   * The switch that turns continuous backup on, as Atlas names it, or `null` when the kind has none
   * (Flex: one daily snapshot, no oplog).
   */
  continuousBackup: { setting: string } | null;
  /**
   * Point-in-time restores: `null` when the kind has none; otherwise the window in seconds when the kind
   * fixes it, or `null` when the deployment's backup policy sets it (Atlas checks it on submit).
   */
  pointInTime: { windowSeconds: number | null } | null;
  /** Deliveries whose jobs Atlas can cancel through the API (Terraform and CloudFormation agree). */
  cancellableDeliveries: readonly RestoreDelivery[];
  /** Whether Atlas can deliver a snapshot as a download. */
  download: boolean;
  /** The kinds a snapshot of this kind can be restored into (Atlas refuses the others). */
  restoresInto: readonly DeploymentKind[];
  /**
   * Whether Atlas restores single databases or collections of this kind's snapshots
   * (`collectionRestoreJobs`, docs/atlas.md#collection-and-database-restores): dedicated clusters only.
   */
  collectionRestore: boolean;
  /** Set when Atlas has retired the kind's endpoints: the date, and what to use instead. */
  retired?: { date: string; use: string };
}

export const KIND_CAPABILITIES: Record<DeploymentKind, KindCapabilities> = {
  serverless: {
    label: 'serverless instance',
    continuousBackup: { setting: 'serverlessContinuousBackupEnabled' },
    // Serverless continuous backup keeps 72 hours of point-in-time history.
    pointInTime: { windowSeconds: 72 * 3600 },
    cancellableDeliveries: [],
    download: true,
    restoresInto: ['serverless'],
    collectionRestore: false,
    retired: {
      date: '2026-01-22',
      use: 'serverless instances were migrated to Flex or dedicated clusters: use kind "flex", "cluster" or "auto"',
    },
  },
  cluster: {
    label: 'dedicated cluster',
    continuousBackup: { setting: 'pitEnabled' },
    // The window is the cluster's backup policy (`restoreWindowDays`), which Atlas enforces.
    pointInTime: { windowSeconds: null },
    cancellableDeliveries: ['download'],
    download: true,
    restoresInto: ['cluster'],
    collectionRestore: true,
  },
  flex: {
    label: 'Flex cluster',
    continuousBackup: null,
    pointInTime: null,
    cancellableDeliveries: [],
    download: true,
    // Atlas: "You can restore the snapshot to another flex cluster or dedicated cluster tier" (docs/atlas.md#flex-clusters).
    restoresInto: ['flex', 'cluster'],
    collectionRestore: false,
  },
};

export function capabilitiesOf(kind: DeploymentKind): KindCapabilities {
  return KIND_CAPABILITIES[kind];
}

export function isDeploymentKind(value: unknown): value is DeploymentKind {
  return typeof value === 'string' && (DEPLOYMENT_KINDS as readonly string[]).includes(value);
}
