/**
 * What a restore drill reports: one record per restore of its plan, the drill's status and its result.
 * The records are deliberately small (the drill continues as new with them); a restore's full result stays
 * in its own workflow, which the evidence report reads.
 */
import type { RestoreOutcomeName } from './contract';
import type { DeploymentKind } from './deployment-kinds';

export const DRILL_WORKFLOW_TYPE = 'restoreDrill';

/**
 * How a restore of a drill ended: a restore outcome, or one of the drill's own: `target_busy` (another
 * restore held its target, so it was not started), `not_started` (the drill was cancelled first) or
 * `skipped` (no snapshot to restore matched the policy).
 */
export type DrillRestoreOutcome = RestoreOutcomeName | 'target_busy' | 'not_started' | 'skipped';

export interface DrillRestoreRecord {
  index: number;
  label: string;
  source: { kind: string; groupId: string; name: string };
  target: { groupId: string; name: string };
  /** The restore's workflow id (its target's) and run, once started. */
  workflowId: string;
  runId?: string;
  outcome?: DrillRestoreOutcome;
  /** The restore's own message when it did not finish (or why it was not started). */
  message?: string;
  /** What was chosen to restore, as the drill chose it. */
  snapshot?: {
    policy: 'latest' | 'random' | 'pointInTime' | 'snapshotId';
    snapshotId?: string;
    pointInTimeUtcSeconds?: number;
    /** For `random`: the draw in [0, 1), the candidates it chose among, and the snapshot's time. */
    draw?: number;
    candidates?: number;
    takenAt?: string;
  };
  /** The source's kind once known (from the restore's result). */
  kind?: DeploymentKind;
  startedAt?: string;
  endedAt?: string;
}

export interface DrillStatus {
  drillId: string;
  name: string;
  phase: 'running' | 'draining' | 'cancelling' | 'done';
  total: number;
  started: number;
  running: number;
  ended: number;
  byOutcome: Partial<Record<DrillRestoreOutcome, number>>;
  startedAt: string;
  endedAt?: string;
  restores: DrillRestoreRecord[];
}

export interface DrillResult {
  drillId: string;
  name: string;
  /** Every restore finished (and validated, where it validates). */
  passed: boolean;
  startedAt: string;
  endedAt: string;
  total: number;
  byOutcome: Partial<Record<DrillRestoreOutcome, number>>;
  restores: DrillRestoreRecord[];
}

/** What the next run of a long drill needs (it continues as new between restores, none in flight). */
export interface DrillContinuation {
  startedAt: string;
  /** Plan indexes not started yet, in plan order. */
  pending: number[];
  records: DrillRestoreRecord[];
}
