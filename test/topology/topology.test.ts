/**
 * The orchestrator on a production-shaped Temporal: PostgreSQL (a private cluster), the server's four
 * services as separate processes, three `atlas-restore worker` processes on one task queue, and a few
 * hundred restores of every kind through the simulator's `flaky` Atlas. While they run a worker and the
 * history service are killed -9 (and restarted), PostgreSQL is restarted (fast shutdown), and the workers
 * are rolled one by one to a build whose workflow code changed behind a `patched()` guard. Every restore must end with an
 * explained outcome, none lost, and no restore may have created a second Atlas job. It also prints
 * restores/s with one and with three workers on the same cluster (no timed assertion: the machine is
 * shared). `npm run test:topology`; TOPOLOGY_RESTORES scales the main run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  createRestoreClient,
  type RestoreClient,
  type RestoreOutcome,
  type StartedRestore,
} from '../../src/client';
import { DEFAULT_TASK_QUEUE } from '../../src/common/contract';
import { startTemporalCluster, type TemporalCluster } from '../../src/dev/temporal-cluster';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { runCli } from '../cli/run-cli';
import { quietRuntime } from '../reliability/support';
import { inBatches } from '../../bench/lib/batch';
import {
  bundleFile,
  duplicateJobs,
  Fleet,
  KINDS,
  printTopology,
  requestFor,
  topologyWorld,
  type Slot,
} from './support';
import { topologyWorkerEnv } from './worker-env';
import { TOPOLOGY_UPGRADE_PATCH, UPGRADED_BUILD_MEMO } from './workflows/upgraded';

const RESTORES = Math.max(30, Number(process.env.TOPOLOGY_RESTORES ?? 240));
const THROUGHPUT_RESTORES = Math.max(20, Math.round(RESTORES / 2));
/** Unmeasured restores first, so JIT, bundle loading and connections are warm in each measurement. */
const WARM_UP = 6;
/** Rounds of (one worker, three workers), one after the other. */
const THROUGHPUT_ROUNDS = 2;
const PER_PROJECT = 8;
const START_SPREAD_MS = 60_000;
/** Fleet-wide Atlas budget per project; each of the three workers gets a third (README, "Running in production"). */
const FLEET_BUDGET_RPS = 9;
const WORKERS = 3;
/** The production default, as compose's worker uses: the cluster is this file's own. */
const TASK_QUEUE = DEFAULT_TASK_QUEUE;

let cluster: TemporalCluster;
let connection: Connection;
let client: Client;
let restores: RestoreClient;
let fleet: Fleet;
const bundles: { current: string; upgraded: string } = { current: '', upgraded: '' };
const sims: RunningSimulator[] = [];
/** A restore begun on the previous build and finished on the upgraded one (set by the disruption run). */
let previousBuildRestore: string | undefined;
/** Restores of every test so far that finished: `atlas-restore list` must find each of them. */
let finishedSoFar = 0;

before(async () => {
  quietRuntime();
  const started = Date.now();
  cluster = await startTemporalCluster();
  printTopology('cluster', {
    server: cluster.tools.version,
    persistence: `postgresql ${cluster.tools.postgresVersion}`,
    services: 'frontend,history,matching,worker',
    readyInSeconds: ((Date.now() - started) / 1000).toFixed(1),
  });
  connection = await Connection.connect({ address: cluster.address });
  client = new Client({ connection, namespace: cluster.namespace });
  restores = createRestoreClient({ client, taskQueue: TASK_QUEUE });
  const workflows = path.join(__dirname, 'workflows');
  [bundles.current, bundles.upgraded] = await Promise.all([
    bundleFile(require.resolve('../../src/workflows'), 'current'),
    bundleFile(path.join(workflows, 'upgraded.ts'), 'upgraded'),
  ]);
});

after(async () => {
  await fleet?.stopAll();
  for (const sim of sims) await sim.close();
  await connection?.close();
  await cluster?.stop();
  for (const file of [bundles.current, bundles.upgraded])
    if (file) rmSync(path.dirname(file), { recursive: true, force: true });
});

