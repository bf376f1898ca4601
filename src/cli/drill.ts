/**
 * `atlas-restore drill …`: run a restore drill from a plan file and follow it, show its status, cancel it,
 * write its evidence report, and keep drills on Temporal Schedules.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  buildDrillReport,
  createDrillClient,
  DRILL_REPORT_FORMATS,
  InvalidDrillPlanError,
  renderDrillReport,
  type DrillClient,
  type DrillInfo,
  type DrillReportFormat,
  type RestoreClient,
} from '../client';
import type { DrillStatus } from '../common/drill-contract';
import { formatHelp, parseArgs, UsageError, type CommandSpec, type ParsedArgs } from './args';
import { connectionFlags, help, json, withRestoreClient, type CommandContext } from './commands';
import { EXIT } from './exit-codes';

const planFlag = {
  plan: { type: 'string' as const, value: '<path|->', description: 'the drill plan as JSON (- = stdin)' },
};

export const drillRunSpec: CommandSpec = {
  name: 'drill run',
  brief: 'start a restore drill from a plan',
  summary:
    "Start a restore drill: every restore of the plan runs as its own restore (one per target at a time, within the plan's caps), each validated as the plan says. With --wait, follow it (done/running/failed of N) and exit 0 only if every restore finished.",
  flags: {
    ...planFlag,
    id: {
      type: 'string',
      value: '<drill-id>',
      description: 'the drill workflow id',
      default: 'drill/<name>/<random>',
    },
    by: {
      type: 'string',
      value: '<who>',
      description: 'who runs it, for the report',
      default: 'the OS user',
    },
    wait: { type: 'boolean', description: 'follow the drill until it ends' },
    ...connectionFlags,
    json,
    help,
  },
  examples: [
    'atlas-restore drill run --plan weekly.json --wait',
    'atlas-restore drill report drill/weekly/1a2b3c4d --format html --out weekly.html',
  ],
};

const idPositional = [{ name: 'drill-id', description: 'the drill workflow id printed by drill run' }];

export const drillStatusSpec: CommandSpec = {
  name: 'drill status',
  brief: "show a drill's progress",
  summary: 'Show a drill: done, running and failed of N, and every restore with its outcome.',
  positionals: idPositional,
  flags: { ...connectionFlags, json, help },
};

export const drillCancelSpec: CommandSpec = {
  name: 'drill cancel',
  brief: 'cancel a drill and its running restores',
  summary:
    'Cancel a drill: its running restores are cancelled (each says what goes on in Atlas), the ones not started never start.',
  positionals: idPositional,
  flags: { ...connectionFlags, json, help },
};

export const drillReportSpec: CommandSpec = {
  name: 'drill report',
  brief: "write a drill's evidence report",
  summary:
    "Write a drill's evidence report from Temporal: per restore the source and its kind, the snapshot (or point in time), the Atlas job, the target, the times, RTO and RPO against the objectives, each check and the outcome; for the drill who started it, the totals and pass/fail. JSON follows a versioned schema (docs/drill-report.md).",
  positionals: idPositional,
  flags: {
    format: { type: 'string', value: '<md|json|html>', description: 'report format', default: 'md' },
    out: { type: 'string', value: '<file>', description: 'write it to a file instead of stdout' },
    ...connectionFlags,
    help,
  },
};

export const drillScheduleSpec: CommandSpec = {
  name: 'drill schedule',
  brief: 'keep drills on a Temporal Schedule',
  summary:
    'Drills on a Temporal Schedule (the plan is stored in the schedule\'s action; a run that would overlap the previous one is skipped):\n  create <schedule-id> --plan <file> (--cron "<expr>" | --every <duration>) [--paused]\n  list | describe <id> | pause <id> | unpause <id> | trigger <id> | delete <id>',
  positionals: [{ name: 'action', description: 'create, list, describe, pause, unpause, trigger or delete' }],
  optionalPositionals: [{ name: 'schedule-id', description: 'the schedule (all actions but list)' }],
  flags: {
    ...planFlag,
    cron: { type: 'string', value: '<expr>', description: 'create: a cron expression, e.g. "0 3 * * 1"' },
    every: { type: 'string', value: '<duration>', description: 'create: an interval, e.g. 7d' },
    paused: { type: 'boolean', description: 'create: start paused' },
    note: {
      type: 'string',
      value: '<text>',
      description: 'create/pause/unpause: a note kept on the schedule',
    },
    ...connectionFlags,
    json,
    help,
  },
};

export const drillSpec: CommandSpec = {
  name: 'drill',
  brief: 'restore drills: run, status, report, cancel, schedule',
  summary: 'Restore drills: atlas-restore drill run|status|report|cancel|schedule (each has --help).',
  flags: { help },
};

const SUBCOMMANDS: Record<string, CommandSpec> = {
  run: drillRunSpec,
  status: drillStatusSpec,
  cancel: drillCancelSpec,
  report: drillReportSpec,
  schedule: drillScheduleSpec,
};

function readPlan(flags: ParsedArgs['flags'], command: string): unknown {
  const file = flags.plan;
  if (typeof file !== 'string') throw new UsageError('missing --plan <path|->', command);
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--plan ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      command,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--plan ${file}: not valid JSON (${(error as Error).message})`, command);
  }
}

/** done/running/failed of N, then the outcomes counted. */
export function drillProgressLine(status: DrillStatus): string {
  const failed = status.ended - (status.byOutcome.finished ?? 0);
  const counts = Object.entries(status.byOutcome)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
  return `${status.name}: ${status.ended - failed} done, ${status.running} running, ${failed} not finished, ${status.total - status.started} waiting of ${status.total}${counts ? ` (${counts})` : ''}`;
}

