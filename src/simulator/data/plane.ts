import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ensureWireServer, WIRE_SERVER_FLAVOURS, type WireServerBinary } from '../../dev/wire-server';
import type { SimulatorCore } from '../core';
import { restoreJobPhase } from '../restore-jobs';
import type { DeploymentRecord } from '../state';
import { startWireBackend, type WireBackend } from './backend';
import { contentAt } from './content';
import { Gate } from './gate';
import { grow, rewrite, signatureOf, type Materialized } from './materialize';

/**
 * The data plane: one wire server per simulated deployment, each behind a gate (TCP proxy) whose port is the
 * deployment's public address, holding what the content model says the deployment holds. Servers follow
 * the clock (a real-time tick, every new connection, every clock jump), a finished restore is written
 * before the API first reports it finished, and the gate refuses connections while a restore into the
 * deployment runs, while it warms up afterwards, and until its server holds the current model.
 */

const dataPlaneOptionsSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** The binary to run; default: `scripts/wire-server.sh` finds or builds one. */
    wireServer: z.strictObject({ flavour: z.enum(WIRE_SERVER_FLAVOURS), path: z.string().min(1) }).optional(),
    /** Simulated ms a restored deployment keeps refusing connections after its job finished. Default 60 s. */
    targetWarmupMs: z.number().int().nonnegative().optional(),
  }),
]);
export type DataPlaneOptions = z.input<typeof dataPlaneOptionsSchema>;

const DEFAULT_TARGET_WARMUP_MS = 60_000;

/** State folders of planes not closed yet, removed if the process exits without closing them. */
const openRoots = new Set<string>();
let exitHookInstalled = false;
function trackRoot(root: string): void {
  openRoots.add(root);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const open of openRoots) rmSync(open, { recursive: true, force: true });
  });
}
/** Real time between two passes that bring every server in step with the clock. */
const TICK_MS = 250;

interface Entry {
  deploymentId: string;
  backend: WireBackend;
  gate: Gate;
  /** What the server holds; undefined before the first write and while a rewrite runs. */
  materialized?: Materialized;
  /** Every write to this server, in order. */
  queue: Promise<void>;
  /** A sync queued and not started yet, which later callers share (it reads the clock when it starts). */
  pending?: { full: boolean; promise: Promise<void> };
  refused: boolean;
  lastError?: string;
}

/** What the state dump shows of a deployment's data. */
export interface DeploymentDataState {
  connectionString: string;
  reachable: boolean;
  /** Why the gate refuses connections now, if it does. */
  refusing?: string;
  /** Documents the server holds per namespace, as last written. */
  documents: Record<string, number>;
  lastError?: string;
}

export class DataPlane {
  private readonly entries = new Map<string, Entry>();
  private readonly unreachable = new Set<string>();
  private reconciling: Promise<void> = Promise.resolve();
  private ticker?: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  private constructor(
    private readonly core: SimulatorCore,
    readonly binary: WireServerBinary,
    private readonly root: string,
    readonly targetWarmupMs: number,
  ) {}

  static async start(core: SimulatorCore, options: DataPlaneOptions): Promise<DataPlane> {
    const parsed = dataPlaneOptionsSchema.safeParse(options);
    if (!parsed.success)
      throw new RangeError(
        `invalid dataPlane option: ${parsed.error.issues.map((i) => `${['dataPlane', ...i.path].join('.')}: ${i.message}`).join('; ')}`,
      );
    const settings = typeof parsed.data === 'object' ? parsed.data : {};
    const binary = settings.wireServer ?? (await ensureWireServer());
    const root = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-data-'));
    trackRoot(root);
    const plane = new DataPlane(core, binary, root, settings.targetWarmupMs ?? DEFAULT_TARGET_WARMUP_MS);
    try {
      await plane.reconcile();
    } catch (error) {
      await plane.close();
      throw error;
    }
    plane.ticker = setInterval(() => plane.tick(), TICK_MS).unref();
    return plane;
  }

  private get world() {
    return this.core.world;
  }

  /** Servers for exactly the world's deployments, each holding its content. */
  private async reconcile(): Promise<void> {
    const wanted = new Set(this.world.deployments.map((d) => d.id));
    await Promise.all(
      [...this.entries.values()]
        .filter((entry) => !wanted.has(entry.deploymentId))
        .map(async (entry) => {
          this.entries.delete(entry.deploymentId);
          await entry.queue;
          await entry.gate.close();
          await entry.backend.stop();
        }),
    );
    // Every start settles before a failure is reported, so a close after it finds every server started.
    const started = await Promise.allSettled(
      this.world.deployments.filter((d) => !this.entries.has(d.id)).map((d) => this.add(d)),
    );
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all([...this.entries.values()].map((entry) => this.sync(entry, true)));
  }

  private async add(deployment: DeploymentRecord): Promise<void> {
    const { databaseUsername: username, databasePassword: password } = this.core.options.credentials;
    const backend = await startWireBackend(this.binary, path.join(this.root, deployment.id), {
      username,
      password,
    });
    const gate = new Gate(backend.port, () => this.admit(deployment.id));
    try {
      await gate.listen();
    } catch (error) {
      await backend.stop();
      throw error;
    }
    this.entries.set(deployment.id, {
      deploymentId: deployment.id,
      backend,
      gate,
      queue: Promise.resolve(),
      refused: false,
    });
  }

