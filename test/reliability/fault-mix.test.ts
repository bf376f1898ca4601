/**
 * A seeded mix of every Atlas fault the simulator has (5xx, 429 with Retry-After, connection resets,
 * responses slower than the client's timeout, commit-then-drop, malformed JSON) on every route while
 * restores run, some of whose jobs Atlas fails or expires: each restore ends with the outcome its job
 * had, each creates exactly one job, and no request comes before the Retry-After of the 429 it follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBackupApi } from '../../src/atlas/backup-api';
import { createAtlasClient } from '../../src/atlas/client';
import type { AtlasBackupApi } from '../../src/atlas/api';
import { AtlasApiError } from '../../src/atlas/errors';
import { createRestoreClient, type StartedRestore } from '../../src/client';
import { startSimulator, type FaultProfile, type RequestLogEntry } from '../../src/simulator';
import { createRestoreWorker } from '../../src/worker/main';
import { getTestEnv, uniqueTaskQueue, workflowBundle } from '../harness';
import {
  closeAfter,
  duplicateJobs,
  outcomesOf,
  printSummary,
  quietRuntime,
  reliabilitySeed,
  reliabilityWorld,
  restoreRequest,
  scaled,
} from './support';

const RESTORES = scaled(30, 6);
/** Injected 429s carry this Retry-After. */
const RETRY_AFTER_SECONDS = 2;
/** The worker's Atlas client gives up waiting for response headers after this; some responses are slower. */
const CLIENT_TIMEOUT_MS = 2_000;

function faultProfile(seed: number): FaultProfile {
  return {
    seed,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    // Only injected 429s, whose Retry-After is known, so the log can be checked against it.
    rateLimit: false,
    routes: {
      // About 1 response in 11 arrives after the client's timeout (latency up to 2.2 s, timeout 2 s).
      '*': {
        error500: 0.03,
        error503: 0.03,
        reset: 0.03,
        rateLimited: 0.05,
        malformedJson: 0.02,
        latencyJitterMs: 2_200,
      },
      createRestoreJob: { commitThenDrop: 0.3 },
      updateServerless: { commitThenDrop: 0.2 },
    },
  };
}

/** The same API, counting calls that ended in the client's own timeout (the log cannot show those). */
function countingTimeouts(api: AtlasBackupApi, timeouts: { count: number }): AtlasBackupApi {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (error instanceof AtlasApiError && error.kind === 'timeout') timeouts.count += 1;
          throw error;
        }
      };
    },
  });
}

/** Requests that came sooner after a 429 than its Retry-After, on the same method and path. */
function earlyRetries(entries: RequestLogEntry[]): string[] {
  const early: string[] = [];
  entries.forEach((entry, i) => {
    if (entry.fault !== 'rateLimited') return;
    const key = `${entry.method} ${entry.path}`;
    const next = entries.slice(i + 1).find((e) => `${e.method} ${e.path}` === key);
    // `at` is when the 429's request arrived; its answer left later still, so this bound is lenient.
    if (next && next.at - entry.at < RETRY_AFTER_SECONDS * 1000)
      early.push(`${key} again after ${next.at - entry.at} ms`);
  });
  return early;
}

