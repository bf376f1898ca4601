import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_CREDENTIALS,
  DEFAULT_IDS,
  startSimulator,
  type RunningSimulator,
  type SeedData,
} from '../../src/simulator';
import { runSimulatorCommand, simulatorOptionsFromArgs } from '../../src/simulator/command';
import { HOUR, MINUTE, call } from './helpers';

async function control(sim: RunningSimulator, method: string, op: string, body?: unknown) {
  const response = await fetch(`${sim.url}/__sim/${op}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const customSeed: SeedData = {
  projects: [{ id: '65a000000000000000000001', name: 'custom' }],
  serverless: [
    {
      id: '65a000000000000000000002',
      groupId: '65a000000000000000000001',
      name: 'alpha',
      continuousBackup: true,
    },
    { id: '65a000000000000000000003', groupId: '65a000000000000000000001', name: 'beta' },
  ],
  snapshots: [
    {
      id: '65a0000000000000000000ff',
      groupId: '65a000000000000000000001',
      deployment: 'alpha',
      status: 'failed',
      ageHours: 3,
    },
  ],
};

describe('simulator control surface (/__sim/)', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startSimulator({ startTime: '2026-03-01T00:00:00Z' });
  });
  after(() => sim.close());

  it('reads the whole state without authentication, and is not logged', async () => {
    sim.control.clearRequests();
    const state = await control(sim, 'GET', 'state');
    assert.equal(state.status, 200);
    assert.equal(state.json.projects[0].id, DEFAULT_IDS.projectId);
    assert.equal(state.json.deployments.length, 8, 'the default seed: 2 serverless, 4 dedicated, 2 Flex');
    assert.ok(Date.parse(state.json.now) >= Date.parse('2026-03-01T00:00:00Z'));
    assert.equal((await control(sim, 'GET', 'requests')).json.counts.total, 0);
  });

  it('advances the clock, queues scenarios and faults, and reports the request log over HTTP', async () => {
    const before = sim.now();
    const advanced = await control(sim, 'POST', 'clock/advance', { ms: 6 * HOUR });
    assert.equal(advanced.status, 200);
    assert.ok(advanced.json.nowMs >= before + 6 * HOUR);

    assert.equal(
      (await control(sim, 'POST', 'scenario', { outcome: 'failed', durationMs: MINUTE })).status,
      200,
    );
    assert.equal(
      (await control(sim, 'POST', 'faults', { oneShot: { route: 'listProjects', kind: 'error503' } })).status,
      200,
    );
    assert.equal((await call(sim, '/groups')).status, 503);

    const base = `/groups/${sim.ids.projectId}/serverless/${sim.ids.serverlessSource}`;
    const snapshot = (await call(sim, `${base}/backup/snapshots`)).json.results[0];
    const job = await call(sim, `${base}/backup/restoreJobs`, {
      method: 'POST',
      body: {
        deliveryType: 'automated',
        snapshotId: snapshot.id,
        targetClusterName: sim.ids.serverlessTarget,
        targetGroupId: sim.ids.projectId,
      },
    });
    await control(sim, 'POST', 'clock/advance', { ms: MINUTE });
    const state = (await control(sim, 'GET', 'state')).json;
    const dumped = state.restoreJobs.find((j: { id: string }) => j.id === job.json.id);
    assert.equal(dumped.state, 'failed');

    const log = (await control(sim, 'GET', 'requests')).json;
    const faulted = log.entries.find((e: { fault?: string }) => e.fault === 'error503');
    assert.equal(faulted.route, 'listProjects');
    assert.equal(typeof faulted.at, 'number');
    assert.equal(typeof faulted.simAt, 'number');
    assert.equal(log.counts.byRouteAndStatus.createRestoreJob['200'], 1);
    assert.equal((await control(sim, 'DELETE', 'requests')).status, 200);
    assert.equal((await control(sim, 'GET', 'requests')).json.counts.total, 0);
  });

  it('refuses bad control input with a message naming the field', async () => {
    const scenario = await control(sim, 'POST', 'scenario', { outcome: 'sideways' });
    assert.equal(scenario.status, 400);
    assert.match(scenario.json.error, /invalid scenario: outcome/);
    const unknownJob = await control(sim, 'POST', 'scenario', {
      outcome: 'failed',
      jobId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    });
    assert.equal(unknownJob.status, 404);
    const clock = await control(sim, 'POST', 'clock/advance', { ms: -5 });
    assert.equal(clock.status, 400);
    const seed = await control(sim, 'POST', 'seed', { projects: [] });
    assert.equal(seed.status, 400);
    assert.match(seed.json.error, /projects/);
    assert.equal((await control(sim, 'GET', 'nothing-here')).status, 404);
  });

  it('replaces the world with a seed and resets back to the starting one', async () => {
    const seeded = await control(sim, 'POST', 'seed', customSeed);
    assert.equal(seeded.status, 200);
    const snapshots = await call(sim, '/groups/65a000000000000000000001/serverless/alpha/backup/snapshots');
    assert.equal(snapshots.status, 200);
    assert.ok(
      snapshots.json.results.some(
        (s: { id: string; status: string }) => s.id === '65a0000000000000000000ff' && s.status === 'failed',
      ),
    );
    assert.ok(snapshots.json.totalCount > 3, 'continuous backup keeps more than the last two');
    assert.equal((await call(sim, `/groups/${DEFAULT_IDS.projectId}/serverless`)).status, 404);

    assert.equal((await control(sim, 'POST', 'reset')).status, 200);
    assert.equal((await call(sim, `/groups/${DEFAULT_IDS.projectId}/serverless`)).json.totalCount, 2);
    assert.equal(sim.control.state().restoreJobs.length, 0);
  });
});

describe('simulator state file', () => {
  it('keeps jobs, scenarios and simulated time across a restart', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-sim-state-'));
    const stateFile = path.join(dir, 'state.json');
    try {
      const first = await startSimulator({ stateFile });
      const base = `/groups/${first.ids.projectId}/clusters/${first.ids.clusterSource}`;
      const snapshot = (await call(first, `${base}/backup/snapshots`)).json.results[0];
      first.control.setScenario({ outcome: 'expired', durationMs: 30 * MINUTE });
      const job = await call(first, `${base}/backup/restoreJobs`, {
        method: 'POST',
        body: {
          deliveryType: 'automated',
          snapshotId: snapshot.id,
          targetClusterName: first.ids.clusterTarget,
          targetGroupId: first.ids.projectId,
        },
      });
      first.control.setScenario({ outcome: 'never' });
      first.control.advanceClock(10 * HOUR);
      const simNowBefore = first.now();
      await first.close();
      assert.equal(JSON.parse(readFileSync(stateFile, 'utf8')).jobs.length, 1);

      const second = await startSimulator({ stateFile });
      try {
        assert.ok(second.now() >= simNowBefore, 'simulated time does not run backwards');
        const again = await call(second, `${base}/backup/restoreJobs/${job.json.id}`);
        assert.equal(again.status, 200);
        assert.equal(again.json.expired, true);
        assert.deepEqual(second.control.state().pendingScenarios, [{ outcome: 'never' }]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a simulator state', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-sim-state-'));
    const stateFile = path.join(dir, 'state.json');
    writeFileSync(stateFile, '{"hello": "world"}');
    try {
      await assert.rejects(startSimulator({ stateFile }), /is not a simulator state/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('atlas-restore simulator command', () => {
  it('parses its flags and the ATLAS_* credentials', () => {
    const parsed = simulatorOptionsFromArgs(['--port', '0', '--time-scale', '60', '--faults', 'flaky'], {
      ATLAS_PUBLIC_KEY: 'envpubkey',
      ATLAS_PRIVATE_KEY: 'env-private',
    });
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    assert.equal(parsed.options.port, 0);
    assert.equal(parsed.options.timeScale, 60);
    assert.equal((parsed.options.faults as { seed: number }).seed, 7);
    assert.deepEqual(parsed.options.credentials, { publicKey: 'envpubkey', privateKey: 'env-private' });
    assert.equal(parsed.options.dataPlane, true, 'the command runs with its data plane');
    assert.deepEqual(simulatorOptionsFromArgs(['--help']), { help: true });
  });

  it('turns the data plane off with --no-data and takes the database user from ATLAS_DB_*', () => {
    const parsed = simulatorOptionsFromArgs(['--no-data'], {
      ATLAS_DB_USERNAME: 'envdbuser',
      ATLAS_DB_PASSWORD: 'env-db-password',
    });
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    assert.equal(parsed.options.dataPlane, false);
    assert.deepEqual(parsed.options.credentials, {
      databaseUsername: 'envdbuser',
      databasePassword: 'env-db-password',
    });
  });

  it('names the flag and the rule when one is wrong', () => {
    assert.throws(
      () => simulatorOptionsFromArgs(['--port', 'eighty']),
      /--port must be a port from 0 to 65535/,
    );
    assert.throws(
      () => simulatorOptionsFromArgs(['--time-scale', '0']),
      /--time-scale must be a positive number/,
    );
    assert.throws(
      () => simulatorOptionsFromArgs(['--faults', 'hurricane']),
      /--faults: cannot read hurricane/,
    );
    assert.throws(() => simulatorOptionsFromArgs(['--colour']), /Unknown option '--colour'/);
    assert.throws(
      () => simulatorOptionsFromArgs(['--seed-file', path.join(os.tmpdir(), 'no-such-seed.json')]),
      /--seed-file: cannot read/,
    );
  });

  it('prints its URL, credentials and ids once, serves until stopped, then closes', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runSimulatorCommand(['--port', '0'], {
      out: (line) => lines.push(line),
      signal: stop.signal,
    });
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const banner = lines[0]!;
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    // The banner holds the throwaway secrets: assert without echoing it.
    assert.ok(url);
    assert.ok(banner.includes(`ATLAS_PUBLIC_KEY=${DEFAULT_CREDENTIALS.publicKey}`));
    assert.ok(banner.includes(`ATLAS_CLIENT_ID=${DEFAULT_CREDENTIALS.clientId}`));
    assert.ok(banner.includes(`ATLAS_DB_USERNAME=${DEFAULT_CREDENTIALS.databaseUsername}`));
    assert.equal(banner.split(DEFAULT_CREDENTIALS.databasePassword).length, 2, 'the database password once');
    assert.ok(banner.includes(DEFAULT_IDS.projectId));
    assert.ok(banner.includes(DEFAULT_IDS.serverlessSource));
    const response = await fetch(`${url}/__sim/state`);
    assert.equal(response.status, 200);
    await response.arrayBuffer();
    stop.abort();
    await running;
    assert.equal(lines.at(-1), 'Atlas simulator stopped.');
    await assert.rejects(fetch(`${url}/__sim/state`));
  });
});
