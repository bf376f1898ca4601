import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { AtlasBackupApi, DeploymentRef } from '../../src/atlas/api';
import { AtlasApiError } from '../../src/atlas/errors';
import { atlasFailure } from '../../src/activities/failures';
import type { AtlasRestoreJob } from '../../src/common/contract';
import { isTerminalRestoreJobState, type RestoreJobState } from '../../src/common/restore-job-state';

/** Failure type of "the job is still running": the retry policy waits and asks again. */
export const STILL_RUNNING = 'RestoreStillRunning';

export interface JobCheck {
  state: RestoreJobState;
  job: AtlasRestoreJob;
}

/**
 * Activities of the reference designs only: each is one GET of the restore job. The production activities
 * (`createActivities`) are registered next to them, so every design submits the job the same way.
 */
export function createReferenceActivities(atlas: AtlasBackupApi) {
  async function getJob(ref: DeploymentRef, restoreJobId: string): Promise<JobCheck> {
    const signal = Context.current().cancellationSignal;
    try {
      const job = await atlas.getRestoreJob(ref, restoreJobId, { signal });
      return { state: job.state, job };
    } catch (error) {
      if (error instanceof AtlasApiError) throw atlasFailure(error);
      throw error;
    }
  }

  return {
    /** Timer-loop design: one poll per activity, the workflow sleeps between them. */
    async refCheckRestoreJob(ref: DeploymentRef, restoreJobId: string): Promise<JobCheck> {
      return getJob(ref, restoreJobId);
    },

    /**
     * Activity-retry design ("infrequent" in docs/temporal.md#polling): one poll per attempt; "not yet" fails
     * the attempt and the retry policy's fixed interval is the polling interval. BENIGN keeps the expected
     * failures out of error logs and failure metrics, as the Temporal sample does.
     */
    async refAwaitRestoreJobByRetry(ref: DeploymentRef, restoreJobId: string): Promise<JobCheck> {
      const check = await getJob(ref, restoreJobId);
      if (!isTerminalRestoreJobState(check.state)) {
        throw ApplicationFailure.create({
          type: STILL_RUNNING,
          message: `restore job ${restoreJobId} is ${check.state}`,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      return check;
    },

    /** Throughput baseline: an activity that does nothing. */
    async refNoop(): Promise<void> {},
  };
}

export type ReferenceActivities = ReturnType<typeof createReferenceActivities>;
