#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RestoreNotFoundError, TargetBusyError } from '../client';
import { DEPLOYMENT_KINDS, type DeploymentKind } from '../common/deployment-kinds';
import { projectRoot } from '../dev/temporal-tools';
import { EnvFileError } from '../common/env-file';
import { ConfigError, isHostPort } from '../common/env-rules';
import { loadWorkerConfig } from '../worker/config';
import { formatHelp, parseArgs, UsageError, type CommandSpec, type ParsedArgs } from './args';
import {
  cancelCommand,
  cancelSpec,
  help,
  json,
  listCommand,
  listSpec,
  startCommand,
  startSpec,
  statusCommand,
  statusSpec,
  UnavailableError,
  watchCommand,
  watchSpec,
  type CommandContext,
} from './commands';
import { drillCommand, drillSpec } from './drill';
import { snapshotCommand, snapshotSpec } from './snapshot';
import { EXIT, EXIT_CODES_HELP } from './exit-codes';
import { processOutput, type Output } from './render';

const workerSpec: CommandSpec = {
  name: 'worker',
  brief: 'run a worker (configured by environment variables)',
  summary:
    'Run a worker: polls the task queue and runs restore workflows and their Atlas activities. Configured by environment variables (and a .env file); see the README table. SIGINT/SIGTERM shut it down gracefully.',
  flags: {
    dotenv: {
      type: 'string',
      value: '<path>',
      description: 'read variables from this file too (the environment wins)',
      default: '.env',
    },
    help,
  },
};

const simulatorSpec: CommandSpec = {
  name: 'simulator',
  brief: 'run the Atlas Admin API simulator',
  summary:
    'Run the Atlas Admin API simulator (for dry runs and the compose stack). Its flags: atlas-restore simulator --help.',
  flags: { help },
};

const demoSpec: CommandSpec = {
  name: 'demo',
  brief: 'one restore end to end on a local Temporal + the simulator',
  summary:
    'One restore end to end on the embedded default: a local Temporal dev server with its Web UI (reused if one already answers on localhost:7233), the Atlas simulator, a worker, then start, follow and print the result and the Web UI link. Everything is shut down at the end.',
  flags: {
    kind: {
      type: 'string',
      value: '<kind>',
      description: `what to restore: ${DEPLOYMENT_KINDS.join(' | ')}`,
      default: 'serverless',
    },
    keep: { type: 'boolean', description: 'leave the server, Web UI, simulator and worker up until Ctrl-C' },
    fast: { type: 'boolean', description: 'headless, own server on random ports, shortest timings (CI)' },
    port: {
      type: 'string',
      value: '<port>',
      description: 'gRPC port for the dev server it starts',
      default: '7233 if free',
    },
    'ui-port': {
      type: 'string',
      value: '<port>',
      description: 'Web UI port for the dev server it starts',
      default: '8233 if free',
    },
    address: {
      type: 'string',
      value: '<host:port>',
      description: 'use this running Temporal server instead of starting one',
    },
    json,
    help,
  },
};

interface Command {
  spec: CommandSpec;
  run: (args: ParsedArgs, ctx: CommandContext) => Promise<number>;
  /** Gets the command line as it is and parses it itself. */
  raw?: (argv: string[], ctx: CommandContext) => Promise<number>;
}