function workerEnv(sim: RunningSimulator): Record<string, string> {
  return topologyWorkerEnv({
    address: cluster.address,
    namespace: cluster.namespace,
    taskQueue: TASK_QUEUE,
    atlasUrl: sim.url,
    publicKey: sim.credentials.publicKey,
    privateKey: sim.credentials.privateKey,
    budgetRps: FLEET_BUDGET_RPS / WORKERS,
    budgetBurst: 6,
  });
}

async function startAll(slots: Slot[], concurrency: number): Promise<StartedRestore[]> {
  return inBatches(slots, concurrency, (slot) => restores.startRestore(requestFor(slot)));
}

async function outcomesOf(started: StartedRestore[], timeoutMs: number): Promise<(RestoreOutcome | Error)[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  setMaxListeners(0, signal);
  return Promise.all(
    started.map((s) =>
      restores
        .waitForRestore(s.workflowId, { signal })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    ),
  );
}

/** Starts `slots` at once and waits for all of them: restores per second from the first start to the last close. */
interface Measurement {
  /** Restores per second from the first start to the last close. */
  perSecond: number;
  /** The same up to the close of 90 % of them: one straggler (a retried task) weighs less here. */
  perSecond90: number;
  seconds: number;
  /** Seconds from the batch's first start to its slowest restore's close, minus the 90 % mark. */
  tailSeconds: number;
  finished: number;
  load: string;
}

/** Starts `slots` at once and waits for all of them. */
async function measure(slots: Slot[]): Promise<Measurement> {
  const t0 = Date.now();
  const started = await startAll(slots, 20);
  const closedAt: number[] = [];
  const signal = AbortSignal.timeout(10 * 60_000);
  setMaxListeners(0, signal);
  const outcomes = await Promise.all(
    started.map((s) =>
      restores.waitForRestore(s.workflowId, { signal }).then(
        (o) => (closedAt.push(Date.now()), o),
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
    ),
  );
  const seconds = (Date.now() - t0) / 1000;
  closedAt.sort((a, b) => a - b);
  const at90 = ((closedAt[Math.max(0, Math.ceil(closedAt.length * 0.9) - 1)] ?? Date.now()) - t0) / 1000;
  const finished = outcomes.filter((o) => !(o instanceof Error) && o.outcome === 'finished').length;
  finishedSoFar += finished;
  return {
    perSecond: slots.length / seconds,
    perSecond90: Math.ceil(slots.length * 0.9) / at90,
    seconds,
    tailSeconds: seconds - at90,
    finished,
    // The 1-minute load average at the end: other work on the machine shows here.
    load: os.loadavg()[0]!.toFixed(1),
  };
}

test(
  `restores/s with one and with ${WORKERS} workers on the same cluster`,
  { timeout: 20 * 60_000 },
  async () => {
    // Short jobs (1 simulated minute = 1 s), no faults and no API budget: what is measured is the
    // orchestration (workers, Temporal, PostgreSQL), not Atlas. One worker and three in turn, twice
    // (A B A B), so a change in the machine's other load does not all fall on one side.
    const perRound = Math.round(THROUGHPUT_RESTORES / THROUGHPUT_ROUNDS);
    const { seed, slots } = topologyWorld(THROUGHPUT_ROUNDS * 2 * (perRound + WARM_UP), 4);
    const sim = await startSimulator({
      seed,
      timeScale: 60,
      restoreJobDurationMs: 60_000,
      updateDurationMs: 60_000,
    });
    sims.push(sim);
    fleet = new Fleet(client, cluster.namespace, TASK_QUEUE, {
      ...workerEnv(sim),
      ATLAS_API_BUDGET_RPS: '0',
    });
    let next = 0;
    const take = (n: number) => slots.slice(next, (next += n));
    const runs: Record<'one' | 'three', Measurement[]> = { one: [], three: [] };
    await fleet.add('w1', 'current', bundles.current);
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      await Promise.all(fleet.members.filter((m) => m.name !== 'w1').map((m) => fleet.stop(m.name)));
      await measure(take(WARM_UP));
      runs.one.push(await measure(take(perRound)));
      for (let i = 2; i <= WORKERS; i++) await fleet.add(`w${i}`, 'current', bundles.current);
      await measure(take(WARM_UP));
      runs.three.push(await measure(take(perRound)));
    }
    await fleet.stopAll();
    const rate = (list: Measurement[]) =>
      list.reduce((a, r) => a + r.finished, 0) / list.reduce((a, r) => a + r.seconds, 0);
    const rate90 = (list: Measurement[]) => list.reduce((a, r) => a + r.perSecond90, 0) / list.length;
    const one = rate(runs.one);
    const three = rate(runs.three);
    printTopology('throughput', {
      restores: perRound * THROUGHPUT_ROUNDS,
      oneWorkerPerSecond: one.toFixed(2),
      threeWorkersPerSecond: three.toFixed(2),
      ratio: (three / one).toFixed(2),
      ratioTo90Percent: (rate90(runs.three) / rate90(runs.one)).toFixed(2),
      rounds: runs.one
        .map((r, i) => `${r.perSecond.toFixed(2)}/${runs.three[i]!.perSecond.toFixed(2)}`)
        .join(','),
      tailSeconds: runs.one
        .map((r, i) => `${r.tailSeconds.toFixed(1)}/${runs.three[i]!.tailSeconds.toFixed(1)}`)
        .join(','),
      load1m: runs.one.map((r, i) => `${r.load}/${runs.three[i]!.load}`).join(','),
      cores: os.cpus().length,
    });
    for (const [name, list] of Object.entries(runs))
      for (const r of list)
        assert.equal(r.finished, perRound, `every restore with ${name} worker(s) finished`);
    const { duplicates } = duplicateJobs(sim);
    assert.equal(duplicates, 0, 'no second Atlas job');
  },
);