  /**
   * Brings one server in step with the model at the moment the sync starts: a rewrite when the model
   * changed (connections are cut first: the deployment went down), else, with `full`, the live namespaces'
   * growth. Syncs of one server run one at a time.
   */
  private sync(entry: Entry, full: boolean): Promise<void> {
    if (entry.pending) {
      entry.pending.full ||= full;
      return entry.pending.promise;
    }
    const pending: { full: boolean; promise: Promise<void> } = { full, promise: Promise.resolve() };
    pending.promise = entry.queue.then(async () => {
      entry.pending = undefined;
      const deployment = this.world.deploymentById(entry.deploymentId);
      if (!deployment || this.closed) return;
      const now = this.core.now();
      const models = contentAt(this.world, deployment, now);
      try {
        if (entry.materialized?.signature !== signatureOf(models)) {
          entry.gate.dropAll();
          entry.materialized = undefined;
          entry.materialized = await rewrite(entry.backend.client, this.binary.flavour, models, now);
        } else if (pending.full) {
          await grow(entry.backend.client, models, now, entry.materialized);
        }
        entry.lastError = undefined;
      } catch (error) {
        entry.lastError = (error as Error).message;
        throw error;
      }
    });
    entry.pending = pending;
    entry.queue = pending.promise.catch(() => undefined);
    return pending.promise;
  }

  /** Why `deployment` refuses connections at `nowMs`, or undefined when it accepts them. */
  private refusal(deployment: DeploymentRecord, nowMs: number): string | undefined {
    if (this.unreachable.has(deployment.id)) return 'made unreachable';
    for (const job of this.world.jobs) {
      if (job.deliveryType === 'download' || job.createdMs > nowMs) continue;
      if (job.targetGroupId !== deployment.groupId || job.targetClusterName !== deployment.name) continue;
      const phase = restoreJobPhase(job, nowMs);
      if (phase.state === 'running') return `restore job ${job.id} is restoring into it`;
      if (
        phase.state === 'finished' &&
        phase.endMs !== undefined &&
        nowMs < phase.endMs + this.targetWarmupMs
      )
        return `warming up after restore job ${job.id}`;
    }
    return undefined;
  }

  /** A new connection to the deployment: accepted only when it is up and its server holds the model now. */
  private async admit(deploymentId: string): Promise<boolean> {
    if (this.closed) return false;
    await this.reconciling;
    const entry = this.entries.get(deploymentId);
    const deployment = this.world.deploymentById(deploymentId);
    if (!entry || !deployment || this.refusal(deployment, this.core.now())) return false;
    try {
      await this.sync(entry, true);
    } catch {
      return false;
    }
    const now = this.core.now();
    if (this.refusal(deployment, now)) return false;
    return entry.materialized?.signature === signatureOf(contentAt(this.world, deployment, now));
  }

  private async syncAll(full: boolean): Promise<void> {
    await this.reconciling;
    const now = this.core.now();
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        const deployment = this.world.deploymentById(entry.deploymentId);
        const refused = deployment !== undefined && this.refusal(deployment, now) !== undefined;
        // Going down cuts the connections that were open, as a restore's restart does.
        if (refused && !entry.refused) entry.gate.dropAll();
        entry.refused = refused;
        await this.sync(entry, full);
      }),
    );
  }

  private tick(): void {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    // A failure is kept in the entry's lastError (state dump) and retried on the next tick.
    this.syncAll(true)
      .catch(() => undefined)
      .finally(() => {
        this.ticking = false;
      });
  }

  /** The world was replaced (seed or reset): servers follow its deployments; a reset makes all reachable. */
  worldReplaced(reset: boolean): void {
    if (reset) this.unreachable.clear();
    this.reconciling = this.reconciling.then(() => this.reconcile()).catch(() => undefined);
  }

  clockAdvanced(): void {
    this.syncAll(true).catch(() => undefined);
  }

  /** Before the API answers: every restore finished by now is in its target's server. */
  async beforeApiRequest(): Promise<void> {
    await this.reconciling;
    await Promise.all([...this.entries.values()].map((entry) => this.sync(entry, false)));
  }

  /** Every server in step with the model at simulated now. */
  async settle(): Promise<void> {
    await this.syncAll(true);
  }

  /** `mongodb://127.0.0.1:<gate>/?authSource=admin`, once the deployment's server is up. */
  connectionString(deploymentId: string): string | undefined {
    const entry = this.entries.get(deploymentId);
    return entry ? `mongodb://127.0.0.1:${entry.gate.port}/?authSource=admin` : undefined;
  }

  async connectionStringOf(deploymentId: string): Promise<string | undefined> {
    await this.reconciling;
    return this.connectionString(deploymentId);
  }

  setReachable(deploymentId: string, reachable: boolean): void {
    if (reachable) {
      this.unreachable.delete(deploymentId);
      return;
    }
    this.unreachable.add(deploymentId);
    this.entries.get(deploymentId)?.gate.dropAll();
  }

  describe(deployment: DeploymentRecord, nowMs: number): DeploymentDataState | undefined {
    const entry = this.entries.get(deployment.id);
    if (!entry) return undefined;
    const refusing = this.refusal(deployment, nowMs);
    return {
      connectionString: this.connectionString(deployment.id)!,
      reachable: !this.unreachable.has(deployment.id),
      ...(refusing ? { refusing } : {}),
      documents: Object.fromEntries(entry.materialized?.documents ?? []),
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
    };
  }

  /** Stops every server and removes their state folders. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.reconciling;
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        await entry.queue;
        await entry.gate.close();
        await entry.backend.stop();
      }),
    );
    this.entries.clear();
    rmSync(this.root, { recursive: true, force: true });
    openRoots.delete(this.root);
  }
}