const COMMANDS: Command[] = [
  { spec: startSpec, run: startCommand },
  { spec: watchSpec, run: watchCommand },
  { spec: statusSpec, run: statusCommand },
  { spec: listSpec, run: listCommand },
  { spec: cancelSpec, run: cancelCommand },
  { spec: snapshotSpec, run: snapshotCommand },
  {
    spec: drillSpec,
    run: async () => EXIT.internal,
    raw: (argv, ctx) => drillCommand(argv, ctx),
  },
  {
    spec: workerSpec,
    run: async (args, ctx) => {
      const envFile = (args.flags.dotenv as string | undefined) ?? '.env';
      const config = loadWorkerConfig(ctx.env, envFile);
      const { runWorker } = await import('../worker/main');
      await runWorker(config);
      return EXIT.ok;
    },
  },
  {
    spec: simulatorSpec,
    run: async () => EXIT.internal,
    raw: async (argv) => {
      const { runSimulatorCommand } = await import('../simulator/command');
      await runSimulatorCommand(argv);
      return EXIT.ok;
    },
  },
  {
    spec: demoSpec,
    run: async (args, ctx) => {
      const kind = (args.flags.kind as string | undefined) ?? 'serverless';
      if (!(DEPLOYMENT_KINDS as readonly string[]).includes(kind)) {
        throw new UsageError(`--kind must be one of ${DEPLOYMENT_KINDS.join(', ')}`, 'demo');
      }
      const port = (name: string): number | undefined => {
        const value = args.flags[name];
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 65535)
          throw new UsageError(`--${name} must be a port from 1 to 65535`, 'demo');
        return n;
      };
      const address = args.flags.address as string | undefined;
      if (address !== undefined && !isHostPort(address))
        throw new UsageError('--address must be host:port', 'demo');
      const { runDemo } = await import('./demo');
      return runDemo({
        keep: args.flags.keep === true,
        fast: args.flags.fast === true,
        kind: kind as DeploymentKind,
        json: args.flags.json === true,
        port: port('port'),
        uiPort: port('ui-port'),
        address,
        output: ctx.output,
        signal: ctx.signal,
      });
    },
  },
];

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 4;
  return [
    'Usage: atlas-restore <command> [flags]',
    '',
    'Durable MongoDB Atlas snapshot restores on Temporal.',
    '',
    'Commands:',
    ...COMMANDS.map(({ spec }) => `  ${spec.name.padEnd(width)}${spec.brief}`),
    '',
    'Every command takes --help. Temporal connection: --address/--namespace/--task-queue or TEMPORAL_ADDRESS,',
    'TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, TEMPORAL_API_KEY, TEMPORAL_TLS_* (also read from .env).',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

/** One line per error, the Atlas errorCode included where there is one, and an exit code by kind. */
export function classifyError(error: unknown): { code: number; message: string } {
  if (error instanceof UsageError) {
    const hint = error.command ? ` (see: atlas-restore ${error.command} --help)` : '';
    return { code: EXIT.usage, message: `${error.message}${hint}` };
  }
  if (error instanceof ConfigError || error instanceof EnvFileError)
    return { code: EXIT.unavailable, message: error.message };
  if (
    error instanceof UnavailableError ||
    (error instanceof Error && error.name === 'TemporalConnectError')
  ) {
    return { code: EXIT.unavailable, message: error.message };
  }
  if (error instanceof RestoreNotFoundError) return { code: EXIT.notFound, message: error.message };
  if (error instanceof TargetBusyError) return { code: EXIT.targetBusy, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const errorCode = (error as { errorCode?: unknown } | undefined)?.errorCode;
  return {
    code: EXIT.internal,
    message: `${message.split('\n')[0]}${typeof errorCode === 'string' && !message.includes(errorCode) ? ` [errorCode ${errorCode}]` : ''}`,
  };
}

export async function main(
  argv: string[],
  output: Output = processOutput(),
  env = process.env,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.spec.name === rest[0]) : undefined;
    output.out(topic ? formatHelp(topic.spec) : topLevelHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    const manifest = path.join(projectRoot(), 'package.json');
    output.out((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version);
    return EXIT.ok;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  try {
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command)
      throw new UsageError(
        `unknown command "${name}" (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')})`,
      );
    if (command.raw) {
      if (name !== 'simulator') process.once('SIGINT', onSigint);
      return await command.raw(rest, { output, env, signal: controller.signal });
    }
    const args = parseArgs(command.spec, rest);
    if (args.flags.help) {
      output.out(formatHelp(command.spec));
      return EXIT.ok;
    }
    if (name !== 'worker') {
      process.once('SIGINT', onSigint);
      process.once('SIGTERM', onSigint);
    }
    return await command.run(args, { output, env, signal: controller.signal });
  } catch (error) {
    const { code, message } = classifyError(error);
    output.err(`atlas-restore: error: ${message}`);
    if (argv.includes('--json')) output.out(JSON.stringify({ error: { message, exitCode: code } }));
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

if (require.main === module) {
  // Exit explicitly: a connection the SDK keeps alive must not hold a finished command open.
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `atlas-restore: error: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(EXIT.internal);
    },
  );
}