test(
  `${RESTORES} restores reach the right outcome through a seeded mix of Atlas faults`,
  { timeout: 10 * 60_000 },
  async () => {
    quietRuntime();
    const env = await getTestEnv();
    const seed = reliabilitySeed();
    const { seed: world, slots } = reliabilityWorld(RESTORES, (i) => i % 3 === 0);
    const sim = await startSimulator({
      seed: world,
      timeScale: 60,
      restoreJobDurationMs: 5 * 60_000,
      updateDurationMs: 2 * 60_000,
      faults: faultProfile(seed),
    });
    closeAfter(() => sim.close());
    const atlasClient = createAtlasClient({
      baseUrl: sim.url,
      apiVersion: 'v2',
      credentials: {
        type: 'digest',
        publicKey: sim.credentials.publicKey,
        privateKey: sim.credentials.privateKey,
      },
      timeouts: { headersMs: CLIENT_TIMEOUT_MS, bodyMs: CLIENT_TIMEOUT_MS },
    });
    closeAfter(() => atlasClient.close());
    const taskQueue = uniqueTaskQueue('reliability-faults');
    const timeouts = { count: 0 };
    const { worker } = await createRestoreWorker(
      {
        temporal: { address: env.address, namespace: env.namespace, taskQueue },
        atlas: {
          baseUrl: sim.url,
          apiVersion: 'v2',
          credentials: { type: 'digest', publicKey: 'unused', privateKey: 'unused' },
        },
        concurrency: { maxConcurrentActivityTaskExecutions: 100, maxConcurrentWorkflowTaskExecutions: 10 },
        logLevel: 'WARN',
        shutdownGraceMs: 1_000,
      },
      {
        connection: env.nativeConnection,
        atlas: countingTimeouts(createBackupApi(atlasClient), timeouts),
        workerOptions: { workflowBundle: await workflowBundle() },
      },
    );
    const running = worker.run();
    closeAfter(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    // Every fifth job fails in Atlas and every fifth (offset) expires; the rest finish.
    const expected = slots.map((_, i) => (i % 5 === 1 ? 'failed' : i % 5 === 3 ? 'expired' : 'finished'));
    const outcomeForTarget = new Map(slots.map((slot, i) => [slot.target, expected[i]!]));
    let watching = true;
    const scenarios = (async () => {
      const decided = new Set<string>();
      while (watching) {
        for (const job of sim.control.state().restoreJobs) {
          const want = outcomeForTarget.get(String(job.targetClusterName));
          const id = String(job.id);
          if (want && want !== 'finished' && !decided.has(id)) {
            sim.control.setScenario({ jobId: id, outcome: want as 'failed' | 'expired' });
            decided.add(id);
          }
        }
        await sleep(100);
      }
    })();

    const restores = createRestoreClient({ client: env.client, taskQueue });
    const started: StartedRestore[] = [];
    for (const slot of slots) started.push(await restores.startRestore(restoreRequest(slot)));
    const outcomes = await outcomesOf(restores, started, 8 * 60_000);
    watching = false;
    await scenarios;

    const wrong = outcomes
      .map((o, i) => ({ o, want: expected[i]! }))
      .filter(({ o, want }) => o.outcome !== want)
      .map(
        ({ o, want }) =>
          `${o.workflowId}: ${o.outcome}, expected ${want}${'message' in o ? ` (${o.message})` : ''}`,
      );
    const log = sim.control.requests();
    const early = earlyRetries(log.entries);
    const { jobs, duplicates } = duplicateJobs(sim);
    const faults = Object.values(log.counts.byFault).reduce((a, b) => a + b, 0);
    printSummary('fault mix', {
      restores: RESTORES,
      faults,
      duplicates,
      lost: wrong.length,
      byFault: JSON.stringify(log.counts.byFault),
      requests: log.counts.total,
      clientTimeouts: timeouts.count,
      earlyRetries: early.length,
      seed,
    });

    assert.deepEqual(wrong, [], 'every restore ends as its Atlas job did');
    assert.equal(duplicates, 0, 'no second job for any restore');
    assert.equal(jobs, RESTORES, 'one Atlas job per restore');
    assert.deepEqual(early, [], 'no request before the Retry-After of the 429 it follows');
    for (const kind of [
      'error500',
      'error503',
      'reset',
      'rateLimited',
      'malformedJson',
      'commitThenDrop',
    ] as const) {
      assert.ok((log.counts.byFault[kind] ?? 0) > 0, `the mix injected ${kind}`);
    }
    assert.ok(timeouts.count > 0, 'some responses came after the client timeout');
    assert.ok(log.entries.length < 10_000, 'the request log kept every entry');
  },
);
