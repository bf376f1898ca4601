import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SimulatorCore, type SimulatorControl, type SimulatorOptions } from './core';
import type { SimulatorCredentials } from './default-seed';
import type { SimulatorIds } from './seed';
import { createRequestListener } from './server';

/**
 * A faithful MongoDB Atlas Admin API simulator on loopback: Digest and bearer auth, v1.0 and v2 routes for
 * projects, serverless instances and dedicated clusters, v2 routes for Flex clusters, their snapshots and
 * restore jobs (one module per kind under `kinds/`), a simulated clock, deterministic faults and a control
 * surface under `/__sim/`. See the README section "Atlas simulator".
 */

export interface RunningSimulator {
  /** `http://127.0.0.1:PORT`: the base URL to give an Atlas client. */
  url: string;
  /** Stops listening, drops open connections and saves the state file. */
  close(): Promise<void>;
  /** The credentials it accepts (its own throwaway ones unless overridden). */
  credentials: SimulatorCredentials;
  /** Ids of the seed's first project and its source/target deployments. */
  ids: SimulatorIds;
  /** The `/__sim/` operations, in process. */
  control: SimulatorControl;
  /** Simulated now, ms since the epoch. */
  now(): number;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const core = new SimulatorCore(options);
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, createRequestListener(core));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(core.options.port, core.options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  core.url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      for (const socket of sockets) socket.destroy();
    }).then(() => core.persist());
    return closing;
  };
  return {
    url: core.url,
    close,
    credentials: { ...core.options.credentials },
    ids: core.ids,
    control: core,
    now: () => core.now(),
  };
}

export type {
  SimulatorOptions,
  SimulatorControl,
  SimulatorStateDump,
  ScenarioRequest,
  FaultsUpdate,
} from './core';
export type { SimulatorCredentials } from './default-seed';
export { DEFAULT_CREDENTIALS, DEFAULT_IDS, DEFAULT_SEED } from './default-seed';
export type { SeedData, SimulatorIds } from './seed';
export { parseSeed } from './seed';
export {
  FAULT_KINDS,
  FAULT_PROFILES,
  ROUTE_IDS,
  type FaultKind,
  type FaultProfile,
  type OneShotFault,
  type RouteFaults,
  type RouteId,
} from './faults';
export { ERROR_TABLE, type SimErrorKey } from './errors';
export type { RequestLogEntry, RequestCounts } from './request-log';
export type { RestoreOutcome } from './state';
