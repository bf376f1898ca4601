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
   * loop owns the `PollProgress` ones. An `AtlasApiError` counts as a failed poll. `changed`: something a
   * person watching would see (a new job state, a progress step); with `returnOnChange` the attempt then
   * returns, so the workflow's status and details follow within one poll.
   */
  poll(progress: P, signal: AbortSignal): Promise<{ done?: T; progress: P; changed?: boolean }>;
  returnOnChange?: boolean;
  /**
   * Fires when this worker starts a graceful shutdown: the attempt hands its progress back at once (as a
   * `window`), so the workflow schedules the rest of the wait on a worker that stays.
   */
  draining?: AbortSignal;
  /** The one-line progress a person reads in the heartbeat details (the Web UI's pending activity). */
  describe?(progress: P): string;
}

export type PollLoopResult<T, P> =
  { outcome: 'done'; value: T; progress: P } | { outcome: 'window' | 'deadline' | 'changed'; progress: P };

/** A first poll due within this long carries the wait's first heartbeat (see `pollLoop`). */
const FIRST_POLL_SOON_MS = 10_000;

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
  const { schedule, draining } = options;
  const attemptStarted = Date.now();
  // The SDK throttles heartbeats to 0.8 × heartbeatTimeout anyway; beating twice per timeout keeps one
  // in every throttle window, so the server never sees a gap while we sleep for a long interval.
  const heartbeatEveryMs = Math.max(1_000, Math.floor((ctx.info.heartbeatTimeoutMs ?? 20_000) / 2));
  let progress = resumeFrom(options.progress, ctx.info.heartbeatDetails);
  let polledThisAttempt = false;
  const beat = () => ctx.heartbeat(heartbeatDetails(progress, options.describe));
  // The first heartbeat goes out at once (the SDK throttles only later ones) and each is a billable Action:
  // when a poll is due soon, the beat after it is the first, and a wait whose first poll ends it sends none.
  if (progress.nextPollAt - Date.now() > FIRST_POLL_SOON_MS) beat();

  for (;;) {
    if (draining?.aborted) return { outcome: 'window', progress };
    const wakeAt = Math.min(progress.nextPollAt, schedule.deadlineAt);
    // Report before a sleep that would end past the window, so an attempt lasts about one window (or one
    // interval, when the interval is longer) and the workflow hears from it at that rhythm.
    if (polledThisAttempt && wakeAt - attemptStarted > options.windowMs)
      return { outcome: 'window', progress };
    for (let now = Date.now(); now < wakeAt; now = Date.now()) {
      await sleepUnlessDraining(ctx, Math.min(wakeAt - now, heartbeatEveryMs), draining);
      if (draining?.aborted) return { outcome: 'window', progress };
      beat();
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
      // A result carries the progress itself; only a wait that goes on reports it by heartbeat.
      if (step.done !== undefined) return { outcome: 'done', value: step.done, progress };
      if (step.changed && options.returnOnChange) return { outcome: 'changed', progress };
      beat();
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
      beat();
    }
  }
}

/** The activity's sleep (cancellation-aware), cut short when the worker starts draining. */
async function sleepUnlessDraining(ctx: Context, ms: number, draining: AbortSignal | undefined) {
  if (!draining) return ctx.sleep(ms);
  let onDrain: (() => void) | undefined;
  const drained = new Promise<void>((resolve) => {
    onDrain = resolve;
    draining.addEventListener('abort', onDrain, { once: true });
  });
  try {
    await Promise.race([ctx.sleep(ms), drained]);
  } finally {
    draining.removeEventListener('abort', onDrain!);
  }
}

/**
 * What a heartbeat carries: the progress itself (a retry resumes from it) with its times as ISO strings
 * and a one-line summary first, because the Web UI shows heartbeat details to people as they are.
 */
export function heartbeatDetails<P extends PollProgress>(
  progress: P,
  describe?: (progress: P) => string,
): Record<string, unknown> {
  const next = progress.nextPollAt > 0 ? new Date(progress.nextPollAt).toISOString() : undefined;
  // Heartbeats reach the server at most once per throttle interval (minutes, to save Actions), so the
  // line says when it was true.
  const summary = [
    `as of ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    describe?.(progress),
    `${progress.polls} poll${progress.polls === 1 ? '' : 's'}`,
    progress.lastPolledAt ? `last ${progress.lastPolledAt}` : undefined,
    next ? `next ${next}` : undefined,
    progress.lastError ? `last error: ${progress.lastError}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  return { summary, ...(progress as PollProgress), nextPollAt: next ?? 0 };
}

/** A retried attempt resumes from its predecessor's last heartbeat when that is further along. */
function resumeFrom<P extends PollProgress>(given: P, heartbeatDetails: unknown): P {
  if (heartbeatDetails === null || typeof heartbeatDetails !== 'object') return given;
  const { summary: _summary, ...beat } = heartbeatDetails as Partial<P> & { summary?: unknown };
  // Heartbeats from before readable details carried epoch ms; now an ISO string (0: none due).
  const nextPollAt =
    typeof beat.nextPollAt === 'number'
      ? beat.nextPollAt
      : typeof beat.nextPollAt === 'string'
        ? Date.parse(beat.nextPollAt)
        : Number.NaN;
  if (typeof beat.polls !== 'number' || typeof beat.intervalMs !== 'number' || Number.isNaN(nextPollAt)) {
    return given;
  }
  return beat.polls >= given.polls ? { ...given, ...beat, nextPollAt } : given;
}
