/**
 * Throughput: N restores whose Atlas jobs finish the moment they are created, started at once through the
 * restore client, against N bare workflows that run the same number of no-op activities, on the same dev
 * server and the same kind of in-process worker, in rounds whose order rotates. Flags:
 *   --n=N         restores (and bare workflows) per side and round; default 500, 50 with --quick
 *   --auth=A,B    how the restores' Atlas client signs in: digest (API key), service-account, or both (default)
 *   --rounds=R    rounds of every side; the figures are medians over them; default 3, 1 with --quick
 *
 * Restores/s is end to end: from the first start call to the last workflow's close time on the server.
 */
import { randomUUID } from 'node:crypto';
import { createRestoreClient } from '../src/client';
import type { Benchmark, BenchFlags } from './lib/benchmark';
import type { BenchContext } from './lib/context';
import { countHistory, fetchChain } from './lib/history';
import { formatTable, percentile, ratio } from './lib/report';
import { diffActions, totalActions, type ActionCounts } from './lib/server-metrics';
import { benchSeed, restorePairs, startBenchSimulator, withWorker, type BenchAuth } from './lib/stack';
import { inBatches, waitForQueueDrained } from './lib/batch';

/** Restores per project: Atlas limits per project, and a fleet spreads over projects. */
const RESTORES_PER_PROJECT = 10;
/** Start calls in flight at once (a client starting a batch, not a thundering herd of sockets). */
const START_CONCURRENCY = 50;

/** Far beyond any healthy run; a stuck workflow fails the benchmark instead of hanging it. */
const DRAIN_TIMEOUT_MS = 15 * 60_000;

/** Same worker settings for both sides, so the ratio is about the work, not the tuning. */
const WORKER_OPTIONS = { maxConcurrentActivityTaskExecutions: 200, maxConcurrentWorkflowTaskExecutions: 40 };

interface SideResult {
  workflows: number;
  completed: number;
  notCompleted: number;
  seconds: number;
  perSecond: number;
  activitiesPerWorkflow: number;
  localActivitiesPerWorkflow: number;
  historyEventsPerWorkflow: number;
  actions?: ActionCounts;
  actionsPerWorkflow?: number;
  /** CPU ms per workflow of this process (worker, simulator, client) and of the dev server. */
  cpuMsEach: { thisProcess: number; server?: number };
}

function cpuMsEach(
  before: ReturnType<BenchContext['cpu']>,
  after: ReturnType<BenchContext['cpu']>,
  n: number,
): SideResult['cpuMsEach'] {
  const thisProcess = ((after.thisProcess - before.thisProcess) * 1000) / n;
  return before.server !== undefined && after.server !== undefined
    ? { thisProcess, server: ((after.server - before.server) * 1000) / n }
    : { thisProcess };
}

/** CPU ms per workflow of both processes, or of this one alone where the server's cannot be read. */
function cpuTotal(side: SideResult): number {
  return side.cpuMsEach.thisProcess + (side.cpuMsEach.server ?? 0);
}

/**
 * One side: start its n workflows (returning one of them, whose history is sampled), wait until the queue
 * has drained, and measure time to the last close, CPU and Actions over that span.
 */
