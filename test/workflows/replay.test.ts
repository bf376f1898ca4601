import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installTestRuntime, workflowBundle } from '../harness';
import { historyFromJson } from './history-json';
import { HISTORIES_DIR } from './support';

/**
 * Replays the histories recorded by the workflow tests (RECORD_HISTORIES=1) against today's workflow code:
 * a change that is not replay-safe (another activity order, a new timer, a different branch for the same
 * events) fails here before it breaks running restores. `histories/v1` holds runs of the first generation
 * (before the `restore-v2` patch) and `histories/v2` the second (request parsed in the sandbox), which
 * must keep replaying as long as such runs may be in flight; `histories/v3` the current one (request
 * checked by a local activity). Re-record only for a deliberate, versioned change.
 */
describe('replaying recorded restore histories', () => {
  for (const generation of ['v1', 'v2', 'v3']) {
    it(`replays every recorded ${generation} history without a determinism error`, async () => {
      installTestRuntime();
      const dir = path.join(HISTORIES_DIR, generation);
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort();
      assert.ok(files.length >= 8, `recorded ${generation} histories present (${files.join(', ')})`);
      const histories = files.map((file) => ({
        workflowId: `${generation}/${path.basename(file, '.json')}`,
        history: historyFromJson(readFileSync(path.join(dir, file), 'utf8')),
      }));
      const replayed: string[] = [];
      for await (const result of Worker.runReplayHistories(
        { workflowBundle: await workflowBundle() },
        histories,
      )) {
        assert.equal(result.error, undefined, `${result.workflowId}: ${String(result.error)}`);
        replayed.push(result.workflowId);
      }
      assert.deepEqual(replayed.sort(), histories.map((h) => h.workflowId).sort());
    });
  }
});
