import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SimulatorCore, type SimulatorControl, type SimulatorOptions } from './core';
import { contentAt, expectedContentOf, type ExpectedContent } from './data/content';
import { DataPlane } from './data/plane';
import type { SimulatorCredentials } from './default-seed';
import type { WireServerFlavour } from '../dev/wire-server';
import type { SimulatorIds } from './seed';
import { createRequestListener } from './server';
import type { DeploymentRecord } from './state';

/**
 * A faithful MongoDB Atlas Admin API simulator on loopback: Digest and bearer auth, v1.0 and v2 routes for
 * projects, serverless instances and dedicated clusters, v2 routes for Flex clusters, their snapshots and
 * restore jobs (one module per kind under `kinds/`), v2 collection restores of dedicated clusters, a simulated clock, deterministic faults, a control
 * surface under `/__sim/` and, optionally, a data plane of real wire servers holding each deployment's data
 * (`data/`). See the README section "Atlas simulator".
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
  /** The data plane's helpers; undefined unless started with `dataPlane`. */
  data?: SimulatorData;
}

/** Helpers on the data plane for tests and tools. Deployments are named by project and name. */
export interface SimulatorData {
  /** Which wire server holds the data. */
  flavour: WireServerFlavour;
  /** The deployment's `connectionStrings.standard` (credentials: `credentials.databaseUsername`/`Password`). */
  connectionString(groupId: string, name: string): Promise<string>;
  /** What the deployment holds at `atMs` (default: simulated now) by the content model. */
  expectedContent(groupId: string, name: string, atMs?: number): ExpectedContent;
  /** Makes the deployment refuse every connection (and cut the open ones), or accept them again. */
  setReachable(groupId: string, name: string, reachable: boolean): void;
  /** Resolves once every server holds its content as of simulated now (after a seed, reset or clock jump). */
  settle(): Promise<void>;
}

function dataHelpers(core: SimulatorCore, plane: DataPlane): SimulatorData {
  const deployment = (groupId: string, name: string): DeploymentRecord => {
    const found = core.world.findDeployment(groupId, name);
    if (!found) throw new Error(`no deployment ${name} in project ${groupId}`);
    return found;
  };
  return {
    flavour: plane.binary.flavour,
    async connectionString(groupId, name) {
      const address = await plane.connectionStringOf(deployment(groupId, name).id);
      if (!address) throw new Error(`${name} in project ${groupId} has no wire server`);
      return address;
    },
    expectedContent(groupId, name, atMs = core.now()) {
      return expectedContentOf(contentAt(core.world, deployment(groupId, name), atMs), atMs);
    },
    setReachable: (groupId, name, reachable) => void core.setReachable({ groupId, name, reachable }),
    settle: () => plane.settle(),
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const core = new SimulatorCore(options);
  if (options.dataPlane) core.dataPlane = await DataPlane.start(core, options.dataPlane);
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, createRequestListener(core));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(core.options.port, core.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await core.dataPlane?.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  core.url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      for (const socket of sockets) socket.destroy();
    })
      .then(() => core.dataPlane?.close())
      .then(() => core.persist());
    return closing;
  };
  return {
    url: core.url,
    close,
    credentials: { ...core.options.credentials },
    ids: core.ids,
    control: core,
    now: () => core.now(),
    ...(core.dataPlane ? { data: dataHelpers(core, core.dataPlane) } : {}),
  };
}

export type {
  SimulatorOptions,
  SimulatorControl,
  SimulatorStateDump,
  ScenarioRequest,
  FaultsUpdate,
  ReachableRequest,
} from './core';
export type { DataPlaneOptions, DeploymentDataState } from './data/plane';
export type { ExpectedContent } from './data/content';
export type { StatsDocument } from './data/documents';
export type { DeploymentDataInput } from './data/spec';
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
export type { RestoreDataOutcome, RestoreOutcome } from './state';
