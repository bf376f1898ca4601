import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { productionBundleOptions } from '../../src/worker/bundle';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { ensureTemporalCli } from '../../src/dev/temporal-tools';
import { machineInfo, versions, type MachineInfo, type Versions } from './report';
import { findServerMetricsUrl, readActionCounts, type ActionCounts } from './server-metrics';

/** One dev server (and its connections) shared by every benchmark of a run, so ratios compare like with like. */
export interface BenchContext {
  server: DevServer;
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  /** Undefined when the server's metrics endpoint could not be found (non-Linux). */
  metricsUrl?: string;
  machine: MachineInfo;
  versions: Versions;
  actions(): Promise<ActionCounts | undefined>;
  /**
   * CPU seconds used so far by this process (workers, simulator, clients) and by the dev server; the
   * server's is undefined where /proc cannot tell (non-Linux).
   */
  cpu(): { thisProcess: number; server?: number };
  /** Workflow bundles built once per run. */
  bundle(entry: 'production' | 'reference'): Promise<{ code: string }>;
  close(): Promise<void>;
}

const ENTRIES = {
  production: require.resolve('../../src/workflows'),
  reference: require.resolve('../reference/workflows'),
};

/** Linux's clock ticks per second for /proc/<pid>/stat times (USER_HZ, 100 on every common build). */
const USER_HZ = 100;

/** User plus system CPU seconds of a process, from /proc; undefined where that cannot be read. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

export async function createBenchContext(): Promise<BenchContext> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = await ensureTemporalCli();
  const server = await startDevServer();
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const metricsUrl = server.process.pid ? await findServerMetricsUrl(server.process.pid) : undefined;
  const namespace = server.namespace;
  const bundles = new Map<string, Promise<{ code: string }>>();
  return {
    server,
    client: new Client({ connection, namespace }),
    nativeConnection,
    namespace,
    metricsUrl,
    machine: machineInfo(),
    versions: versions(cli),
    actions: async () => (metricsUrl ? readActionCounts(metricsUrl, namespace) : undefined),
    cpu() {
      const own = process.cpuUsage();
      const serverSeconds = server.process.pid ? processCpuSeconds(server.process.pid) : undefined;
      return {
        thisProcess: (own.user + own.system) / 1e6,
        ...(serverSeconds !== undefined ? { server: serverSeconds } : {}),
      };
    },
    bundle(entry) {
      let built = bundles.get(entry);
      if (!built) {
        built = bundleWorkflowCode({
          ...(entry === 'production'
            ? productionBundleOptions(ENTRIES[entry])
            : { workflowsPath: ENTRIES[entry] }),
          logger: new DefaultLogger('WARN'),
        });
        bundles.set(entry, built);
      }
      return built;
    },
    async close() {
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}
