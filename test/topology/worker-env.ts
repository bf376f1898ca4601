/** The worker environment of the topology suite, kept apart so test/repo can read it without starting anything. */

/**
 * The environment each of the suite's workers gets, besides WORKFLOW_BUNDLE_PATH (the image loads the
 * bundle its build wrote). docker-compose.yml's worker sets the same variables (test/repo checks it), with
 * METRICS_PORT on top (the suite scrapes no metrics).
 */
export function topologyWorkerEnv(settings: {
  address: string;
  namespace: string;
  taskQueue: string;
  atlasUrl: string;
  publicKey: string;
  privateKey: string;
  budgetRps: number;
  budgetBurst: number;
}): Record<(typeof TOPOLOGY_WORKER_ENV_KEYS)[number], string> {
  return {
    TEMPORAL_ADDRESS: settings.address,
    TEMPORAL_NAMESPACE: settings.namespace,
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    ATLAS_BASE_URL: settings.atlasUrl,
    ATLAS_API_VERSION: 'v2',
    ATLAS_PUBLIC_KEY: settings.publicKey,
    ATLAS_PRIVATE_KEY: settings.privateKey,
    ATLAS_API_BUDGET_RPS: String(settings.budgetRps),
    ATLAS_API_BUDGET_BURST: String(settings.budgetBurst),
    LOG_LEVEL: 'ERROR',
    // Short, so a rolling upgrade of three workers takes seconds; compose keeps 30 s (and 45 s to stop).
    SHUTDOWN_GRACE: '2s',
    // The heap cap compose and the README recommend for up to ~1,000 restores per worker.
    NODE_OPTIONS: '--max-old-space-size=160',
  };
}

export const TOPOLOGY_WORKER_ENV_KEYS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'ATLAS_BASE_URL',
  'ATLAS_API_VERSION',
  'ATLAS_PUBLIC_KEY',
  'ATLAS_PRIVATE_KEY',
  'ATLAS_API_BUDGET_RPS',
  'ATLAS_API_BUDGET_BURST',
  'LOG_LEVEL',
  'SHUTDOWN_GRACE',
  'NODE_OPTIONS',
] as const;
