import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/** Error objects stringify to `{}`; keep what a person needs (never headers: AtlasApiError holds none). */
function jsonSafe(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    for (const key of ['kind', 'status', 'errorCode', 'type'] as const) {
      const field = (value as unknown as Record<string, unknown>)[key];
      if (field !== undefined) out[key] = field;
    }
    if (value.cause !== undefined) out.cause = jsonSafe(value.cause);
    return out;
  }
  return value;
}

/** One JSON object per line: `time`, `level`, `msg`, then the SDK's metadata (workflowId, activityType, ...). */
export function formatJsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const line: Record<string, unknown> = { time, level: entry.level.toLowerCase(), msg: entry.message };
  for (const [key, value] of Object.entries(entry.meta ?? {})) line[key] = jsonSafe(value);
  return JSON.stringify(line);
}

/** A Temporal logger writing structured JSON lines (to stdout by default, where log collectors look). */
export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
) {
  return new DefaultLogger(level, (entry) => write(formatJsonLogLine(entry)));
}