test(
  `${RESTORES} restores through flaky Atlas survive kill -9 of a worker and of history, a PostgreSQL restart and a rolling upgrade`,
  { timeout: 30 * 60_000 },
  async () => {
    const { seed, slots } = topologyWorld(RESTORES, PER_PROJECT);
    // 60x: a job runs 20 real seconds, a backup change keeps the deployment UPDATING for 2.
    const sim = await startSimulator({
      seed,
      timeScale: 60,
      restoreJobDurationMs: 20 * 60_000,
      updateDurationMs: 2 * 60_000,
      faults: 'flaky',
    });
    sims.push(sim);
    fleet = new Fleet(client, cluster.namespace, TASK_QUEUE, workerEnv(sim));
    for (let i = 1; i <= WORKERS; i++) await fleet.add(`w${i}`, 'current', bundles.current);

    const t0 = Date.now();
    const started: StartedRestore[] = [];
    // Starts spread over START_SPREAD_MS, so every disruption lands on restores in every phase and the
    // last ones start on the upgraded build only.
    const starting = (async () => {
      for (let i = 0; i < slots.length; i += 6) {
        started.push(...(await startAll(slots.slice(i, i + 6), 6)));
        await sleep(Math.max(0, START_SPREAD_MS / (slots.length / 6) - 50));
      }
    })();

    const events: string[] = [];
    const at = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    const until = (seconds: number) => sleep(Math.max(0, t0 + seconds * 1000 - Date.now()));
    await until(8);
    await fleet.kill9AndRestart('w1', bundles.current, 2_000);
    events.push(`${at()}: worker w1 killed -9 and restarted (${started.length} started)`);
    await until(16);
    const historyDown = await cluster.restartService('history', 'SIGKILL');
    events.push(
      `${at()}: history killed -9 and restarted, down ${(historyDown / 1000).toFixed(1)} s (${started.length} started)`,
    );
    await until(24);
    const pgDown = await cluster.restartPostgres();
    events.push(
      `${at()}: PostgreSQL restarted, down ${(pgDown / 1000).toFixed(1)} s (${started.length} started)`,
    );
    await until(32);
    // Rolling upgrade, one worker at a time, restores in flight and still starting: the upgraded worker
    // joins, then the one it replaces stops gracefully (its waits hand back at once).
    const inFlight = new Set<string>();
    for await (const info of client.workflow.list({
      query: `TaskQueue = '${TASK_QUEUE}' AND ExecutionStatus = 'Running'`,
    }))
      inFlight.add(info.workflowId);
    const rollStart = Date.now();
    const startedBeforeUpgrade = started.length;
    const retiring: Promise<number>[] = [];
    for (let i = 1; i <= WORKERS; i++)
      retiring.push((await fleet.surge(`w${i}`, 'upgraded', bundles.upgraded)).stopped);
    const rolledIn = Date.now() - rollStart;
    const stopTimes = await Promise.all(retiring);
    events.push(
      `${at()}: workers rolled to the upgraded build, ${inFlight.size} restores in flight; the three joined in ${(rolledIn / 1000).toFixed(1)} s, the old ones stopped in ${stopTimes.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s`,
    );
    await starting;

    const outcomes = await outcomesOf(started, 15 * 60_000);
    const seconds = (Date.now() - t0) / 1000;

    const lost = outcomes.filter((o) => o instanceof Error).map((o) => (o as Error).message);
    const byOutcome: Record<string, number> = {};
    const unexplained: string[] = [];
    const notFinished: string[] = [];
    outcomes.forEach((o, i) => {
      if (o instanceof Error) return;
      byOutcome[o.outcome] = (byOutcome[o.outcome] ?? 0) + 1;
      if (o.outcome === 'finished') return;
      const message = 'message' in o ? String(o.message ?? '') : '';
      notFinished.push(`${started[i]!.workflowId}: ${o.outcome}: ${message}`);
      if (o.outcome === 'terminated' || o.outcome === 'timed_out' || message.trim() === '')
        unexplained.push(`${started[i]!.workflowId}: ${o.outcome} ${message}`);
    });
    finishedSoFar += byOutcome.finished ?? 0;
    const { jobs, duplicates } = duplicateJobs(sim);
    const faults = Object.values(sim.control.requests().counts.byFault).reduce((a, b) => a + b, 0);

    // The upgrade: restores in flight at the roll went on on the upgraded build without a determinism error.
    let upgradedTasks = 0;
    let inFlightFinishedOnUpgraded = 0;
    let nondeterminism = 0;
    let workflowTaskFailures = 0;
    let begunOnUpgraded = 0;
    const patchMissing: string[] = [];
    const patchOnOldRestore: string[] = [];
    for (const s of started) {
      const history = await client.workflow.getHandle(s.workflowId).fetchHistory();
      let onUpgraded = false;
      let firstBuild: string | undefined;
      for (const event of history.events ?? []) {
        const completed = event.workflowTaskCompletedEventAttributes;
        if (completed) firstBuild ??= fleet.buildOf(completed.identity);
        if (completed && fleet.buildOf(completed.identity) === 'upgraded') {
          upgradedTasks += 1;
          onUpgraded = true;
        }
        const failed = event.workflowTaskFailedEventAttributes;
        if (failed) {
          workflowTaskFailures += 1;
          if (/nondetermin/i.test(failed.failure?.message ?? '')) nondeterminism += 1;
        }
      }
      // patched(): true for a restore begun on the upgraded build, false on replay of one begun before.
      if (firstBuild !== undefined) {
        const memo = (await client.workflow.getHandle(s.workflowId).describe()).memo ?? {};
        const took = memo[UPGRADED_BUILD_MEMO] === 'upgraded';
        if (firstBuild === 'upgraded') {
          begunOnUpgraded += 1;
          if (!took) patchMissing.push(s.workflowId);
        } else if (took) patchOnOldRestore.push(s.workflowId);
      }
      if (inFlight.has(s.workflowId) && firstBuild === 'current' && onUpgraded) {
        inFlightFinishedOnUpgraded += 1;
        previousBuildRestore ??= s.workflowId;
      }
    }

    // Visibility on PostgreSQL: `atlas-restore list` finds the finished restores of each kind.
    const listed: Record<string, number> = {};
    for (const kind of KINDS) {
      const cli = await runCli(
        ['list', '--kind', kind, '--outcome', 'finished', '--json', '--limit', '1000'],
        {
          env: { TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace },
          timeoutMs: 120_000,
        },
      );
      assert.equal(cli.code, 0, `atlas-restore list --kind ${kind}: ${cli.stderr}`);
      const rows = JSON.parse(cli.stdout) as unknown[];
      listed[kind] = rows.length;
    }

    printTopology('disruptions', {
      restores: RESTORES,
      kinds: KINDS.join(','),
      faults,
      duplicates,
      lost: lost.length,
      unexplained: unexplained.length,
      atlasJobs: jobs,
      outcomes: JSON.stringify(byOutcome),
      seconds: seconds.toFixed(0),
      startedBeforeUpgrade,
      inFlightAtUpgrade: inFlight.size,
      inFlightContinuedOnUpgraded: inFlightFinishedOnUpgraded,
      upgradedWorkflowTasks: upgradedTasks,
      begunOnUpgraded,
      workflowTaskFailures,
      nondeterminism,
      listedFinished: JSON.stringify(listed),
    });
    for (const event of events) console.log(`[topology]   ${event}`);
    for (const line of notFinished) console.log(`[topology]   not finished: ${line}`);

    const leaks = fleet.everyProcess.filter((w) => w.output().includes(sim.credentials.privateKey)).length;
    assert.equal(leaks, 0, 'no worker printed the Atlas private key');
    assert.deepEqual(lost, [], 'no restore lost');
    assert.deepEqual(unexplained, [], 'every restore that did not finish says why');
    // Nobody cancels a restore here: an activity cut short by a worker's shutdown must not read as one.
    assert.equal(byOutcome.cancelled ?? 0, 0, `no restore reads as cancelled:\n${notFinished.join('\n')}`);
    assert.equal(duplicates, 0, 'no restore created a second Atlas job');
    assert.ok(faults > 0, 'the flaky profile injected faults');
    assert.equal(nondeterminism, 0, 'no determinism error across the upgrade');
    assert.ok(inFlight.size > 0, 'restores were in flight at the upgrade');
    assert.ok(
      inFlightFinishedOnUpgraded > 0,
      'restores begun on the previous build carried on on the upgraded one',
    );
    assert.ok(begunOnUpgraded > 0, 'restores started after the roll began on the upgraded build');
    assert.deepEqual(
      patchMissing,
      [],
      `restores begun on the upgraded build took the ${TOPOLOGY_UPGRADE_PATCH} branch`,
    );
    assert.deepEqual(
      patchOnOldRestore,
      [],
      'restores begun on the previous build did not (patched() false on replay)',
    );
    assert.equal(
      Object.values(listed).reduce((a, b) => a + b, 0),
      finishedSoFar,
      'atlas-restore list (SQL visibility) finds every finished restore of the run',
    );
  },
);

test(
  'a history of the previous build replays on the upgraded code, and would not without patched()',
  { timeout: 5 * 60_000 },
  async () => {
    assert.ok(previousBuildRestore, 'the disruption run recorded a restore begun on the previous build');
    const history = await client.workflow.getHandle(previousBuildRestore).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: bundles.upgraded } },
      history,
      previousBuildRestore,
    );
    await assert.rejects(
      Worker.runReplayHistory(
        { workflowsPath: require.resolve('./workflows/unguarded') },
        history,
        previousBuildRestore,
      ),
      /nondetermin/i,
      'the unguarded change breaks replay of the previous build',
    );
    printTopology('upgrade', { replayOnUpgraded: 'ok', replayOnUnguarded: 'determinism error' });
  },
);
