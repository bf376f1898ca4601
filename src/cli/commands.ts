import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import {
  createRestoreClient,
  EXECUTION_STATUSES,
  InvalidRestoreRequestError,
  type ExecutionStatus,
  type RestoreClient,
  type RestoreInfo,
  type RestoreListFilter,
  type RestoreListRow,
  type RestoreOutcome,
  validateRestoreRequest,
} from '../client';
import type { RestoreRequest } from '../common/restore-request';
import {
  RESTORE_OUTCOMES,
  RESTORE_PHASES,
  type RestoreOutcomeName,
  type RestorePhase,
} from '../common/contract';
import {
  DEPLOYMENT_KINDS,
  KIND_CAPABILITIES,
  REQUESTED_KINDS,
  type DeploymentKind,
} from '../common/deployment-kinds';
import { formatDuration, parseDuration } from '../common/duration';
import { progressBar } from '../common/restore-details';
import type { RecoveryPoint, RecoveryTime } from '../common/contract';
import { isHostPort } from '../common/env-rules';
import {
  loadTemporalConfig,
  temporalConnectionOptions,
  type TemporalConnectionConfig,
} from '../common/temporal-connection';
import { UsageError, type CommandSpec, type FlagSpec, type ParsedArgs } from './args';
import { EXIT } from './exit-codes';
import { elapsedSince, followRestore, outcomeLine, type Output } from './render';

export const help: FlagSpec = { type: 'boolean', description: 'show this help' };
export const json: FlagSpec = { type: 'boolean', description: 'machine-readable JSON on stdout' };

/** Temporal connection flags; each overrides the variable of the same meaning (and `.env`). */
export const connectionFlags: Record<string, FlagSpec> = {
  address: {
    type: 'string',
    value: '<host:port>',
    description: 'Temporal frontend [TEMPORAL_ADDRESS]',
    default: 'localhost:7233',
  },
  namespace: {
    type: 'string',
    value: '<name>',
    description: 'Temporal namespace [TEMPORAL_NAMESPACE]',
    default: 'default',
  },
  'task-queue': {
    type: 'string',
    value: '<name>',
    description: 'task queue the workers poll [TEMPORAL_TASK_QUEUE]',
    default: 'atlas-restore',
  },
};

/** Temporal unreachable or misconfigured (exit 4). */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  /** Ctrl-C while following a restore. */
  signal: AbortSignal;
}

export function temporalConfigFrom(args: ParsedArgs, env: NodeJS.ProcessEnv): TemporalConnectionConfig {
  const config = loadTemporalConfig(env);
  const { address, namespace } = args.flags;
  const taskQueue = args.flags['task-queue'];
  if (typeof address === 'string') {
    if (!isHostPort(address)) throw new UsageError('--address must be host:port, e.g. localhost:7233');
    config.address = address;
  }
  if (typeof namespace === 'string') config.namespace = namespace;
  if (typeof taskQueue === 'string') config.taskQueue = taskQueue;
  return config;
}

