/**
 * One derived state for an Atlas restore job, shared by workflow code, activities and the simulator's
 * tests. Serverless and dedicated jobs have no status field; precedence follows docs/atlas.md#restore-job-state: the first
 * matching row wins. Flex jobs carry `status` (PENDING/QUEUED/RUNNING/COMPLETED/FAILED).
 */
export const RESTORE_JOB_STATES = [
  'failed',
  'cancelled',
  'expired',
  'finished',
  'download_ready',
  'in_progress',
] as const;
export type RestoreJobState = (typeof RESTORE_JOB_STATES)[number];

/** The fields the derivation reads; both the serverless and dedicated job shapes satisfy it. */
export interface RestoreJobFlags {
  deliveryType?: string | null;
  failed?: boolean | null;
  cancelled?: boolean | null;
  expired?: boolean | null;
  finishedAt?: string | null;
  deliveryUrl?: readonly string[] | null;
  /** Flex jobs only. */
  status?: string | null;
}

export function deriveRestoreJobState(job: RestoreJobFlags): RestoreJobState {
  if (typeof job.status === 'string') {
    // Flex: unknown values (a `CLOSED` appears in one schema description) count as still running.
    switch (job.status.toUpperCase()) {
      case 'FAILED':
        return 'failed';
      case 'COMPLETED':
        return 'finished';
      default:
        return 'in_progress';
    }
  }
  if (job.failed === true) return 'failed';
  if (job.cancelled === true) return 'cancelled';
  if (job.expired === true) return 'expired';
  if (job.finishedAt) return 'finished';
  if (job.deliveryType === 'download' && (job.deliveryUrl?.length ?? 0) > 0) return 'download_ready';
  return 'in_progress';
}

/** Terminal states end polling. A ready download is terminal success for a download restore. */
export function isTerminalRestoreJobState(state: RestoreJobState): boolean {
  return state !== 'in_progress';
}
