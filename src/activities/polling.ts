import { Context } from '@temporalio/activity';
import { AtlasApiError } from '../atlas/errors';
import { atlasFailure } from './failures';
import type { PollProgress, PollSchedule } from './types';

/** Backoff growth per poll, from `initialIntervalMs` up to `maxIntervalMs`; no jitter, so runs are reproducible. */
const BACKOFF_COEFFICIENT = 2;

export interface PollLoopOptions<T, P extends PollProgress> {
  schedule: PollSchedule;
  /** Where the workflow last saw the loop; a later heartbeat of a failed attempt wins over it. */
  progress: P;
  /** Real time after which the attempt returns `window` so the workflow can report progress. */
  windowMs: number;
  /**
   * One poll: read Atlas and say whether the wait is over. Its own fields of the progress are kept; the
   * loop owns the `PollProgress` ones. An `AtlasApiError` counts as a failed poll.
   */
  poll(progress: P, signal: AbortSignal): Promise<{ done?: T; progress: P }>;
}

export type PollLoopResult<T, P> =
  { outcome: 'done'; value: T; progress: P } | { outcome: 'window' | 'deadline'; progress: P };

/**
 * The body of a long-running polling activity: sleep until the next poll (heartbeating, so a dead worker is
 * noticed and a cancellation arrives), poll, back off, heartbeat the progress, and return when the wait is
 * over, the deadline passes or the progress window ends. Transient Atlas errors are retried here with the
 * same backoff (a 429 waits at least its Retry-After); a non-retryable one fails the activity for good.
 */
export async function pollLoop<T, P extends PollProgress>(
  options: PollLoopOptions<T, P>,
): Promise<PollLoopResult<T, P>> {
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const { schedule } = options;
  const attemptStarted = Date.now();
  // The SDK throttles heartbeats to 0.8 × heartbeatTimeout anyway; beating twice per timeout keeps one
  // in every throttle window, so the server never sees a gap while we sleep for a long interval.
  const heartbeatEveryMs = Math.max(1_000, Math.floor((ctx.info.heartbeatTimeoutMs ?? 20_000) / 2));
  let progress = resumeFrom(options.progress, ctx.info.heartbeatDetails);
  let polledThisAttempt = false;
  ctx.heartbeat(progress);

  for (;;) {
    const wakeAt = Math.min(progress.nextPollAt, schedule.deadlineAt);
    // Report before a sleep that would end past the window, so an attempt lasts about one window (or one
    // interval, when the interval is longer) and the workflow hears from it at that rhythm.
    if (polledThisAttempt && wakeAt - attemptStarted > options.windowMs)
      return { outcome: 'window', progress };
    for (let now = Date.now(); now < wakeAt; now = Date.now()) {
      await ctx.sleep(Math.min(wakeAt - now, heartbeatEveryMs));
      ctx.heartbeat(progress);
    }
    if (Date.now() >= schedule.deadlineAt) return { outcome: 'deadline', progress };

    const polledAt = Date.now();
    polledThisAttempt = true;
    const nextInterval = Math.min(
      schedule.maxIntervalMs,
      Math.round(progress.intervalMs * BACKOFF_COEFFICIENT),
    );
    try {
      const step = await options.poll(progress, signal);
      progress = {
        ...step.progress,
        polls: progress.polls + 1,
        lastPolledAt: new Date(polledAt).toISOString(),
        lastError: undefined,
        consecutiveErrors: 0,
        intervalMs: nextInterval,
        nextPollAt: Date.now() + progress.intervalMs,
      };
      ctx.heartbeat(progress);
      if (step.done !== undefined) return { outcome: 'done', value: step.done, progress };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!(error instanceof AtlasApiError)) throw error;
      if (!error.retryable) throw atlasFailure(error);
      progress = {
        ...progress,
        polls: progress.polls + 1,
        lastPolledAt: new Date(polledAt).toISOString(),
        lastError: error.message,
        consecutiveErrors: progress.consecutiveErrors + 1,
        intervalMs: nextInterval,
        nextPollAt: Date.now() + Math.max(progress.intervalMs, error.retryAfterMs ?? 0),
      };
      ctx.heartbeat(progress);
    }
  }
}

/** A retried attempt resumes from its predecessor's last heartbeat when that is further along. */
function resumeFrom<P extends PollProgress>(given: P, heartbeatDetails: unknown): P {
  if (heartbeatDetails === null || typeof heartbeatDetails !== 'object') return given;
  const beat = heartbeatDetails as Partial<P>;
  if (
    typeof beat.polls !== 'number' ||
    typeof beat.intervalMs !== 'number' ||
    typeof beat.nextPollAt !== 'number'
  ) {
    return given;
  }
  return beat.polls >= given.polls ? { ...given, ...beat } : given;
}
