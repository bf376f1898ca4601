import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './temporal-tools';

/**
 * Locates (and on first use builds) the MongoDB wire server behind the simulator's data plane through
 * scripts/wire-server.sh, which knows how to provision one from package registries on offline machines.
 */
const run = promisify(execFile);

export const WIRE_SERVER_FLAVOURS = ['ferretdb', 'mongod'] as const;
export type WireServerFlavour = (typeof WIRE_SERVER_FLAVOURS)[number];

/** A wire-server binary and how to drive it. */
export interface WireServerBinary {
  flavour: WireServerFlavour;
  path: string;
}

async function resolveWireServer(): Promise<WireServerBinary> {
  const script = path.join(projectRoot(), 'scripts', 'wire-server.sh');
  // A first-time build reports its progress on our stderr as it goes; only "<flavour> <path>" comes back.
  const child = run('bash', [script], { maxBuffer: 1 << 20 });
  child.child.stderr?.pipe(process.stderr);
  const { stdout } = await child;
  const line = stdout.trim().split('\n').pop() ?? '';
  const space = line.indexOf(' ');
  const flavour = line.slice(0, space);
  const binary = line.slice(space + 1);
  if (space < 0 || !(WIRE_SERVER_FLAVOURS as readonly string[]).includes(flavour) || !binary)
    throw new Error(`scripts/wire-server.sh printed "${line}", not "<ferretdb|mongod> <path>"`);
  return { flavour: flavour as WireServerFlavour, path: binary };
}

let wireServer: Promise<WireServerBinary> | undefined;

/**
 * The wire server to use, resolved once per process: `WIRE_SERVER_PATH`, else mongod or ferretdb on PATH,
 * else the cached FerretDB build (built on first use).
 */
export function ensureWireServer(): Promise<WireServerBinary> {
  wireServer ??= resolveWireServer();
  return wireServer;
}
