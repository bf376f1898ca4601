/** Live progress of a running restore, read from its pending activities' heartbeats. */
import type { PollingProgress, RestoreProgress } from './types';

/** Reads the counters a polling activity heartbeats; anything else in the details is ignored. */
export function pollingProgressOf(progress: RestoreProgress): PollingProgress | undefined {
  const details = progress.details;
  if (details === null || typeof details !== 'object') return undefined;
  const d = details as Record<string, unknown>;
  if (typeof d.polls !== 'number') return undefined;
  const polling: PollingProgress = {
    activityType: progress.activityType,
    attempt: progress.attempt,
    polls: d.polls,
  };
  if (typeof d.jobState === 'string') polling.jobState = d.jobState;
  if (typeof d.lastPolledAt === 'string') polling.lastPolledAt = d.lastPolledAt;
  // Epoch ms in heartbeats from before readable details, an ISO string since.
  if (typeof d.nextPollAt === 'number' && d.nextPollAt > 0)
    polling.nextPollAt = new Date(d.nextPollAt).toISOString();
  if (typeof d.nextPollAt === 'string' && d.nextPollAt !== '') polling.nextPollAt = d.nextPollAt;
  if (typeof d.summary === 'string') polling.summary = d.summary;
  if (typeof d.lastError === 'string') polling.lastError = d.lastError;
  return polling;
}

/** `temporal.api.enums.v1.PendingActivityState`, whose numbers the API fixes. */
const PENDING_ACTIVITY_STATES = [
  'unspecified',
  'scheduled',
  'started',
  'cancel_requested',
  'paused',
  'pause_requested',
];

export function pendingActivityStateName(state: number | null | undefined): string {
  return (state == null ? undefined : PENDING_ACTIVITY_STATES[state]) ?? 'unknown';
}