/** Connects eagerly with a short timeout, so an unreachable server is one clear error, not a long retry loop. */
export async function connectRestoreClient(config: TemporalConnectionConfig): Promise<RestoreClient> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(config), connectTimeout: '5s' });
  } catch (error) {
    throw new UnavailableError(
      `cannot reach Temporal at ${config.address}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const restores = createRestoreClient({
    client: new Client({ connection, namespace: config.namespace }),
    taskQueue: config.taskQueue,
  });
  return { ...restores, close: () => connection.close() };
}

export async function withRestoreClient<T>(
  args: ParsedArgs,
  ctx: CommandContext,
  fn: (restores: RestoreClient) => Promise<T>,
): Promise<T> {
  const restores = await connectRestoreClient(temporalConfigFrom(args, ctx.env));
  try {
    return await fn(restores);
  } finally {
    await restores.close();
  }
}

function exitCodeOf(outcome: RestoreOutcome | undefined): number {
  if (!outcome) return EXIT.interrupted;
  return outcome.outcome === 'finished' ? EXIT.ok : EXIT.notFinished;
}

function intervalFrom(args: ParsedArgs, fallback: string): number {
  const text = (args.flags.interval as string | undefined) ?? fallback;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 200 || ms > 3_600_000) {
    throw new UsageError('--interval must be a duration from 200ms to 1h, e.g. 1s or 5s');
  }
  return ms;
}

/** Follows a restore and prints its outcome; the exit code says whether it finished. */
async function follow(
  restores: RestoreClient,
  workflowId: string,
  args: ParsedArgs,
  ctx: CommandContext,
): Promise<number> {
  const asJson = args.flags.json === true;
  const outcome = await followRestore(restores, workflowId, {
    intervalMs: intervalFrom(args, '1s'),
    output: ctx.output,
    json: asJson,
    signal: ctx.signal,
  });
  if (outcome && !asJson) ctx.output.out(outcomeLine(outcome));
  if (!outcome)
    ctx.output.err('interrupted: the restore keeps running; follow it again with "atlas-restore watch"');
  return exitCodeOf(outcome);
}

// ---------------------------------------------------------------------------------------------- start

const REQUEST_FLAG_FOR_FIELD: Record<string, string> = {
  'source.kind': '--kind',
  'source.groupId': '--group',
  'source.name': '--source',
  'target.groupId': '--target-group',
  'target.name': '--target',
  'snapshot.snapshotId': '--snapshot',
  'snapshot.pointInTimeUtcSeconds': '--point-in-time',
  snapshot: '--snapshot/--latest/--point-in-time',
  ensureContinuousBackup: '--no-ensure-backup',
  deadline: '--deadline',
  'polling.initialInterval': '--poll-initial',
  'polling.maxInterval': '--poll-max',
  'polling.failoverAfter': '--failover-after',
  validate: '--validate/--expect-count',
  'objectives.rto': '--rto',
  'objectives.rpo': '--rpo',
  scope: '--databases/--collections',
  'scope.databases': '--databases',
  'scope.collections': '--collections',
  'scope.writeStrategy': '--overwrite',
  'scope.indexStrategy': '--indexes',
};

export const startSpec: CommandSpec = {
  name: 'start',
  brief: 'start a restore (or join the running one)',
  summary:
    'Start a restore (or join the same restore if it is already running). The request comes from flags or from a JSON file with the workflow input shape.',
  flags: {
    kind: {
      type: 'string',
      value: '<kind>',
      description: `source deployment kind: ${REQUESTED_KINDS.join(' | ')} (auto asks Atlas, as the Atlas CLI does; ${kindNotes()})`,
      default: 'auto',
    },
    group: { type: 'string', value: '<id>', description: 'source project (group) id, 24 hex' },
    source: { type: 'string', value: '<name>', description: 'source instance or cluster name' },
    snapshot: { type: 'string', value: '<id>', description: 'restore this snapshot id' },
    latest: { type: 'boolean', description: 'restore the latest completed snapshot' },
    'point-in-time': {
      type: 'string',
      value: '<time>',
      description:
        'restore to this moment: Unix seconds or ISO-8601 (needs continuous backup; not on Flex clusters)',
    },
    'target-group': {
      type: 'string',
      value: '<id>',
      description: 'target project id',
      default: 'the source project',
    },
    target: {
      type: 'string',
      value: '<name>',
      description:
        'target instance or cluster name (a Flex snapshot may go to a Flex or a dedicated cluster)',
    },
    'no-ensure-backup': {
      type: 'boolean',
      description: 'do not enable continuous backup on the source if it is off',
    },
    deadline: {
      type: 'string',
      value: '<duration>',
      description: 'give up after this long (1m..30d)',
      default: '24h',
    },
    'poll-initial': {
      type: 'string',
      value: '<duration>',
      description: 'first polling interval',
      default: '5s',
    },
    'poll-max': {
      type: 'string',
      value: '<duration>',
      description: 'longest polling interval',
      default: '60s',
    },
    'failover-after': {
      type: 'string',
      value: '<duration>',
      description:
        'how long a killed worker goes unnoticed before another takes the wait over (each 0.8x of it costs a heartbeat)',
      default: '10m',
    },
    validate: {
      type: 'string',
      value: '<path|->',
      description:
        'check the restored data once Atlas is done: a JSON file with { checks: [...] } (or just the list of checks)',
    },
    'expect-count': {
      type: 'string',
      value: '<db.coll=N|db.coll>=N>',
      description: 'the common check inline: the collection holds exactly N (=) or at least N (>=) documents',
    },
    databases: {
      type: 'string',
      value: '<db[=new],...>',
      description: 'restore only these databases (dedicated clusters), each optionally under a new name',
    },
    collections: {
      type: 'string',
      value: '<db.coll[=db.new],...>',
      description: 'restore only these collections (dedicated clusters), each optionally under a new name',
    },
    overwrite: {
      type: 'boolean',
      description:
        'with --databases/--collections: replace namespaces the target already has (default: refuse them)',
    },
    indexes: {
      type: 'string',
      value: '<ALL|NONE|ALL_EXCEPT_TTL>',
      description: 'with --databases/--collections: which indexes to build',
      default: 'ALL',
    },
    rto: {
      type: 'string',
      value: '<duration>',
      description: 'recovery time objective to grade the restore against',
    },
    rpo: {
      type: 'string',
      value: '<duration>',
      description: 'recovery point objective to grade the restore against',
    },
    file: {
      type: 'string',
      value: '<path|->',
      description: 'read the whole request as JSON from a file (- = stdin)',
    },
    wait: { type: 'boolean', description: 'follow the restore until it ends (exit code as for watch)' },
    interval: {
      type: 'string',
      value: '<duration>',
      description: 'with --wait: how often to refresh',
      default: '1s',
    },
    ...connectionFlags,
    json,
    help,
  },
  examples: [
    'atlas-restore start --group 5f1a2b3c4d5e6f7a8b9c0d1e --source prod --latest --target staging --wait',
    'atlas-restore start --kind flex --group 5f1a2b3c4d5e6f7a8b9c0d1e --source app --snapshot 6a6f78e0cab84da5c4476b25 --target app-copy',
    'atlas-restore start --file restore.json --json',
  ],
};

/** What each kind cannot do, for the `--kind` help, read from the capabilities rather than written twice. */
function kindNotes(): string {
  return DEPLOYMENT_KINDS.map((kind) => {
    const c = KIND_CAPABILITIES[kind];
    const lacks = [
      c.continuousBackup === null && 'continuous backup',
      c.pointInTime === null && 'point in time',
    ].filter(Boolean);
    const retired = c.retired ? `retired ${c.retired.date}` : '';
    return `${kind}: ${[lacks.length > 0 ? `no ${lacks.join(' or ')}` : '', retired].filter(Boolean).join(', ') || 'everything'}`;
  }).join('; ');
}

function pointInTime(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new UsageError(
      '--point-in-time must be Unix seconds or an ISO-8601 time such as 2026-03-01T12:00:00Z',
      'start',
    );
  }
  if (ms % 1000 !== 0) throw new UsageError('--point-in-time must be a whole second', 'start');
  return ms / 1000;
}

export function requestFromFlags(flags: ParsedArgs['flags'], readStdin: () => string): unknown {
  const requestFlags = [
    'kind',
    'group',
    'source',
    'snapshot',
    'latest',
    'point-in-time',
    'target-group',
    'target',
    'no-ensure-backup',
    'deadline',
    'poll-initial',
    'poll-max',
    'failover-after',
    'validate',
    'expect-count',
    'rto',
    'rpo',
    'databases',
    'collections',
    'overwrite',
    'indexes',
  ];
  if (typeof flags.file === 'string') {
    const clash = requestFlags.find((name) => flags[name] !== undefined);
    if (clash)
      throw new UsageError(`--file cannot be combined with --${clash}: put everything in the file`, 'start');
    let text: string;
    try {
      text = flags.file === '-' ? readStdin() : readFileSync(flags.file, 'utf8');
    } catch (error) {
      throw new UsageError(
        `--file ${flags.file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'start',
      );
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--file ${flags.file}: not valid JSON (${(error as Error).message})`, 'start');
    }
  }
  for (const [name, what] of [
    ['group', '<id> (the source project)'],
    ['source', '<name> (the source instance or cluster)'],
    ['target', '<name> (the target instance or cluster)'],
  ] as const) {
    if (flags[name] === undefined)
      throw new UsageError(`missing --${name} ${what}, or give the request with --file`, 'start');
  }
  const chosen = ['snapshot', 'latest', 'point-in-time'].filter((name) => flags[name] !== undefined);
  if (chosen.length === 0)
    throw new UsageError('say which snapshot: --snapshot <id>, --latest or --point-in-time <time>', 'start');
  if (chosen.length > 1) throw new UsageError(`use only one of --${chosen.join(', --')}`, 'start');
  const snapshot =
    flags.snapshot !== undefined
      ? { snapshotId: flags.snapshot }
      : flags.latest
        ? { latest: true }
        : { pointInTimeUtcSeconds: pointInTime(flags['point-in-time'] as string) };
  const request: Record<string, unknown> = {
    source: { kind: flags.kind ?? 'auto', groupId: flags.group, name: flags.source },
    snapshot,
    target: { groupId: flags['target-group'] ?? flags.group, name: flags.target },
  };
  if (flags['no-ensure-backup']) request.ensureContinuousBackup = false;
  if (flags.deadline !== undefined) request.deadline = flags.deadline;
  if (
    flags['poll-initial'] !== undefined ||
    flags['poll-max'] !== undefined ||
    flags['failover-after'] !== undefined
  ) {
    const polling: Record<string, unknown> = {};
    if (flags['poll-initial'] !== undefined) polling.initialInterval = flags['poll-initial'];
    if (flags['poll-max'] !== undefined) polling.maxInterval = flags['poll-max'];
    if (flags['failover-after'] !== undefined) polling.failoverAfter = flags['failover-after'];
    request.polling = polling;
  }
  const scope = scopeFromFlags(flags);
  if (scope) request.scope = scope;
  const validate = validationFromFlags(flags, readStdin);
  if (validate) request.validate = validate;
  if (flags.rto !== undefined || flags.rpo !== undefined) {
    request.objectives = {
      ...(flags.rto !== undefined ? { rto: flags.rto } : {}),
      ...(flags.rpo !== undefined ? { rpo: flags.rpo } : {}),
    };
  }
  return request;
}

/** `--databases a,b=c` and `--collections db.x,db.y=db.z` with `--overwrite` and `--indexes`. */
function scopeFromFlags(flags: ParsedArgs['flags']): Record<string, unknown> | undefined {
  const list = (name: string) =>
    typeof flags[name] === 'string'
      ? (flags[name] as string)
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
          .map((item) => item.split('=') as [string, string?])
      : undefined;
  const databases = list('databases');
  const collections = list('collections');
  if (!databases && !collections) {
    for (const name of ['overwrite', 'indexes'])
      if (flags[name] !== undefined)
        throw new UsageError(
          `--${name} applies to a collection or database restore: add --databases or --collections`,
          'start',
        );
    return undefined;
  }
  return {
    ...(databases
      ? {
          databases: databases.map(([name, targetName]) => ({ name, ...(targetName ? { targetName } : {}) })),
        }
      : {}),
    ...(collections
      ? {
          collections: collections.map(([namespace, targetNamespace]) => ({
            namespace,
            ...(targetNamespace ? { targetNamespace } : {}),
          })),
        }
      : {}),
    ...(flags.overwrite ? { writeStrategy: 'OVERWRITE_EXISTING' } : {}),
    ...(typeof flags.indexes === 'string' ? { indexStrategy: flags.indexes } : {}),
  };
}

/** `--validate <file>` (the request's `validate` section, or only its checks) and/or `--expect-count`. */
function validationFromFlags(
  flags: ParsedArgs['flags'],
  readStdin: () => string,
): Record<string, unknown> | undefined {
  let section: Record<string, unknown> | undefined;
  if (typeof flags.validate === 'string') {
    const parsed = readJson(flags.validate, '--validate', readStdin);
    section = Array.isArray(parsed) ? { checks: parsed } : (parsed as Record<string, unknown>);
    if (section === null || typeof section !== 'object')
      throw new UsageError('--validate: the file must hold { checks: [...] } or a list of checks', 'start');
  }
  if (typeof flags['expect-count'] === 'string') {
    const match = /^([^.=<>\s]+)\.([^=<>\s]+?)(>=|=)(\d+)$/.exec(flags['expect-count']);
    if (!match)
      throw new UsageError(
        '--expect-count must read <database>.<collection>=<N> or <database>.<collection>>=<N>',
        'start',
      );
    const [, database, collection, op, n] = match;
    const check = {
      kind: 'count',
      database,
      collection,
      ...(op === '=' ? { equals: Number(n) } : { min: Number(n) }),
    };
    section = { ...section, checks: [...((section?.checks as unknown[] | undefined) ?? []), check] };
  }
  return section;
}

function readJson(file: string, flag: string, readStdin: () => string): unknown {
  let text: string;
  try {
    text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'start',
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: not valid JSON (${(error as Error).message})`, 'start');
  }
}

