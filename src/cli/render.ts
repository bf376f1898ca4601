import { formatDuration } from '../common/duration';
import { progressBar } from '../common/restore-details';
import type { RestoreClient, RestoreInfo, RestoreOutcome } from '../client';

/** Where a command writes; tests and the demo pass their own. */
export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** stderr is a terminal: progress is one line redrawn in place with `redraw`. */
  tty: boolean;
  /** Replaces the current terminal line (an empty string clears it). */
  redraw: (line: string) => void;
}

export const processOutput = (): Output => ({
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  tty: Boolean(process.stderr.isTTY),
  redraw: (line) => process.stderr.write(`\r\x1b[2K${line}`),
});

export function elapsedSince(iso: string, now = Date.now()): string {
  return formatDuration(Math.max(0, now - Date.parse(iso)));
}

/** The freshest count: the polling activity's heartbeat during a window, else the status query's. */
function pollCount(info: RestoreInfo): number | undefined {
  const counts = [info.status?.polls, info.polling?.polls].filter((n): n is number => n !== undefined);
  return counts.length > 0 ? Math.max(...counts) : undefined;
}

function jobState(info: RestoreInfo): string | undefined {
  return info.polling?.jobState ?? info.status?.jobState;
}

/** One line: phase, job, its state, polls, elapsed — what a person watching a restore wants at a glance. */
export function progressLine(info: RestoreInfo, now = Date.now()): string {
  const parts: string[] = [info.phase ?? info.executionStatus];
  if (info.restoreJobId)
    parts.push(`job ${info.restoreJobId}${info.status?.jobState ? ` ${info.status.jobState}` : ''}`);
  if (info.status?.progress) parts.push(progressBar(info.status.progress));
  const polls = pollCount(info);
  if (polls) parts.push(`${polls} poll${polls === 1 ? '' : 's'}`);
  parts.push(`elapsed ${elapsedSince(info.startTime, info.closeTime ? Date.parse(info.closeTime) : now)}`);
  const lastError = info.polling?.lastError ?? info.status?.lastError;
  if (lastError) parts.push(`last error: ${lastError}`);
  return parts.join(' · ');
}

export function outcomeLine(outcome: RestoreOutcome): string {
  if (outcome.outcome === 'finished') {
    const { result } = outcome;
    const took = formatDuration(Date.parse(result.timings.finishedAt) - Date.parse(result.timings.startedAt));
    const from = result.snapshotId
      ? `snapshot ${result.snapshotId}`
      : result.pointInTimeUtcSeconds !== undefined
        ? `point in time ${new Date(result.pointInTimeUtcSeconds * 1000).toISOString()}`
        : 'the snapshot';
    const backup = result.continuousBackup.changed ? ', continuous backup enabled on the source' : '';
    return `finished: restore job ${result.restoreJobId} restored ${from} in ${took} (${result.polls} polls${backup})`;
  }
  const code = outcome.errorCode ? ` [errorCode ${outcome.errorCode}]` : '';
  const job = outcome.restoreJobId ? ` (restore job ${outcome.restoreJobId})` : '';
  return `${outcome.outcome}: ${outcome.message}${code}${job}`;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface FollowOptions {
  intervalMs: number;
  output: Output;
  /** Emit NDJSON events on stdout instead of human lines. */
  json: boolean;
  signal?: AbortSignal;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows a restore until its workflow closes, then returns the outcome. On a terminal the progress line is
 * redrawn in place; otherwise a plain line is printed when something changes (and every 30 s at most
 * otherwise, so logs show it is alive without one line per poll).
 */
export async function followRestore(
  restores: RestoreClient,
  workflowId: string,
  options: FollowOptions,
): Promise<RestoreOutcome | undefined> {
  const { output, json, signal } = options;
  let lastKey = '';
  let lastPrinted = 0;
  let frame = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) output.redraw('');
    drawn = false;
  };
  while (!signal?.aborted) {
    const info = await restores.getRestore(workflowId);
    // Piped output gets a line per change a person cares about, the progress percentage included.
    const key = [
      info.phase,
      info.restoreJobId,
      jobState(info),
      info.executionStatus,
      info.status?.progress?.percent,
    ].join('|');
    if (json) {
      const { runId, phase, executionStatus, status, polling } = info;
      const event = JSON.stringify({
        type: 'progress',
        workflowId,
        runId,
        phase,
        executionStatus,
        status,
        polling,
      });
      if (event !== lastKey) output.out(event);
      lastKey = event;
    } else if (output.tty) {
      output.redraw(`${SPINNER[frame++ % SPINNER.length]} ${progressLine(info)}`);
      drawn = true;
    } else if (key !== lastKey || Date.now() - lastPrinted >= 30_000) {
      output.err(progressLine(info));
      lastKey = key;
      lastPrinted = Date.now();
    }
    if (info.executionStatus !== 'running' && info.executionStatus !== 'continued_as_new') {
      clear();
      const outcome = await restores.waitForRestore(workflowId, { runId: info.runId });
      if (json) output.out(JSON.stringify({ type: 'outcome', ...outcome }));
      return outcome;
    }
    await sleep(options.intervalMs, signal);
  }
  clear();
  return undefined;
}