export function formatDrill(info: DrillInfo): string[] {
  const status = info.result ?? info.status;
  const lines = [
    `drill ${info.drillId}: ${info.executionStatus}${info.result ? (info.result.passed ? ', PASSED' : ', NOT PASSED') : ''}`,
  ];
  if (info.startedBy) lines.push(`  started by ${info.startedBy} at ${info.startTime}`);
  if (info.message) lines.push(`  ${info.message}`);
  if (info.status) lines.push(`  ${drillProgressLine(info.status)}`);
  for (const r of status?.restores ?? []) {
    lines.push(
      `  ${String(r.index).padStart(3)}  ${(r.outcome ?? (r.startedAt ? 'running' : 'waiting')).padEnd(17)}  ${r.label}${r.message ? ` — ${r.message}` : ''}`,
    );
  }
  return lines;
}

async function withDrills<T>(
  args: ParsedArgs,
  ctx: CommandContext,
  fn: (drills: DrillClient, restores: RestoreClient) => Promise<T>,
): Promise<T> {
  return withRestoreClient(args, ctx, (restores) => fn(createDrillClient(restores), restores));
}

async function follow(
  drills: DrillClient,
  drillId: string,
  ctx: CommandContext,
  asJson: boolean,
): Promise<number> {
  let last = '';
  while (!ctx.signal.aborted) {
    const info = await drills.getDrill(drillId);
    if (info.executionStatus !== 'running') {
      if (asJson) ctx.output.out(JSON.stringify({ type: 'outcome', ...info }));
      else for (const line of formatDrill(info)) ctx.output.out(line);
      return info.result?.passed ? EXIT.ok : EXIT.notFinished;
    }
    const line = info.status ? drillProgressLine(info.status) : info.executionStatus;
    if (line !== last) {
      if (asJson) ctx.output.out(JSON.stringify({ type: 'progress', drillId, status: info.status }));
      else if (ctx.output.tty) ctx.output.redraw(line);
      else ctx.output.err(line);
      last = line;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  ctx.output.err('interrupted: the drill keeps running; follow it again with "atlas-restore drill status"');
  return EXIT.interrupted;
}

async function run(name: string, args: ParsedArgs, ctx: CommandContext): Promise<number> {
  const asJson = args.flags.json === true;
  switch (name) {
    case 'run': {
      const plan = readPlan(args.flags, 'drill run');
      return withDrills(args, ctx, async (drills) => {
        let started;
        try {
          started = await drills.startDrill(plan as never, {
            ...(typeof args.flags.id === 'string' ? { drillId: args.flags.id } : {}),
            ...(typeof args.flags.by === 'string' ? { startedBy: args.flags.by } : {}),
          });
        } catch (error) {
          if (error instanceof InvalidDrillPlanError) throw new UsageError(error.message, 'drill run');
          throw error;
        }
        if (asJson)
          ctx.output.out(JSON.stringify({ type: 'started', drillId: started.drillId, runId: started.runId }));
        else {
          ctx.output.out(`started drill ${started.drillId} (${started.plan.restores.length} restores)`);
          if (!args.flags.wait)
            ctx.output.out(`  follow it: atlas-restore drill status '${started.drillId}'`);
        }
        return args.flags.wait ? follow(drills, started.drillId, ctx, asJson) : EXIT.ok;
      });
    }
    case 'status':
      return withDrills(args, ctx, async (drills) => {
        const info = await drills.getDrill(args.positionals[0]!);
        if (asJson) ctx.output.out(JSON.stringify(info));
        else for (const line of formatDrill(info)) ctx.output.out(line);
        return EXIT.ok;
      });
    case 'cancel':
      return withDrills(args, ctx, async (drills) => {
        const result = await drills.cancelDrill(args.positionals[0]!);
        if (asJson) ctx.output.out(JSON.stringify(result));
        else
          ctx.output.out(
            result.requested
              ? `cancellation requested for drill ${args.positionals[0]}`
              : `drill ${args.positionals[0]} is not running (${result.executionStatus}): nothing to cancel`,
          );
        return result.requested ? EXIT.ok : EXIT.notFinished;
      });
    case 'report': {
      const format = (args.flags.format as string | undefined) ?? 'md';
      if (!(DRILL_REPORT_FORMATS as readonly string[]).includes(format))
        throw new UsageError(`--format must be one of ${DRILL_REPORT_FORMATS.join(', ')}`, 'drill report');
      return withDrills(args, ctx, async (drills, restores) => {
        const report = await buildDrillReport(restores, drills, args.positionals[0]!);
        const text = renderDrillReport(report, format as DrillReportFormat);
        if (typeof args.flags.out === 'string') {
          writeFileSync(args.flags.out, text);
          ctx.output.err(
            `wrote ${args.flags.out} (${report.restores.length} restores, ${report.drill.passed ? 'passed' : 'not passed'})`,
          );
        } else ctx.output.out(text.replace(/\n$/, ''));
        return EXIT.ok;
      });
    }
    case 'schedule':
      return schedule(args, ctx);
    default:
      throw new UsageError(
        `unknown drill command "${name}" (${Object.keys(SUBCOMMANDS).join(', ')})`,
        'drill',
      );
  }
}

async function schedule(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  const [action, scheduleId] = args.positionals;
  const asJson = args.flags.json === true;
  const needId = () => {
    if (!scheduleId) throw new UsageError(`drill schedule ${action} needs a schedule id`, 'drill schedule');
    return scheduleId;
  };
  return withDrills(args, ctx, async (drills) => {
    const done = (text: string, data: unknown) => {
      ctx.output.out(asJson ? JSON.stringify(data) : text);
      return EXIT.ok;
    };
    switch (action) {
      case 'create': {
        const id = needId();
        try {
          await drills.createSchedule({
            scheduleId: id,
            plan: readPlan(args.flags, 'drill schedule') as never,
            ...(typeof args.flags.cron === 'string' ? { cron: args.flags.cron } : {}),
            ...(typeof args.flags.every === 'string' ? { every: args.flags.every } : {}),
            paused: args.flags.paused === true,
            ...(typeof args.flags.note === 'string' ? { note: args.flags.note } : {}),
          });
        } catch (error) {
          if (error instanceof InvalidDrillPlanError) throw new UsageError(error.message, 'drill schedule');
          throw error;
        }
        return done(`created schedule ${id}`, { scheduleId: id, created: true });
      }
      case 'list': {
        const list = await drills.listSchedules();
        if (asJson)
          ctx.output.out(
            JSON.stringify(
              list.map((s) => ({
                scheduleId: s.scheduleId,
                paused: s.state.paused,
                nextRuns: s.info.nextActionTimes,
              })),
            ),
          );
        else
          for (const s of list)
            ctx.output.out(
              `${s.scheduleId}  ${s.state.paused ? 'paused' : 'active'}  next ${s.info.nextActionTimes[0]?.toISOString() ?? '—'}`,
            );
        return EXIT.ok;
      }
      case 'describe': {
        const d = await drills.describeSchedule(needId());
        const spec = d.spec.calendars?.length ? 'calendar' : JSON.stringify(d.spec.intervals ?? []);
        return done(
          [
            `schedule ${d.scheduleId}: ${d.state.paused ? 'paused' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
            `  spec ${spec}; next ${d.info.nextActionTimes.map((t) => t.toISOString()).join(', ') || '—'}`,
            ...d.info.recentActions.map(
              (a) => `  ran ${a.takenAt.toISOString()}: ${a.action.workflow.workflowId}`,
            ),
          ].join('\n'),
          {
            scheduleId: d.scheduleId,
            state: d.state,
            nextActionTimes: d.info.nextActionTimes,
            recentActions: d.info.recentActions,
          },
        );
      }
      case 'pause':
        await drills.pauseSchedule(
          needId(),
          typeof args.flags.note === 'string' ? args.flags.note : undefined,
        );
        return done(`paused ${scheduleId}`, { scheduleId, paused: true });
      case 'unpause':
        await drills.unpauseSchedule(
          needId(),
          typeof args.flags.note === 'string' ? args.flags.note : undefined,
        );
        return done(`unpaused ${scheduleId}`, { scheduleId, paused: false });
      case 'trigger':
        await drills.triggerSchedule(needId());
        return done(`triggered ${scheduleId}`, { scheduleId, triggered: true });
      case 'delete':
        await drills.deleteSchedule(needId());
        return done(`deleted ${scheduleId}`, { scheduleId, deleted: true });
      default:
        throw new UsageError(
          'drill schedule: action must be create, list, describe, pause, unpause, trigger or delete',
          'drill schedule',
        );
    }
  });
}

/** The `drill` command: the next word picks the subcommand, whose own flags are then parsed. */
export async function drillCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    ctx.output.out(
      [
        formatHelp(drillSpec),
        '',
        ...Object.values(SUBCOMMANDS).map((s) => `  ${s.name.padEnd(16)}${s.brief}`),
      ].join('\n'),
    );
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const spec = SUBCOMMANDS[name];
  if (!spec)
    throw new UsageError(`unknown drill command "${name}" (${Object.keys(SUBCOMMANDS).join(', ')})`, 'drill');
  const args = parseArgs(spec, rest);
  if (args.flags.help) {
    ctx.output.out(formatHelp(spec));
    return EXIT.ok;
  }
  return run(name, args, ctx);
}
