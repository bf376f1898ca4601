/**
 * kill -9 of the worker process at seeded random moments while 50 restores run (some enabling continuous
 * backup first, all submitting and polling), restarting it each time: every restore finishes, and each
 * created exactly one Atlas job. A kill during a POST is the dangerous case: the thin activity times out
 * and the workflow must find the job it created instead of posting again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRestoreClient, type StartedRestore } from '../../src/client';
import { startSimulator } from '../../src/simulator';
import { getTestEnv, uniqueTaskQueue } from '../harness';
import {
  closeAfter,
  duplicateJobs,
  outcomesOf,
  printSummary,
  reliabilitySeed,
  reliabilityWorld,
  restoreRequest,
  scaled,
  seededRandom,
  workflowBundleFile,
} from './support';
import { spawnWorker, waitForPoller, type WorkerProcess } from './worker-process';

const RESTORES = scaled(50, 5);
const KILLS = 5;
const POST_LATENCY_MS = 1_500;

test(
  `${RESTORES} restores finish with no duplicate job while their worker is killed -9 ${KILLS} times`,
  { timeout: 15 * 60_000 },
  async () => {
    const env = await getTestEnv();
    const random = seededRandom(reliabilitySeed());
    const { seed, slots } = reliabilityWorld(RESTORES, (i) => i % 3 === 0);
    // 60x: a job runs 10 real seconds, a backup change keeps the instance UPDATING for 2. A POST takes
    // 1.5 s to be handled, so the first kill can land while one is in flight: the job is created after the
    // worker died and nobody reads the answer.
    const sim = await startSimulator({
      seed,
      timeScale: 60,
      restoreJobDurationMs: 10 * 60_000,
      updateDurationMs: 2 * 60_000,
      faults: { routes: { createRestoreJob: { latencyMs: POST_LATENCY_MS } } },
    });
    closeAfter(() => sim.close());
    const taskQueue = uniqueTaskQueue('reliability-kill');
    const workerEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: env.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ATLAS_BASE_URL: sim.url,
      ATLAS_PUBLIC_KEY: sim.credentials.publicKey,
      ATLAS_PRIVATE_KEY: sim.credentials.privateKey,
      WORKFLOW_BUNDLE_PATH: await workflowBundleFile(),
      LOG_LEVEL: 'WARN',
      SHUTDOWN_GRACE: '2s',
    };
    let worker: WorkerProcess = spawnWorker(workerEnv);
    closeAfter(() => worker.stop(10_000));
    await waitForPoller(env.client, env.namespace, taskQueue, worker);

    const restores = createRestoreClient({ client: env.client, taskQueue });
    const started: StartedRestore[] = [];
    // Starts spread over ~15 s, so the kills land in every phase: validating, waiting for IDLE, submitting, restoring.
    const starting = (async () => {
      for (const slot of slots) {
        started.push(await restores.startRestore(restoreRequest(slot)));
        await sleep(Math.floor(random() * (30_000 / RESTORES)));
      }
    })();

    const killedDuring: string[] = [];
    // The look for an existing job comes right before the POST: once one is answered, a POST follows
    // within a workflow task and stays in flight for 1.5 s.
    const looks = () => sim.control.requests().entries.filter((e) => e.route === 'listRestoreJobs').length;
    for (let kill = 0; kill < KILLS; kill++) {
      if (kill === 0) {
        // Aimed at a POST in flight.
        const before = looks();
        const until = Date.now() + 20_000;
        while (looks() === before && Date.now() < until) await sleep(20);
        await sleep(400);
      } else {
        await sleep(3_000 + Math.floor(random() * 5_000));
      }
      await worker.kill9();
      killedDuring.push(`${started.length} started, ${looks()} job lookups so far`);
      await sleep(Math.floor(random() * 2_000));
      worker = spawnWorker(workerEnv);
      await waitForPoller(env.client, env.namespace, taskQueue, worker);
    }
    await starting;

    // A POST lost in a kill is given up after its 1 min start-to-close timeout; a wait after its 20 s
    // heartbeat timeout; a local activity with its workflow task (10 s).
    const outcomes = await outcomesOf(restores, started, 8 * 60_000);
    const finished = outcomes.filter((o) => o.outcome === 'finished').length;
    const { jobs, duplicates } = duplicateJobs(sim);
    // Restores whose POST was cut off by a kill: the activity timed out and the job was adopted instead.
    let postsLostInKills = 0;
    for (const s of started) {
      const history = await env.client.workflow.getHandle(s.workflowId).fetchHistory();
      const postIds = new Set(
        (history.events ?? [])
          .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createRestoreJob')
          .map((e) => String(e.eventId)),
      );
      const timedOut = (history.events ?? []).filter((e) =>
        postIds.has(String(e.activityTaskTimedOutEventAttributes?.scheduledEventId)),
      ).length;
      postsLostInKills += timedOut;
    }
    printSummary('worker kill -9', {
      restores: RESTORES,
      faults: `${KILLS} kills`,
      duplicates,
      lost: RESTORES - finished,
      atlasJobs: jobs,
      postsLostInKills,
      seed: reliabilitySeed(),
    });
    for (const [i, moment] of killedDuring.entries()) console.log(`[reliability]   kill ${i + 1}: ${moment}`);

    const notFinished = outcomes
      .filter((o) => o.outcome !== 'finished')
      .map((o) => `${o.workflowId}: ${o.outcome}`);
    assert.deepEqual(notFinished, [], 'every restore finishes');
    assert.equal(duplicates, 0, 'no restore created a second Atlas job');
    assert.equal(jobs, RESTORES, 'one Atlas job per restore');
    assert.ok(postsLostInKills > 0, 'a kill cut off at least one POST (the case that makes duplicates)');
  },
);
