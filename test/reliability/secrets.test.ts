/**
 * Secrets never leave the worker's environment. Worker processes run with known Atlas credentials (an API
 * key pair, then a service account, then each with a wrong secret) at DEBUG log level, through happy
 * restores, backup changes, Atlas errors and injected faults; then every workflow history (payloads
 * decoded), every line the workers wrote, every error and status the client and the CLI produced is
 * searched for the secrets and the forms they travel in (Basic header, Digest HA1, issued bearer tokens).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { main as cli } from '../../src/cli/main';
import { createRestoreClient, type RestoreClient, type StartedRestore } from '../../src/client';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { getTestEnv, uniqueTaskQueue, type TestEnv } from '../harness';
import {
  closeAfter,
  duplicateJobs,
  printSummary,
  reliabilityWorld,
  restoreRequest,
  workflowBundleFile,
  type RestoreSlot,
} from './support';
import { spawnWorker, waitForPoller } from './worker-process';

const PUBLIC_KEY = 'relypublic';
const PRIVATE_KEY = `priv-${randomBytes(12).toString('hex')}`;
const CLIENT_ID = `mdb_sa_id_${randomBytes(12).toString('hex')}`;
const CLIENT_SECRET = `mdb_sa_sk_${randomBytes(16).toString('hex')}`;
const WRONG_PRIVATE_KEY = `wrong-${randomBytes(12).toString('hex')}`;
const WRONG_CLIENT_SECRET = `mdb_sa_sk_${randomBytes(16).toString('hex')}`;

/** Decodes every byte array (payload data) as UTF-8, so a secret inside a JSON payload is plain text here. */
function readable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

