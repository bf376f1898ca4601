/**
 * What the Web UI test looks at: a Temporal dev server WITH its Web UI (the test harness runs it headless),
 * the Atlas simulator, a worker with the production bundle, and four restores started the way an operator
 * starts them (the restore client: derived id, search attributes, static summary and details):
 *
 * - finished: the seed's serverless instance into its sibling
 * - failed: the dedicated cluster into its sibling, the Atlas job ending FAILED
 * - cancelled: the Flex cluster into its sibling, cancelled while it follows the job
 * - running: the dedicated cluster into the other project's cluster, with recovery objectives, the job
 *   never ending (left running)
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createRestoreClient, type RestoreClient, type RestoreOutcome } from '../../src/client';
import type { RestoreRequestInput } from '../../src/common/restore-request';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { statusQuery } from '../../src/workflows';
import { installTestRuntime, type TestEnv } from '../harness';
import { FAST_POLLING, startKit, waitFor, type Kit } from '../workflows/support';

export interface SceneRestore {
  workflowId: string;
  runId: string;
  request: RestoreRequestInput;
  /** How it ended (absent for the running one). */
  outcome?: RestoreOutcome;
}

export interface Scene {
  uiUrl: string;
  env: TestEnv;
  kit: Kit;
  restores: RestoreClient;
  finished: SceneRestore;
  failed: SceneRestore;
  cancelled: SceneRestore;
  running: SceneRestore;
  close(): Promise<void>;
}

async function connect(server: DevServer): Promise<TestEnv> {
  installTestRuntime();
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    client: new Client({ connection, namespace: server.namespace }),
    connection,
    nativeConnection,
    namespace: server.namespace,
    address: server.address,
  };
}

export async function startScene(): Promise<Scene> {
  const server = await startDevServer({ ui: true });
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const env = await connect(server);
    cleanups.push(async () => {
      await env.connection.close();
      await env.nativeConnection.close();
    });
    const kit = await startKit({ env });
    cleanups.push(() => kit.close());
    const restores = createRestoreClient({ client: env.client, taskQueue: kit.taskQueue });
    const { ids } = kit.sim;
    const { control } = kit.sim;

    const request = (
      kind: 'serverless' | 'cluster' | 'flex',
      source: string,
      target: { groupId: string; name: string },
      extra: Partial<RestoreRequestInput> = {},
    ): RestoreRequestInput => ({
      source: { kind, groupId: ids.projectId, name: source },
      snapshot: { latest: true },
      target,
      polling: FAST_POLLING,
      deadline: '6h',
      ...extra,
    });
    const start = async (input: RestoreRequestInput): Promise<SceneRestore> => {
      const started = await restores.startRestore(input);
      return { workflowId: started.workflowId, runId: started.runId, request: input };
    };
    const following = (restore: SceneRestore) =>
      waitFor(
        `${restore.workflowId} to follow its job`,
        async () =>
          (await env.client.workflow.getHandle(restore.workflowId).query(statusQuery)).phase === 'restoring',
      );

    const finishedTarget = { groupId: ids.projectId, name: ids.serverlessTarget };
    const failedTarget = { groupId: ids.projectId, name: ids.clusterTarget };
    const cancelledTarget = { groupId: ids.projectId, name: ids.flexTarget };
    const runningTarget = { groupId: ids.otherProjectId, name: ids.otherProjectClusterTarget };
    control.setScenario({ outcome: 'failed', target: failedTarget });
    control.setScenario({ outcome: 'never', target: cancelledTarget });
    control.setScenario({ outcome: 'never', target: runningTarget });

    const finished = await start(request('serverless', ids.serverlessSource, finishedTarget));
    const failed = await start(request('cluster', ids.clusterSource, failedTarget));
    const cancelled = await start(request('flex', ids.flexSource, cancelledTarget));
    const running = await start(
      request('cluster', ids.clusterSource, runningTarget, { objectives: { rto: '2h', rpo: '1d' } }),
    );

    await following(cancelled);
    await restores.cancelRestore(cancelled.workflowId);
    const [finishedOutcome, failedOutcome, cancelledOutcome] = await Promise.all(
      [finished, failed, cancelled].map((r) => restores.waitForRestore(r.workflowId, { runId: r.runId })),
    );
    finished.outcome = finishedOutcome;
    failed.outcome = failedOutcome;
    cancelled.outcome = cancelledOutcome;
    await following(running);
    // Leaves no run behind when the scene closes: the dev server is in memory, but the worker is not.
    cleanups.push(() => env.client.workflow.getHandle(running.workflowId).terminate('the Web UI test ended'));

    return {
      uiUrl: server.uiUrl!,
      env,
      kit,
      restores,
      finished,
      failed,
      cancelled,
      running,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
