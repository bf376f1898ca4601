/**
 * `npm run bench [name...] [--flag=value...]`: runs the named benchmarks (default: all) against ONE Temporal
 * dev server started here, prints a table per benchmark and writes its JSON to bench/results/.
 *
 *   npm run bench                      polling, failover, throughput, scale and drill at full size
 *   npm run bench -- polling --runs=3  one benchmark, fewer runs
 *   npm run bench -- --quick           every benchmark at a small size (a smoke run, minutes not tens of minutes)
 *
 * Flags each benchmark reads are listed in its file; unknown flags are an error so a typo is not ignored.
 */
import { createBenchContext } from './lib/context';
import { writeReport } from './lib/report';
import { BenchFlags, type Benchmark } from './lib/benchmark';
import { pollingBenchmark } from './polling';
import { throughputBenchmark } from './throughput';
import { scaleBenchmark } from './scale';
import { failoverBenchmark } from './failover';
import { drillBenchmark } from './drill';

const BENCHMARKS: Benchmark[] = [
  pollingBenchmark,
  failoverBenchmark,
  throughputBenchmark,
  scaleBenchmark,
  drillBenchmark,
];

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const names = args.filter((arg) => !arg.startsWith('--'));
  const flags = new BenchFlags(args.filter((arg) => arg.startsWith('--')));
  const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  const allowed = new Set(['quick', ...selected.flatMap((b) => b.flags)]);
  const stray = flags.names().filter((name) => !allowed.has(name));
  if (stray.length > 0) {
    console.error(
      `unknown flag ${stray.map((n) => `--${n}`).join(', ')}; allowed: ${[...allowed].map((n) => `--${n}`).join(' ')}`,
    );
    return 2;
  }

  const context = await createBenchContext();
  console.log(`Temporal dev server ${context.server.address} (${context.versions.temporalCli})`);
  console.log(
    `${context.machine.cpuModel}, ${context.machine.cores} cores, ${context.machine.memoryGiB} GiB, node ${context.versions.node}, SDK ${context.versions.temporalSdk}`,
  );
  if (!context.metricsUrl)
    console.log('dev server metrics endpoint not found: billable actions are counted from history only');
  let failed = false;
  try {
    for (const benchmark of selected) {
      const startedAt = new Date();
      console.log(`\n== ${benchmark.name}: ${benchmark.description}`);
      try {
        const outcome = await benchmark.run(context, flags);
        for (const table of outcome.tables) console.log(`\n${table}`);
        for (const note of outcome.notes ?? []) console.log(note);
        const file = writeReport({
          benchmark: benchmark.name,
          startedAt: startedAt.toISOString(),
          wallSeconds: (Date.now() - startedAt.getTime()) / 1000,
          machine: context.machine,
          versions: context.versions,
          settings: outcome.settings,
          results: outcome.results,
        });
        console.log(`\nwrote ${file}`);
        if (outcome.ok === false) failed = true;
      } catch (error) {
        failed = true;
        console.error(`${benchmark.name} failed:`, error);
      }
    }
  } finally {
    await context.close();
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
