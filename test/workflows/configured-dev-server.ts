/**
 * A dev server of its own, with dynamic config the shared one does not have (e.g. a low
 * `limit.historyCount.suggestContinueAsNew`, so continue-as-new happens within seconds).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/common/contract';
import { freePort } from '../../src/dev/dev-server';
import { ensureTemporalCli } from '../../src/dev/temporal-tools';
import { installTestRuntime, type TestEnv } from '../harness';

export interface ConfiguredDevServer {
  env: TestEnv;
  stop(): Promise<void>;
}

export async function startConfiguredDevServer(
  dynamicConfig: Record<string, number | string>,
): Promise<ConfiguredDevServer> {
  installTestRuntime();
  const executable = await ensureTemporalCli();
  const port = await freePort();
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'error',
  ];
  for (const [key, value] of Object.entries(dynamicConfig))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=Keyword`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-temporal-'));
  const child = spawn(executable, args, { stdio: 'ignore', env: { ...process.env, HOME: scratch } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(scratch, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      const nativeConnection = await NativeConnection.connect({ address });
      const env: TestEnv = {
        client: new Client({ connection }),
        connection,
        nativeConnection,
        namespace: 'default',
        address,
      };
      return {
        env,
        stop: async () => {
          await connection!.close();
          await nativeConnection.close();
          await kill();
        },
      };
    } catch (error) {
      await connection?.close();
      if (child.exitCode !== null || Date.now() > deadline) {
        await kill();
        throw new Error(`dev server on ${address} did not start: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
