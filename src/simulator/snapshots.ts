import { DAY_MS, HOUR_MS, MINUTE_MS } from './clock';
import { hash32, objectIdFor } from './ids';
import type { BackupMode, DeploymentRecord, ExtraSnapshotRecord } from './state';

/**
 * Scheduled snapshots of serverless instances and dedicated clusters, derived from the clock instead of
 * created by timers: a deployment with backup on takes one every 6 h. Retention follows the backup mode in force at each moment:
 * continuous keeps the 6-hourly ones for 72 h and the dailies (the first slot of each UTC day) for 35 days;
 * basic keeps the 2 most recent; backup off (dedicated only) takes none and drops the existing ones.
 * The same rules are applied to dedicated clusters with `pitEnabled` playing the continuous role, a
 * simplification: real clusters follow their own backup policy.
 */
export const SNAPSHOT_CADENCE_MS = 6 * HOUR_MS;
/** A snapshot is `inProgress` this long after its slot, then `completed`. */
export const SNAPSHOT_TAKES_MS = 5 * MINUTE_MS;
const HOURLY_RETENTION_MS = 72 * HOUR_MS;
const DAILY_RETENTION_MS = 35 * DAY_MS;
const BASIC_KEEP = 2;

export interface SnapshotState {
  id: string;
  deploymentId: string;
  /** When it was taken; its `createdAt` and the restore job's `timestamp`. */
  takenMs: number;
  status: 'queued' | 'inProgress' | 'completed' | 'failed';
  frequencyType: 'hourly' | 'daily';
  /** When retention deletes it if the backup mode stays as it is now. */
  expiresMs?: number;
  storageSizeBytes: number;
  /** Seeded rather than scheduled. */
  extra: boolean;
  /** When the kind shows it: the snapshot's start and finish (Flex `startTime`/`finishTime`). */
  startedMs?: number;
  finishedMs?: number;
}

/** Minutes past each 6-hour boundary a deployment's slots fall on, so deployments do not all tick together. */
function slotPhaseMs(deployment: DeploymentRecord): number {
  return (hash32(deployment.id) % 60) * MINUTE_MS;
}

function modeAt(history: DeploymentRecord['backupHistory'], atMs: number): BackupMode | undefined {
  let mode: BackupMode | undefined;
  for (const period of history) {
    if (period.fromMs <= atMs) mode = period.mode;
    else break;
  }
  return mode;
}

/** When retention deletes the snapshot taken at `takenMs`, given the history; Infinity if never. */
function deletionMs(history: DeploymentRecord['backupHistory'], takenMs: number, daily: boolean): number {
  for (let i = 0; i < history.length; i++) {
    const period = history[i]!;
    const to = history[i + 1]?.fromMs ?? Infinity;
    if (to <= takenMs) continue;
    const start = Math.max(period.fromMs, takenMs);
    let kill: number;
    if (period.mode === 'off') kill = start;
    else if (period.mode === 'basic') kill = Math.max(start, takenMs + BASIC_KEEP * SNAPSHOT_CADENCE_MS);
    else kill = Math.max(start, takenMs + (daily ? DAILY_RETENTION_MS : HOURLY_RETENTION_MS));
    if (kill < to) return kill;
  }
  return Infinity;
}

function sizeOf(id: string): number {
  return 50_000_000 + (hash32(`${id}|size`) % 2_000_000_000);
}

/** A serverless instance's or dedicated cluster's snapshots at `nowMs`, newest first. */
export function sixHourlySnapshots(
  deployment: DeploymentRecord,
  extras: readonly ExtraSnapshotRecord[],
  nowMs: number,
): SnapshotState[] {
  const phase = slotPhaseMs(deployment);
  const oldest = Math.max(deployment.createdMs, nowMs - DAILY_RETENTION_MS - SNAPSHOT_CADENCE_MS);
  const first = Math.floor((oldest - phase) / SNAPSHOT_CADENCE_MS) + 1;
  const last = Math.floor((nowMs - phase) / SNAPSHOT_CADENCE_MS);
  const result: SnapshotState[] = [];
  for (let k = last; k >= first; k--) {
    const takenMs = k * SNAPSHOT_CADENCE_MS + phase;
    if (takenMs <= deployment.createdMs) continue;
    const mode = modeAt(deployment.backupHistory, takenMs);
    if (mode === undefined || mode === 'off') continue;
    const daily = (takenMs - phase) % DAY_MS === 0;
    const expiresMs = deletionMs(deployment.backupHistory, takenMs, daily);
    if (expiresMs <= nowMs) continue;
    const id = objectIdFor(takenMs, deployment.id, 'snapshot');
    result.push({
      id,
      deploymentId: deployment.id,
      takenMs,
      status: nowMs < takenMs + SNAPSHOT_TAKES_MS ? 'inProgress' : 'completed',
      frequencyType: daily ? 'daily' : 'hourly',
      ...(Number.isFinite(expiresMs) ? { expiresMs } : {}),
      storageSizeBytes: sizeOf(id),
      extra: false,
    });
  }
  for (const extra of extras) {
    if (extra.deploymentId !== deployment.id || extra.takenMs > nowMs) continue;
    result.push({
      id: extra.id,
      deploymentId: deployment.id,
      takenMs: extra.takenMs,
      status: extra.status,
      frequencyType: 'hourly',
      storageSizeBytes: extra.status === 'completed' ? sizeOf(extra.id) : 0,
      extra: true,
    });
  }
  return result.sort((a, b) => b.takenMs - a.takenMs || (a.id < b.id ? 1 : -1));
}

/**
 * The point-in-time window at `nowMs`: from the later of (now − window) and the moment continuous backup
 * was last switched on, to now; `undefined` while continuous backup is off.
 */
export function pointInTimeWindow(
  deployment: DeploymentRecord,
  nowMs: number,
  windowMs: number,
): { fromMs: number; toMs: number } | undefined {
  const history = deployment.backupHistory;
  let since: number | undefined;
  for (const period of history) {
    if (period.fromMs > nowMs) break;
    since = period.mode === 'continuous' ? (since ?? period.fromMs) : undefined;
  }
  if (since === undefined) return undefined;
  return { fromMs: Math.max(nowMs - windowMs, since), toMs: nowMs };
}
