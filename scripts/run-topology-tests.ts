/**
 * `npm run test:topology`: provisions the Temporal server, its SQL tool and PostgreSQL
 * (scripts/temporal-cluster-tools.sh; the first run builds the server, ~4 min on 2 cores, later runs reuse
 * the cache), then runs test/topology/*.test.ts one file at a time with node's test runner. Each file
 * starts its own cluster (PostgreSQL + four Temporal services as processes) and removes it afterwards.
 * Its summary is the last thing printed.
 *
 *   npm run test:topology                        every test/topology/*.test.ts
 *   npm run test:topology -- test/topology/x.test.ts
 *   TOPOLOGY_RESTORES=60 npm run test:topology   a smaller disruption run (default 240)
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureClusterTools } from '../src/dev/temporal-cluster';
import { projectRoot } from '../src/dev/temporal-tools';

const root = projectRoot(__dirname);

async function main(): Promise<number> {
  const targets = process.argv.slice(2);
  const files =
    targets.length > 0
      ? targets
      : readdirSync(path.join(root, 'test', 'topology'))
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => path.join('test', 'topology', f));
  const started = Date.now();
  const tools = await ensureClusterTools();
  console.error(
    `[run-topology-tests] Temporal server ${tools.version}, its SQL tool and PostgreSQL ready in ${Date.now() - started} ms`,
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
    { cwd: root, stdio: 'inherit' },
  );
  return new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('[run-topology-tests]', error);
    process.exit(1);
  },
);
