import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FAULT_PROFILES, resolveFaultProfile, type FaultProfile } from './faults';
import { startSimulator, type SimulatorOptions } from './index';
import type { SeedData } from './seed';

const HELP = `Usage: atlas-restore simulator [flags]

Runs the Atlas Admin API simulator (v1.0 and v2, Digest and service-account auth) until Ctrl-C.

Flags:
  --port <n>              TCP port (default 0: any free port)
  --host <address>        interface to listen on (default 127.0.0.1)
  --time-scale <x>        simulated time per real time, e.g. 60 = a simulated minute per second (default 1)
  --seed-file <file>      JSON seed (projects, serverless, clusters, flexClusters, snapshots) instead of the
                          default seed
  --state-file <file>     keep the state in this JSON file and reload it on start
  --faults <name|file>    fault profile: ${Object.keys(FAULT_PROFILES).join(', ')}, or a JSON file (default none)
  --no-data               no data plane: no wire server per deployment, no connectionStrings.standard
  --help                  this text

Credentials: ATLAS_PUBLIC_KEY, ATLAS_PRIVATE_KEY, ATLAS_CLIENT_ID, ATLAS_CLIENT_SECRET override the
simulator's own throwaway ones, and ATLAS_DB_USERNAME, ATLAS_DB_PASSWORD its database user. Control
surface: <url>/__sim/ (see the README, "Atlas simulator").`;

export class SimulatorUsageError extends Error {
  override readonly name = 'SimulatorUsageError';
}

function readJson(file: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SimulatorUsageError(
      `${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SimulatorUsageError(`${flag}: ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function numberFlag(flag: string, value: string | undefined, check: (n: number) => boolean, rule: string) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !check(n))
    throw new SimulatorUsageError(`${flag} must be ${rule} (got "${value}")`);
  return n;
}

/** Options for `startSimulator` from the command's flags and the environment. */
export function simulatorOptionsFromArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { help: true } | { help: false; options: SimulatorOptions } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'time-scale': { type: 'string' },
        'seed-file': { type: 'string' },
        'state-file': { type: 'string' },
        faults: { type: 'string' },
        'no-data': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SimulatorUsageError(`${(error as Error).message} (see: atlas-restore simulator --help)`);
  }
  if (values.help) return { help: true };
  const str = (name: string) => values[name] as string | undefined;
  // The command is what people run by hand and in dry runs, where a restore should move real data.
  const options: SimulatorOptions = { dataPlane: values['no-data'] !== true };
  const port = numberFlag(
    '--port',
    str('port'),
    (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
    'a port from 0 to 65535',
  );
  if (port !== undefined) options.port = port;
  if (str('host') !== undefined) options.host = str('host');
  const scale = numberFlag(
    '--time-scale',
    str('time-scale'),
    (n) => Number.isFinite(n) && n > 0,
    'a positive number',
  );
  if (scale !== undefined) options.timeScale = scale;
  if (str('seed-file') !== undefined) options.seed = readJson(str('seed-file')!, '--seed-file') as SeedData;
  if (str('state-file') !== undefined) options.stateFile = str('state-file');
  const faults = str('faults');
  if (faults !== undefined) {
    let profile: FaultProfile;
    try {
      profile = resolveFaultProfile(faults in FAULT_PROFILES ? faults : readJson(faults, '--faults'));
    } catch (error) {
      if (error instanceof SimulatorUsageError) throw error;
      throw new SimulatorUsageError(`--faults: ${(error as Error).message}`);
    }
    options.faults = profile;
  }
  const credentials = {
    ...(env.ATLAS_PUBLIC_KEY ? { publicKey: env.ATLAS_PUBLIC_KEY } : {}),
    ...(env.ATLAS_PRIVATE_KEY ? { privateKey: env.ATLAS_PRIVATE_KEY } : {}),
    ...(env.ATLAS_CLIENT_ID ? { clientId: env.ATLAS_CLIENT_ID } : {}),
    ...(env.ATLAS_CLIENT_SECRET ? { clientSecret: env.ATLAS_CLIENT_SECRET } : {}),
    ...(env.ATLAS_DB_USERNAME ? { databaseUsername: env.ATLAS_DB_USERNAME } : {}),
    ...(env.ATLAS_DB_PASSWORD ? { databasePassword: env.ATLAS_DB_PASSWORD } : {}),
  };
  if (Object.keys(credentials).length > 0) options.credentials = credentials;
  return { help: false, options };
}

/**
 * `atlas-restore simulator`: starts the simulator, prints its URL, credentials (once, at start: they are
 * the simulator's own, or the ones the environment gave it) and the seeded ids, and runs until
 * SIGINT/SIGTERM.
 */
export async function runSimulatorCommand(
  argv: string[],
  io: { out: (line: string) => void; signal?: AbortSignal } = {
    out: (line) => process.stdout.write(`${line}\n`),
  },
): Promise<void> {
  const parsed = simulatorOptionsFromArgs(argv);
  if (parsed.help) {
    io.out(HELP);
    return;
  }
  const simulator = await startSimulator(parsed.options);
  const { credentials, ids } = simulator;
  io.out(
    [
      `Atlas simulator listening on ${simulator.url}`,
      `  v2 base URL       ${simulator.url}/api/atlas/v2   (v1.0: ${simulator.url}/api/atlas/v1.0)`,
      `  control surface   ${simulator.url}/__sim/state`,
      `  time scale        ${parsed.options.timeScale ?? 1}x`,
      `  API key (Digest)  ATLAS_PUBLIC_KEY=${credentials.publicKey} ATLAS_PRIVATE_KEY=${credentials.privateKey}`,
      `  service account   ATLAS_CLIENT_ID=${credentials.clientId} ATLAS_CLIENT_SECRET=${credentials.clientSecret}`,
      ...(simulator.data
        ? [
            `  data plane        ${simulator.data.flavour}, one wire server per deployment (connectionStrings.standard)`,
            `  database user     ATLAS_DB_USERNAME=${credentials.databaseUsername} ATLAS_DB_PASSWORD=${credentials.databasePassword} (worker: VALIDATION_DB_USERNAME, VALIDATION_DB_PASSWORD)`,
          ]
        : ['  data plane        off (--no-data)']),
      `  project           ${ids.projectId} (${ids.projectName})`,
      `  serverless        source ${ids.serverlessSource}, target ${ids.serverlessTarget}`,
      `  clusters          source ${ids.clusterSource}, target ${ids.clusterTarget}`,
      `  flex              source ${ids.flexSource}, targets ${ids.flexTarget} (Flex), ${ids.flexClusterTarget} (dedicated)`,
      `  other project     ${ids.otherProjectId} (${ids.otherProjectName}), target ${ids.otherProjectClusterTarget}`,
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  await simulator.close();
  io.out('Atlas simulator stopped.');
}