/** Each secret and the encodings it travels in on the wire. */
function needles(issuedTokens: string[]): Map<string, string> {
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const found = new Map<string, string>([
    ['Atlas private key', PRIVATE_KEY],
    ['wrong private key', WRONG_PRIVATE_KEY],
    ['service-account secret', CLIENT_SECRET],
    ['wrong service-account secret', WRONG_CLIENT_SECRET],
    ['Basic credentials', Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')],
    ['Basic credentials (wrong)', Buffer.from(`${CLIENT_ID}:${WRONG_CLIENT_SECRET}`).toString('base64')],
    ['Digest HA1', md5(`${PUBLIC_KEY}:MMS Public API:${PRIVATE_KEY}`)],
    ['Digest HA1 (wrong)', md5(`${PUBLIC_KEY}:MMS Public API:${WRONG_PRIVATE_KEY}`)],
  ]);
  issuedTokens.forEach((token, i) => found.set(`bearer token ${i + 1}`, token));
  return found;
}

function occurrences(haystacks: Map<string, string>, secrets: Map<string, string>): string[] {
  const hits: string[] = [];
  for (const [where, text] of haystacks) {
    for (const [what, secret] of secrets) if (text.includes(secret)) hits.push(`${what} in ${where}`);
  }
  return hits;
}

/** Records the bearer tokens the simulator hands out (they are secrets too, and random). */
function spyOnTokens(sim: RunningSimulator): string[] {
  const issued: string[] = [];
  const auth = (
    sim.control as unknown as { auth: { issueToken(clientId: string): { access_token: string } } }
  ).auth;
  const issue = auth.issueToken.bind(auth);
  auth.issueToken = (clientId: string) => {
    const token = issue(clientId);
    issued.push(token.access_token);
    return token;
  };
  return issued;
}

interface Phase {
  name: string;
  credentials: Record<string, string>;
  /** Whether the credentials are right (restores finish) or wrong (restores fail on 401). */
  valid: boolean;
}

const PHASES: Phase[] = [
  {
    name: 'api-key',
    credentials: { ATLAS_PUBLIC_KEY: PUBLIC_KEY, ATLAS_PRIVATE_KEY: PRIVATE_KEY },
    valid: true,
  },
  {
    name: 'service-account',
    credentials: { ATLAS_CLIENT_ID: CLIENT_ID, ATLAS_CLIENT_SECRET: CLIENT_SECRET },
    valid: true,
  },
  {
    name: 'wrong-api-key',
    credentials: { ATLAS_PUBLIC_KEY: PUBLIC_KEY, ATLAS_PRIVATE_KEY: WRONG_PRIVATE_KEY },
    valid: false,
  },
  {
    name: 'wrong-service-account',
    credentials: { ATLAS_CLIENT_ID: CLIENT_ID, ATLAS_CLIENT_SECRET: WRONG_CLIENT_SECRET },
    valid: false,
  },
];

/** The CLI in process, its stdout and stderr as one string. */
async function cliOutput(env: TestEnv, taskQueue: string, args: string[]): Promise<string> {
  const lines: string[] = [];
  await cli(
    [...args, '--address', env.address, '--namespace', env.namespace, '--task-queue', taskQueue],
    { out: (t) => lines.push(t), err: (t) => lines.push(t), tty: false, redraw: () => undefined },
    {},
  );
  return lines.join('\n');
}

test(
  'no Atlas secret appears in any history, log line, error or status',
  { timeout: 10 * 60_000 },
  async () => {
    const env = await getTestEnv();
    const perPhase = 4;
    const { seed, slots } = reliabilityWorld(PHASES.length * perPhase, (i) => i % perPhase === 0);
    const sim = await startSimulator({
      seed,
      timeScale: 60,
      restoreJobDurationMs: 2 * 60_000,
      updateDurationMs: 60_000,
      credentials: {
        publicKey: PUBLIC_KEY,
        privateKey: PRIVATE_KEY,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      },
      // A few of every fault, so error paths (retries, 429s, resets) log and record what they do.
      faults: {
        seed: 11,
        retryAfterSeconds: 1,
        routes: { '*': { error500: 0.05, error503: 0.05, reset: 0.03, rateLimited: 0.05 } },
      },
    });
    closeAfter(() => sim.close());
    const issuedTokens = spyOnTokens(sim);
    const bundle = await workflowBundleFile();
    const haystacks = new Map<string, string>();
    let restoresRun = 0;

    for (const [p, phase] of PHASES.entries()) {
      const taskQueue = uniqueTaskQueue(`reliability-secrets-${phase.name}`);
      const worker = spawnWorker({
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: env.namespace,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ATLAS_BASE_URL: sim.url,
        ...phase.credentials,
        WORKFLOW_BUNDLE_PATH: bundle,
        LOG_LEVEL: 'DEBUG',
        SHUTDOWN_GRACE: '1s',
      });
      closeAfter(() => worker.stop(5_000));
      await waitForPoller(env.client, env.namespace, taskQueue, worker);
      const restores: RestoreClient = createRestoreClient({ client: env.client, taskQueue });
      const phaseSlots: RestoreSlot[] = slots.slice(p * perPhase, (p + 1) * perPhase);
      const started: StartedRestore[] = [];
      for (const [i, slot] of phaseSlots.entries()) {
        // One restore per phase asks for a snapshot that does not exist: an Atlas 404 on the error path.
        const request =
          i === perPhase - 1
            ? restoreRequest(slot, { snapshot: { snapshotId: 'ffffffffffffffffffffffff' } })
            : restoreRequest(slot);
        started.push(await restores.startRestore(request));
      }
      // Status while they run: query answers and the polling activity's heartbeat details.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const s of started) {
        haystacks.set(
          `${phase.name} getRestore ${s.workflowId}`,
          readable(await restores.getRestore(s.workflowId).catch((e: unknown) => e)),
        );
        haystacks.set(
          `${phase.name} cli status ${s.workflowId}`,
          await cliOutput(env, taskQueue, ['status', s.workflowId, '--json']),
        );
      }
      const outcomes = await Promise.all(
        started.map((s) => restores.waitForRestore(s.workflowId, { runId: s.runId })),
      );
      restoresRun += outcomes.length;
      outcomes.forEach((o, i) => haystacks.set(`${phase.name} outcome ${i}`, readable(o)));
      haystacks.set(`${phase.name} cli list`, await cliOutput(env, taskQueue, ['list', '--json']));
      for (const s of started) {
        const history = await env.client.workflow.getHandle(s.workflowId, s.runId).fetchHistory();
        haystacks.set(`${phase.name} history ${s.workflowId}`, readable(history));
      }
      await worker.stop(5_000);
      haystacks.set(`${phase.name} worker output`, worker.output());

      const finished = outcomes.filter((o) => o.outcome === 'finished').length;
      if (phase.valid)
        assert.equal(finished, perPhase - 1, `${phase.name}: the restores of real snapshots finish`);
      else assert.equal(finished, 0, `${phase.name}: nothing finishes with a wrong secret`);
      if (!phase.valid) {
        assert.deepEqual(
          outcomes.map((o) => ('status' in o ? o.status : o.outcome)),
          outcomes.map(() => 401),
          `${phase.name}: every restore fails on Atlas' 401`,
        );
      }
    }

    const secrets = needles(issuedTokens);
    // The scan must be able to fail: the same search finds a secret planted in a copy of the output.
    const planted = new Map([['planted', `${[...haystacks.values()][0]} ${CLIENT_SECRET}`]]);
    assert.deepEqual(occurrences(planted, secrets), ['service-account secret in planted']);
    assert.ok(issuedTokens.length > 0, 'the service-account phase used bearer tokens');

    const hits = occurrences(haystacks, secrets);
    const scannedBytes = [...haystacks.values()].reduce((sum, text) => sum + text.length, 0);
    const logLines = [...haystacks.entries()]
      .filter(([where]) => where.endsWith('worker output'))
      .reduce((sum, [, text]) => sum + text.split('\n').length, 0);
    printSummary('secrets', {
      restores: restoresRun,
      faults: JSON.stringify(sim.control.requests().counts.byFault),
      duplicates: duplicateJobs(sim).duplicates,
      lost: hits.length,
      secretsSearched: secrets.size,
      places: haystacks.size,
      workerLogLines: logLines,
      scannedKiB: Math.round(scannedBytes / 1024),
    });
    assert.deepEqual(hits, [], 'no secret in any history, log line, error or status');
  },
);
