/**
 * Secrets never leave the worker's environment. Worker processes run with known Atlas credentials (an API
 * key pair, then a service account, then each with a wrong secret) and a database password for validation
 * at DEBUG log level, through happy restores, backup changes, Atlas errors and injected faults, and through
 * validations of restored data (right password, wrong password, unreachable target); then every workflow
 * history (payloads decoded), every line the workers wrote, every error and status the client and the CLI
 * produced is searched for the secrets and the forms they travel in (Basic header, Digest HA1, issued
 * bearer tokens).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { ValidateRestoreInput, ValidationReport } from '../../src/activities';
import { validationSpecSchema } from '../../src/common/validation';
import { main as cli } from '../../src/cli/main';
import { createRestoreClient, type RestoreClient, type StartedRestore } from '../../src/client';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { call } from '../simulator/helpers';
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
const DB_USERNAME = 'relychecker';
const DB_PASSWORD = `dbpw-${randomBytes(12).toString('hex')}`;
const WRONG_DB_PASSWORD = `dbpw-wrong-${randomBytes(12).toString('hex')}`;

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
    ['database password', DB_PASSWORD],
    ['wrong database password', WRONG_DB_PASSWORD],
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
        VALIDATION_DB_USERNAME: DB_USERNAME,
        VALIDATION_DB_PASSWORD: DB_PASSWORD,
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

/** An error and its causes, with their messages and details (which JSON.stringify of an Error drops). */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const { name, message, details, type } = e as {
      name?: string;
      message?: string;
      details?: unknown;
      type?: string;
    };
    parts.push(`${name ?? ''} ${type ?? ''}: ${message ?? String(e)} ${readable(details ?? null)}`);
  }
  return parts.join(' <- ');
}

/** The failure type at the bottom of a workflow failure (the activity's ApplicationFailure). */
function rootType(error: unknown): string | undefined {
  let type: string | undefined;
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause)
    type = (e as { type?: string }).type ?? type;
  return type;
}

test(
  'no database password appears in a validation history, log line or error',
  { timeout: 5 * 60_000 },
  async () => {
    // Closed here rather than in after hooks: registered in this test, after the first test of the file
    // has run, such hooks were seen never to run, leaving the simulator open and the file's process alive.
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const env = await getTestEnv();
      const sim = await startSimulator({
        dataPlane: true,
        // The clock moves only when advanced, so the restore below finishes exactly when told.
        timeScale: 1e-6,
        credentials: { databaseUsername: DB_USERNAME, databasePassword: DB_PASSWORD },
      });
      cleanups.push(() => sim.close());
      const g = sim.ids.projectId;
      const source = { kind: 'cluster' as const, groupId: g, name: sim.ids.clusterSource };
      const target = { kind: 'cluster' as const, groupId: g, name: sim.ids.clusterTarget };
      const snapshot = sim.control
        .state()
        .deployments.find((d) => d.name === source.name)!
        .snapshots.find((s) => s.status === 'completed')!;
      const created = await call(sim, `/groups/${g}/clusters/${source.name}/backup/restoreJobs`, {
        method: 'POST',
        body: {
          deliveryType: 'automated',
          snapshotId: snapshot.id,
          targetClusterName: target.name,
          targetGroupId: g,
        },
      });
      assert.equal(created.status, 200, created.text);
      sim.control.advanceClock(21 * 60_000);
      const job = await call(
        sim,
        `/groups/${g}/clusters/${source.name}/backup/restoreJobs/${created.json.id}`,
      );
      assert.ok(job.json.finishedAt, 'the restore finished');

      const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-validation-bundle-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const bundle = path.join(dir, 'workflow-bundle.js');
      const { code } = await bundleWorkflowCode({
        workflowsPath: require.resolve('./validation-workflow'),
        logger: new DefaultLogger('WARN'),
      });
      writeFileSync(bundle, code);

      const input: ValidateRestoreInput = {
        target,
        source,
        restoredToSeconds: Date.parse(snapshot.createdAt) / 1000,
        spec: validationSpecSchema.parse({
          connectTimeout: '3s',
          checks: [
            { kind: 'exists', database: 'shop', collection: 'orders' },
            { kind: 'count', database: 'shop', collection: 'orders', ofSource: {} },
          ],
        }),
      };
      const runs = [
        { name: 'right password', password: DB_PASSWORD, reachable: true, expected: 'completed' },
        {
          name: 'wrong password',
          password: WRONG_DB_PASSWORD,
          reachable: true,
          expected: 'ValidationUnreachable',
        },
        {
          name: 'unreachable target',
          password: DB_PASSWORD,
          reachable: false,
          expected: 'ValidationUnreachable',
        },
      ];
      const haystacks = new Map<string, string>();
      for (const run of runs) {
        const taskQueue = uniqueTaskQueue(`reliability-validation-${run.name.replace(/ /g, '-')}`);
        const worker = spawnWorker({
          TEMPORAL_ADDRESS: env.address,
          TEMPORAL_NAMESPACE: env.namespace,
          TEMPORAL_TASK_QUEUE: taskQueue,
          ATLAS_BASE_URL: sim.url,
          ATLAS_PUBLIC_KEY: sim.credentials.publicKey,
          ATLAS_PRIVATE_KEY: sim.credentials.privateKey,
          VALIDATION_DB_USERNAME: DB_USERNAME,
          VALIDATION_DB_PASSWORD: run.password,
          WORKFLOW_BUNDLE_PATH: bundle,
          LOG_LEVEL: 'DEBUG',
          SHUTDOWN_GRACE: '1s',
        });
        cleanups.push(() => worker.stop(5_000));
        await waitForPoller(env.client, env.namespace, taskQueue, worker);
        sim.data!.setReachable(g, target.name, run.reachable);
        const handle = await env.client.workflow.start('validateOnly', {
          taskQueue,
          workflowId: `validation-${taskQueue}`,
          args: [input],
        });
        const outcome = await handle.result().then(
          (report: ValidationReport) => ({ report }),
          (error: unknown) => ({ error }),
        );
        sim.data!.setReachable(g, target.name, true);
        if ('report' in outcome) {
          assert.equal(run.expected, 'completed', `${run.name}: ${readable(outcome.report)}`);
          assert.equal(outcome.report.ok, true, readable(outcome.report.checks));
          haystacks.set(`validation ${run.name} report`, readable(outcome.report));
        } else {
          assert.equal(rootType(outcome.error), run.expected, `${run.name}: ${errorText(outcome.error)}`);
          haystacks.set(`validation ${run.name} error`, errorText(outcome.error));
        }
        haystacks.set(`validation ${run.name} history`, readable(await handle.fetchHistory()));
        await worker.stop(5_000);
        haystacks.set(`validation ${run.name} worker output`, worker.output());
      }

      const secrets = needles([]);
      const planted = new Map([['planted', `${[...haystacks.values()][0]} ${DB_PASSWORD}`]]);
      assert.deepEqual(occurrences(planted, secrets), ['database password in planted']);
      assert.ok(
        [...haystacks.values()].some((text) => text.includes('Authentication failed')),
        'the wrong password was refused by the server, and that reached the error',
      );
      const hits = occurrences(haystacks, secrets);
      printSummary('secrets-validation', {
        restores: runs.length,
        faults: '{}',
        duplicates: 0,
        lost: hits.length,
        secretsSearched: secrets.size,
        places: haystacks.size,
      });
      assert.deepEqual(hits, [], 'no database password in any history, log line or error');
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
    }
  },
);
