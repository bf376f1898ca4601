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
  /** Workflow bundles built once per run. */
  bundle(entry: 'production' | 'reference'): Promise<{ code: string }>;
  close(): Promise<void>;
}

const ENTRIES = {
  production: require.resolve('../../src/workflows'),
  reference: require.resolve('../reference/workflows'),
};

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
