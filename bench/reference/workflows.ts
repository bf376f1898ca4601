/**
 * Reference designs for the polling benchmark, built only here so the product keeps one design. They share
 * the production activities for everything before polling (find-then-create, exactly as the product does),
 * and differ only in how they wait for the restore job.
 */
import {
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { RestoreActivities, RestoreJobMatch, RestoreJobSpec } from '../../src/activities';
import type { DeploymentRef } from '../../src/atlas/api';
import type { AtlasRestoreJob } from '../../src/common/contract';
import type { ReferenceActivities } from './activities';

export interface ReferenceRestoreInput {
  source: DeploymentRef;
  snapshotId: string;
  target: { groupId: string; name: string };
  /** Real milliseconds between polls. */
  pollIntervalMs: number;
  /** Set by continue-as-new: the job already submitted. */
  restoreJobId?: string;
}

export interface ReferenceRestoreResult {
  restoreJobId: string;
  state: string;
  job: AtlasRestoreJob;
  polls: number;
}

const submit = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});
const submitOnce = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '30s',
  retry: { maximumAttempts: 1 },
});
const check = proxyActivities<ReferenceActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

/** Find-then-create, the same two activities the product uses, so a lost response never makes a second job. */
async function submitRestore(input: ReferenceRestoreInput): Promise<string> {
  if (input.restoreJobId) return input.restoreJobId;
  const match: RestoreJobMatch = {
    delivery: 'automated',
    snapshotId: input.snapshotId,
    target: input.target,
    createdAtOrAfterSeconds: Math.floor(workflowInfo().runStartTime.getTime() / 1000) - 1,
  };
  const existing = await submit.findRestoreJob(input.source, match);
  if (existing) return existing.id;
  const body: RestoreJobSpec = { delivery: 'automated', snapshotId: input.snapshotId, target: input.target };
  return (await submitOnce.createRestoreJob(input.source, body)).id;
}

/**
 * Workflow timer loop: sleep, then one activity per poll. Continue-as-new when the server suggests it,
 * as Temporal's docs require for unbounded loops.
 */
export async function timerLoopRestore(
  input: ReferenceRestoreInput,
  pollsSoFar = 0,
): Promise<ReferenceRestoreResult> {
  const restoreJobId = await submitRestore(input);
  let polls = pollsSoFar;
  for (;;) {
    const result = await check.refCheckRestoreJob(input.source, restoreJobId);
    polls += 1;
    if (result.state !== 'in_progress') return { restoreJobId, state: result.state, job: result.job, polls };
    if (workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof timerLoopRestore>({ ...input, restoreJobId }, polls);
    }
    await sleep(input.pollIntervalMs);
  }
}

/** Activity-retry polling: one activity whose retry policy (fixed interval, no backoff) does the waiting. */
export async function retryPollRestore(input: ReferenceRestoreInput): Promise<ReferenceRestoreResult> {
  const restoreJobId = await submitRestore(input);
  const { refAwaitRestoreJobByRetry } = proxyActivities<ReferenceActivities>({
    startToCloseTimeout: '30s',
    retry: {
      initialInterval: input.pollIntervalMs,
      backoffCoefficient: 1,
      maximumInterval: input.pollIntervalMs,
    },
  });
  const result = await refAwaitRestoreJobByRetry(input.source, restoreJobId);
  return { restoreJobId, state: result.state, job: result.job, polls: 0 };
}

/**
 * Throughput baseline: as many activities as a restore runs, each doing nothing: its local activities
 * first (a restore's thin calls), then its regular ones, one after another.
 */
export async function noopActivities(count: number, localCount = 0): Promise<void> {
  const { refNoop } = proxyActivities<ReferenceActivities>({ startToCloseTimeout: '30s' });
  const local = proxyLocalActivities<ReferenceActivities>({ startToCloseTimeout: '30s' });
  for (let i = 0; i < localCount; i++) await local.refNoop();
  for (let i = 0; i < count; i++) await refNoop();
}
