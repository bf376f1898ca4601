import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { ensureTemporalCli } from '../../src/dev/temporal-tools';
import { runCli, workflowBundleFile } from './run-cli';

// The demo as CI runs it: its own headless dev server (from the cached Temporal CLI), the simulator and a
// worker in one process, one restore, then everything shut down; the process must exit by itself.
describe('atlas-restore demo --fast', () => {
  let env: NodeJS.ProcessEnv;
  before(async () => {
    env = { TEMPORAL_CLI_PATH: await ensureTemporalCli(), WORKFLOW_BUNDLE_PATH: await workflowBundleFile() };
  });

  const expected = {
    serverless: { target: 'orders-serverless-restore', enablesBackup: true },
    cluster: { target: 'orders-cluster-restore', enablesBackup: true },
    // Flex has no continuous backup: nothing to turn on.
    flex: { target: 'orders-flex-restore', enablesBackup: false },
  };
  for (const kind of ['serverless', 'cluster', 'flex'] as const) {
    it(`restores the default seed's ${kind} end to end and exits 0`, async () => {
      const started = Date.now();
      const run = await runCli(
        ['demo', '--fast', '--json', ...(kind === 'serverless' ? [] : ['--kind', kind])],
        {
          env,
          timeoutMs: 90_000,
        },
      );
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const outcome = JSON.parse(run.lines.at(-1)!) as {
        outcome: string;
        workflowId: string;
        webUi: string | null;
        result: {
          restoreJobId: string;
          continuousBackup: { changed: boolean };
          restoreJob: { target?: { name: string } };
        };
      };
      assert.equal(outcome.outcome, 'finished');
      assert.match(outcome.workflowId, /^restore\/orders-[a-z-]+-restore\/[0-9a-f]{24}$/);
      assert.match(outcome.result.restoreJobId, /^[0-9a-f]{24}$/);
      assert.equal(
        outcome.result.continuousBackup.changed,
        expected[kind].enablesBackup,
        'the seed has continuous backup off: the demo enables it where the kind has it',
      );
      assert.equal(outcome.result.restoreJob.target?.name, expected[kind].target);
      assert.equal(outcome.webUi, null, '--fast is headless');
      assert.match(run.stderr, /starting a Temporal dev server \(headless\)/);
      assert.match(run.stderr, /restoring · job [0-9a-f]{24}/, 'live progress');
      assert.ok(Date.now() - started < 60_000, `demo took ${Date.now() - started} ms`);
    });
  }

  it('rejects an unknown kind before starting anything', async () => {
    const run = await runCli(['demo', '--kind', 'dedicated'], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--kind must be one of serverless, cluster/);
  });
});