/**
 * The schema's field paths, with the flag that sets each one when the request came from flags. A field
 * filled from another flag (the target project defaults to --group) is blamed on the flag that was given,
 * once: a bad --group is not also reported as a --target-group nobody typed.
 */
export function describeRequestError(
  error: InvalidRestoreRequestError,
  fromFlags: boolean,
  given: ParsedArgs['flags'] = {},
): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const { field, message } of error.issues) {
    let flag = fromFlags ? REQUEST_FLAG_FOR_FIELD[field] : undefined;
    let label = flag ? `${flag} (${field})` : field;
    if (flag && given[flag.slice(2)] === undefined && DEFAULTED_FROM[flag]) {
      flag = DEFAULTED_FROM[flag];
      label = `${flag} (${field}, which defaults to it)`;
    }
    const key = `${flag ?? field}: ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parts.push(`${label}: ${message}`);
  }
  return `invalid restore request: ${parts.join('; ')}`;
}

/** Flags whose value, when not given, is taken from another flag. */
const DEFAULTED_FROM: Record<string, string> = { '--target-group': '--group' };

export async function startCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  const fromFlags = args.flags.file === undefined;
  const input = requestFromFlags(args.flags, () => readFileSync(0, 'utf8'));
  // Validated before connecting: a bad request is a usage error even when Temporal is down.
  let request: RestoreRequest;
  try {
    request = validateRestoreRequest(input);
  } catch (error) {
    if (error instanceof InvalidRestoreRequestError)
      throw new UsageError(describeRequestError(error, fromFlags, args.flags), 'start');
    throw error;
  }
  if (args.flags.interval !== undefined) intervalFrom(args, '1s');
  const config = temporalConfigFrom(args, ctx.env);
  return withRestoreClient(args, ctx, async (restores) => {
    const started = await restores.startRestore(request);
    const asJson = args.flags.json === true;
    const link = webUiLink(ctx.env, config, started.workflowId);
    if (asJson) {
      ctx.output.out(
        JSON.stringify({
          type: 'started',
          ...started,
          taskQueue: restores.taskQueue,
          ...(link ? { webUi: link } : {}),
        }),
      );
    } else {
      ctx.output.out(
        `${started.attached ? 'attached to the running restore' : 'started restore'} ${started.workflowId}`,
      );
      ctx.output.out(`  run ${started.runId} on task queue ${restores.taskQueue}`);
      if (link) ctx.output.out(`  Web UI: ${link}`);
      if (!args.flags.wait) ctx.output.out(`  follow it: atlas-restore watch '${started.workflowId}'`);
    }
    if (!args.flags.wait) return EXIT.ok;
    return follow(restores, started.workflowId, args, ctx);
  });
}

/**
 * Where the Web UI shows a restore: `TEMPORAL_UI_URL` when set; for the local dev server's default address
 * its default UI (http://localhost:8233); otherwise unknown (no link printed).
 */
export function webUiLink(
  env: NodeJS.ProcessEnv,
  config: TemporalConnectionConfig,
  workflowId: string,
): string | undefined {
  const local = /^(localhost|127\.0\.0\.1):7233$/.test(config.address) ? 'http://localhost:8233' : undefined;
  const base = (env.TEMPORAL_UI_URL?.trim() || local)?.replace(/\/+$/, '');
  if (!base) return undefined;
  return `${base}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

// ---------------------------------------------------------------------------------------------- watch

export const watchSpec: CommandSpec = {
  name: 'watch',
  brief: 'follow a restore until it ends',
  summary:
    'Follow a restore until it ends: phase, restore job state, polls and elapsed time, on one redrawn line on a terminal and as plain lines otherwise (NDJSON events with --json). Exit code 0 only if it finished.',
  positionals: [
    { name: 'workflow-id', description: 'the restore workflow id printed by start (or listed by list)' },
  ],
  flags: {
    interval: { type: 'string', value: '<duration>', description: 'how often to refresh', default: '1s' },
    ...connectionFlags,
    json,
    help,
  },
};

export async function watchCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  intervalFrom(args, '1s');
  return withRestoreClient(args, ctx, (restores) => follow(restores, args.positionals[0]!, args, ctx));
}