async function measureSide(
  context: BenchContext,
  taskQueue: string,
  n: number,
  label: string,
  startAll: () => Promise<{ workflowId: string; runId: string }>,
): Promise<SideResult> {
  const before = await context.actions();
  const cpuBefore = context.cpu();
  const t0 = Date.now();
  console.log(`  ${label}...`);
  const sampled = await startAll();
  console.log(`    all started after ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  const drained = await waitForQueueDrained(context.client, taskQueue, n, DRAIN_TIMEOUT_MS);
  const cpuAfter = context.cpu();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = await context.actions();
  const sample = countHistory(await fetchChain(context.client, sampled.workflowId, sampled.runId));
  const seconds = (drained.lastCloseMs - t0) / 1000;
  const actions = before && after ? diffActions(after, before) : undefined;
  return {
    workflows: n,
    completed: drained.completed,
    notCompleted: drained.other,
    seconds,
    perSecond: n / seconds,
    activitiesPerWorkflow: sample.activitiesScheduled,
    localActivitiesPerWorkflow: sample.localActivities,
    historyEventsPerWorkflow: sample.events,
    cpuMsEach: cpuMsEach(cpuBefore, cpuAfter, n),
    ...(actions ? { actions, actionsPerWorkflow: totalActions(actions) / n } : {}),
  };
}

const AUTH_LABELS: Record<BenchAuth, string> = {
  digest: 'API key (HTTP Digest: a challenge leg per call)',
  'service-account': 'service account (one bearer token, one leg per call)',
};

type SideName = BenchAuth | 'bare';

/** One side's run in one round, on a simulator of its own (a reused one would let restores adopt old jobs). */
interface SideRun {
  side: SideResult;
  jobs: number;
  httpPerRestore: number;
  challengesPerRestore: number;
  byRouteAndStatus: unknown;
}

function parseAuths(flag: string | undefined): BenchAuth[] {
  if (flag === undefined) return ['digest', 'service-account'];
  const auths = flag.split(',');
  for (const auth of auths) {
    if (!(auth in AUTH_LABELS))
      throw new Error(`--auth must be digest, service-account or both separated by a comma, got "${flag}"`);
  }
  return auths as BenchAuth[];
}

/** The median as a value a round actually gave (nearest rank: the lower middle for an even count). */
function median(values: number[]): number {
  return percentile(values, 50)!;
}

export const throughputBenchmark: Benchmark = {
  name: 'throughput',
  description: 'restores per second end to end vs bare workflows running the same number of no-op activities',
  flags: ['n', 'auth', 'rounds'],
  async run(context: BenchContext, flags: BenchFlags) {
    const n = Math.round(flags.number('n', 500, 50));
    const rounds = Math.round(flags.number('rounds', 3, 1));
    const auths = parseAuths(flags.text('auth'));
    const projects = Math.ceil(n / RESTORES_PER_PROJECT);
    // The bare side runs as many activities as the last restore run did (restores open the first round).
    let restoreCounts: { activities: number; localActivities: number } | undefined;

    async function runSide(name: SideName): Promise<SideRun> {
      const bench = await startBenchSimulator(
        { timeScale: 1, restoreJobDurationMs: 0, seed: benchSeed(projects, RESTORES_PER_PROJECT) },
        name === 'bare' ? 'digest' : name,
      );
      try {
        const queue = `bench-throughput-${name === 'bare' ? 'bare' : 'restore'}-${randomUUID().slice(0, 8)}`;
        const worker = {
          taskQueue: queue,
          bundle: name === 'bare' ? ('reference' as const) : ('production' as const),
          api: bench.api,
          workerOptions: WORKER_OPTIONS,
        };
        const side = await withWorker(context, worker, () => {
          if (name === 'bare') {
            if (!restoreCounts)
              throw new Error('the bare side runs after a restore run, whose counts it copies');
            const { activities, localActivities } = restoreCounts;
            return measureSide(
              context,
              queue,
              n,
              `${n} bare workflows of ${localActivities} local + ${activities} no-op activities`,
              async () => {
                const handles = await inBatches(
                  Array.from({ length: n }, (_, i) => i),
                  START_CONCURRENCY,
                  (i) =>
                    context.client.workflow.start('noopActivities', {
                      taskQueue: queue,
                      workflowId: `${queue}-${i}`,
                      args: [activities, localActivities],
                    }),
                );
                return { workflowId: handles[0]!.workflowId, runId: handles[0]!.firstExecutionRunId };
              },
            );
          }
          const restores = createRestoreClient({ client: context.client, taskQueue: queue });
          const pairs = restorePairs(bench.sim, n);
          return measureSide(context, queue, n, `${n} restores, ${AUTH_LABELS[name]}`, async () => {
            const started = await inBatches(pairs, START_CONCURRENCY, (pair) =>
              restores.startRestore({
                source: pair.source,
                snapshot: { snapshotId: pair.snapshotId },
                target: pair.target,
                polling: { initialInterval: '1s', maxInterval: '5s' },
              }),
            );
            return { workflowId: started[0]!.workflowId, runId: started[0]!.runId };
          });
        });
        if (name !== 'bare') {
          restoreCounts = {
            activities: side.activitiesPerWorkflow,
            localActivities: side.localActivitiesPerWorkflow,
          };
        }
        // Every HTTP request the restores made, Digest challenges (401) and token requests included: the
        // simulator shares the machine, so each one is CPU the bare side does not spend.
        const counts = bench.sim.control.requests().counts;
        return {
          side,
          jobs: bench.sim.control.state().restoreJobs.length,
          httpPerRestore: counts.total / n,
          challengesPerRestore: (counts.byStatus['401'] ?? 0) / n,
          byRouteAndStatus: counts.byRouteAndStatus,
        };
      } finally {
        await bench.close();
      }
    }

    // The dev server's CPU per workflow grows with what it holds, so the order rotates each round: no side
    // always meets the fullest server.
    const names: SideName[] = [...auths, 'bare'];
    const runs = new Map<SideName, SideRun[]>(names.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      console.log(`  round ${round + 1} of ${rounds}`);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + round) % names.length]!;
        runs.get(name)!.push(await runSide(name));
      }
    }

    const bare = runs.get('bare')!;
    const perAuth = auths.map((auth) => {
      const sides = runs.get(auth)!;
      // Each round's ratio compares runs a few seconds apart; the median drops a round a neighbour disturbed.
      const ratios = sides.map((run, i) => ratio(run.side.perSecond, bare[i]!.side.perSecond)!);
      const cpuRatios = sides.map((run, i) => cpuTotal(bare[i]!.side) / cpuTotal(run.side));
      return { auth, sides, ratios, cpuRatios, ratio: median(ratios), cpuRatio: median(cpuRatios) };
    });

    const medianOf = (sides: SideRun[], pick: (side: SideResult) => number | undefined) => {
      const values = sides.map((run) => pick(run.side)).filter((v): v is number => v !== undefined);
      return values.length > 0 ? median(values) : undefined;
    };
    const row = (label: string, sides: SideRun[]) => [
      label,
      sides.reduce((sum, run) => sum + run.side.completed, 0),
      medianOf(sides, (side) => side.seconds),
      medianOf(sides, (side) => side.perSecond),
      sides[0]!.side.activitiesPerWorkflow,
      sides[0]!.side.localActivitiesPerWorkflow,
      sides[0]!.side.historyEventsPerWorkflow,
      medianOf(sides, (side) => side.actionsPerWorkflow),
      medianOf(sides, (side) => side.cpuMsEach.thisProcess),
      medianOf(sides, (side) => side.cpuMsEach.server),
    ];
    const table = formatTable(
      `Throughput, ${n} workflows started at once (jobs finish immediately), one in-process worker; medians of ${rounds} round${rounds === 1 ? '' : 's'}`,
      [
        'workload',
        'completed',
        'seconds',
        'per second',
        'activities each',
        'local each',
        'events each',
        'actions each',
        'CPU ms each: bench process',
        'dev server',
      ],
      [
        ...perAuth.map((a) => row(`restores via the restore client, ${AUTH_LABELS[a.auth]}`, a.sides)),
        row('bare workflows (same numbers of no-op local and regular activities)', bare),
      ],
    );
    const ok =
      bare.every((run) => run.side.completed === n) &&
      perAuth.every((a) => a.sides.every((run) => run.side.completed === n && run.jobs === n));
    const first = perAuth[0]!;
    return {
      settings: {
        n,
        rounds,
        auths,
        restoresPerProject: RESTORES_PER_PROJECT,
        startConcurrency: START_CONCURRENCY,
        worker: WORKER_OPTIONS,
        simulatorTimeScale: 1,
        jobDurationMs: 0,
      },
      results: {
        // The first auth mode's figures (its first round for the per-side detail) keep earlier reports' names.
        restores: first.sides[0]!.side,
        bare: bare[0]!.side,
        ratio: first.ratio,
        cpuRatio: first.cpuRatio,
        atlasRestoreJobs: first.sides[0]!.jobs,
        atlasRequestsPerRestore: first.sides[0]!.httpPerRestore,
        digestChallengesPerRestore: first.sides[0]!.challengesPerRestore,
        atlasRequestsByRoute: first.sides[0]!.byRouteAndStatus,
        byAuth: Object.fromEntries(perAuth.map((a) => [a.auth, a])),
        bareRounds: bare,
      },
      tables: [table],
      notes: perAuth.flatMap((a) => [
        `${AUTH_LABELS[a.auth]}: restores/s ÷ bare workflows/s = ${a.ratio.toFixed(2)} (goal ≥ 0.8; rounds ${a.ratios.map((r) => r.toFixed(2)).join(', ')}); CPU per workflow, bench process + dev server, bare ÷ restores = ${a.cpuRatio.toFixed(2)} (rounds ${a.cpuRatios.map((r) => r.toFixed(2)).join(', ')})`,
        `  Atlas restore jobs created: ${a.sides.map((run) => run.jobs).join(', ')} for ${n} restores a round; Atlas HTTP requests per restore: ${a.sides[0]!.httpPerRestore.toFixed(1)}, of which Digest challenges (401): ${a.sides[0]!.challengesPerRestore.toFixed(1)}`,
      ]),
      ok,
    };
  },
};