// --------------------------------------------------------------------------------------------- status

export const statusSpec: CommandSpec = {
  name: 'status',
  brief: "show a restore's phase, job and progress",
  summary:
    'Show where a restore is: execution status, phase, restore job, polls, timings and the polling progress.',
  positionals: [{ name: 'workflow-id', description: 'the restore workflow id' }],
  flags: { ...connectionFlags, json, help },
};

export function formatStatus(info: RestoreInfo, now = Date.now()): string[] {
  const lines = [`restore ${info.workflowId}`];
  const row = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(12)} ${value}`);
  const status = info.status;
  const outcome = info.outcome;
  row('run', info.runId);
  if (outcome) {
    row('outcome', outcome.outcome);
    if (outcome.outcome !== 'finished') {
      row('reason', outcome.message);
      if (outcome.errorCode) row('atlas', `${outcome.status ?? ''} ${outcome.errorCode}`.trim());
    }
  } else {
    row('status', `${info.executionStatus}${info.phase ? `, phase ${info.phase}` : ''}`);
  }
  if (info.source?.name)
    row(
      'source',
      `${info.source.kind ?? ''} ${info.source.name} in project ${info.source.groupId ?? '?'}`.trim(),
    );
  if (info.targetName)
    row('target', `${status?.targetKind ? `${status.targetKind} ` : ''}${info.targetName}`);
  if (info.summary) row('summary', info.summary);
  const result = outcome?.outcome === 'finished' ? outcome.result : undefined;
  const jobId =
    info.restoreJobId ??
    result?.restoreJobId ??
    (outcome?.outcome !== 'finished' ? outcome?.restoreJobId : undefined);
  const jobState = info.polling?.jobState ?? status?.jobState ?? result?.restoreJob.state;
  if (jobId)
    row(
      'job',
      `${jobId}${jobState ? ` (${jobState}${status?.atlasStatus ? `, Atlas ${status.atlasStatus}` : ''})` : ''}`,
    );
  const progress = status?.progress;
  if (progress) row('progress', progressBar(progress));
  for (const ns of status?.namespaces ?? result?.collections?.namespaces ?? [])
    row(
      'namespace',
      `${ns.source} -> ${ns.target}: ${ns.state}${ns.restoredDocuments !== undefined ? `, ${ns.restoredDocuments} documents` : ''}`,
    );
  const restoredTo = status?.restoredTo ?? result?.rpo?.restoredTo;
  const snapshotId = status?.snapshotId ?? result?.snapshotId;
  if (snapshotId || restoredTo)
    row(
      'data',
      [snapshotId ? `snapshot ${snapshotId}` : undefined, restoredTo ? `as of ${restoredTo}` : undefined]
        .filter(Boolean)
        .join(', '),
    );
  if (!outcome) {
    // One count: the live heartbeat's when a poll is in flight, else the status query's.
    const polls = Math.max(status?.polls ?? 0, info.polling?.polls ?? 0);
    const last = info.polling?.lastPolledAt ?? status?.lastPolledAt;
    const next = info.polling?.nextPollAt;
    row('polls', `${polls}${last ? `, last ${last}` : ''}${next ? `, next ${next}` : ''}`);
    const lastError = info.polling?.lastError ?? status?.lastError;
    if (lastError) row('last error', lastError);
    if (status) row('deadline', status.deadline);
    else if (info.statusError) row('query', `no answer from a worker (${info.statusError})`);
    for (const p of info.progress ?? []) {
      const beat = p.lastHeartbeatAt ? `, last heartbeat ${p.lastHeartbeatAt}` : '';
      const failure = p.lastFailure ? `, previous attempt: ${p.lastFailure}` : '';
      row('activity', `${p.activityType} ${p.state}, attempt ${p.attempt}${beat}${failure}`);
    }
  }
  row(
    'started',
    `${info.startTime} (${elapsedSince(info.startTime, info.closeTime ? Date.parse(info.closeTime) : now)} ${info.closeTime ? 'total' : 'ago'})`,
  );
  const timings = result?.timings;
  const submitted = status?.submittedAt ?? timings?.submittedAt;
  if (submitted) row('submitted', submitted);
  const atlasDone = status?.atlasFinishedAt ?? timings?.atlasFinishedAt;
  if (atlasDone) row('atlas done', atlasDone);
  const validatedAt = status?.validatedAt ?? timings?.validatedAt;
  if (validatedAt) row('validated', validatedAt);
  if (info.closeTime) row('closed', info.closeTime);
  const rto = status?.rto ?? result?.rto ?? (outcome?.outcome !== 'finished' ? outcome?.rto : undefined);
  const rpo = status?.rpo ?? result?.rpo ?? (outcome?.outcome !== 'finished' ? outcome?.rpo : undefined);
  if (rto) row('rto', rtoText(rto));
  if (rpo) row('rpo', rpoText(rpo));
  const validation =
    status?.validation ??
    result?.validation ??
    (outcome?.outcome !== 'finished' ? outcome?.validation : undefined);
  for (const check of validation?.checks ?? [])
    row(check.ok ? 'check ok' : 'check FAIL', `${check.name}: ${check.summary}`);
  return lines;
}

function rtoText(rto: RecoveryTime): string {
  const parts = [];
  if (rto.toAtlasDoneSeconds !== undefined)
    parts.push(`Atlas done after ${formatDuration(rto.toAtlasDoneSeconds * 1000) || '0s'}`);
  if (rto.toValidatedSeconds !== undefined)
    parts.push(`validated after ${formatDuration(rto.toValidatedSeconds * 1000) || '0s'}`);
  if (rto.objectiveSeconds !== undefined)
    parts.push(`objective ${formatDuration(rto.objectiveSeconds * 1000)} ${rto.met ? 'met' : 'MISSED'}`);
  return parts.join(', ');
}

function rpoText(rpo: RecoveryPoint): string {
  const target =
    rpo.objectiveSeconds !== undefined
      ? `, objective ${formatDuration(rpo.objectiveSeconds * 1000)} ${rpo.met ? 'met' : 'MISSED'}`
      : '';
  return `${formatDuration(rpo.seconds * 1000) || '0s'} of data lost at most (restored to ${rpo.restoredTo})${target}`;
}

export async function statusCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  return withRestoreClient(args, ctx, async (restores) => {
    const info = await restores.getRestore(args.positionals[0]!);
    if (args.flags.json) ctx.output.out(JSON.stringify(info));
    else for (const line of formatStatus(info)) ctx.output.out(line);
    return EXIT.ok;
  });
}

// ----------------------------------------------------------------------------------------------- list

export const listSpec: CommandSpec = {
  name: 'list',
  brief: 'list restores (filters over search attributes)',
  summary: 'List restores, most recent first, from Temporal visibility (filters combine with AND).',
  flags: {
    kind: { type: 'string', value: '<kind>', description: `source kind: ${DEPLOYMENT_KINDS.join(' | ')}` },
    group: { type: 'string', value: '<id>', description: 'source project id' },
    instance: { type: 'string', value: '<name>', description: 'source instance or cluster' },
    target: { type: 'string', value: '<name>', description: 'target instance or cluster' },
    phase: { type: 'string', value: '<phase>', description: `one of ${RESTORE_PHASES.join(', ')}` },
    outcome: {
      type: 'string',
      value: '<outcome>',
      description: `how it ended: ${RESTORE_OUTCOMES.join(', ')}`,
    },
    drill: { type: 'string', value: '<drill-id>', description: 'restores a drill started' },
    status: {
      type: 'string',
      value: '<status>',
      description: 'running, completed, failed, cancelled, terminated, timed_out',
    },
    limit: { type: 'string', value: '<n>', description: 'at most this many rows (1..1000)', default: '20' },
    ...connectionFlags,
    json,
    help,
  },
};

export function listFilterFrom(flags: ParsedArgs['flags']): RestoreListFilter {
  const filter: RestoreListFilter = {};
  if (flags.kind !== undefined) {
    if (!(DEPLOYMENT_KINDS as readonly string[]).includes(flags.kind as string)) {
      throw new UsageError(`--kind must be one of ${DEPLOYMENT_KINDS.join(', ')}`, 'list');
    }
    filter.kind = flags.kind as DeploymentKind;
  }
  if (flags.phase !== undefined) {
    if (!(RESTORE_PHASES as readonly string[]).includes(flags.phase as string)) {
      throw new UsageError(`--phase must be one of ${RESTORE_PHASES.join(', ')}`, 'list');
    }
    filter.phase = flags.phase as RestorePhase;
  }
  if (flags.outcome !== undefined) {
    if (!(RESTORE_OUTCOMES as readonly string[]).includes(flags.outcome as string)) {
      throw new UsageError(`--outcome must be one of ${RESTORE_OUTCOMES.join(', ')}`, 'list');
    }
    filter.outcome = flags.outcome as RestoreOutcomeName;
  }
  if (typeof flags.drill === 'string') filter.drillId = flags.drill;
  if (flags.status !== undefined) {
    const status = (flags.status as string).toLowerCase().replace('canceled', 'cancelled');
    if (!(EXECUTION_STATUSES as string[]).includes(status)) {
      throw new UsageError(`--status must be one of ${EXECUTION_STATUSES.join(', ')}`, 'list');
    }
    filter.status = status as ExecutionStatus;
  }
  if (typeof flags.group === 'string') {
    if (!/^[0-9a-f]{24}$/.test(flags.group))
      throw new UsageError('--group must be a 24-character lower-case hex id', 'list');
    filter.groupId = flags.group;
  }
  if (typeof flags.instance === 'string') filter.instance = flags.instance;
  if (typeof flags.target === 'string') filter.target = flags.target;
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be a whole number from 1 to 1000', 'list');
  filter.limit = limit;
  return filter;
}

export interface ListedRestore extends RestoreListRow {
  outcome: string;
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The long workflow id goes last, so the columns people scan fit in 120 columns and only the id wraps. */
export function formatTable(rows: ListedRestore[]): string[] {
  const header = ['STARTED', 'OUTCOME', 'PHASE', 'SOURCE', 'TARGET', 'ID'];
  const cells = rows.map((r) => [
    shortTime(r.startTime),
    r.outcome,
    r.phase ?? '',
    `${r.kind ?? '?'}:${r.instance ?? '?'}`,
    r.target ?? '',
    r.workflowId,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)];
}

export async function listCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  const filter = listFilterFrom(args.flags);
  return withRestoreClient(args, ctx, async (restores) => {
    const rows = await restores.listRestores(filter);
    const listed: ListedRestore[] = [];
    for (const row of rows) {
      let outcome: string = row.outcome ?? row.executionStatus;
      if (row.outcome === undefined && row.executionStatus === 'completed') outcome = 'finished';
      // Runs from before the outcome search attribute: their failure type says how they ended.
      if (row.outcome === undefined && row.executionStatus === 'failed') {
        outcome = (await restores.waitForRestore(row.workflowId, { runId: row.runId })).outcome;
      }
      listed.push({ ...row, outcome });
    }
    if (args.flags.json) ctx.output.out(JSON.stringify(listed));
    else if (listed.length === 0) ctx.output.err('no restores match');
    else for (const line of formatTable(listed)) ctx.output.out(line);
    return EXIT.ok;
  });
}

// --------------------------------------------------------------------------------------------- cancel

export const cancelSpec: CommandSpec = {
  name: 'cancel',
  brief: 'cancel a running restore',
  summary:
    'Ask a running restore to stop. The workflow stops polling, cancels the Atlas job where Atlas allows it (dedicated-cluster download jobs) and otherwise says that Atlas carries on. Exit 1 if it was not running.',
  positionals: [{ name: 'workflow-id', description: 'the restore workflow id' }],
  flags: { ...connectionFlags, json, help },
};

export async function cancelCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  return withRestoreClient(args, ctx, async (restores) => {
    const result = await restores.cancelRestore(args.positionals[0]!);
    if (args.flags.json) ctx.output.out(JSON.stringify(result));
    else if (result.requested)
      ctx.output.out(`cancellation requested for ${result.workflowId} (run ${result.runId})`);
    else
      ctx.output.out(
        `restore ${result.workflowId} is not running (${result.executionStatus}): nothing to cancel`,
      );
    return result.requested ? EXIT.ok : EXIT.notFinished;
  });
}
