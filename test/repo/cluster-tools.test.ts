import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * scripts/temporal-cluster-tools.sh with explicit paths (what a machine that has the binaries already
 * uses): they win over the cache and the builds, and a wrong one stops it naming the variable. Nothing
 * is built or installed here.
 */

const script = path.resolve(__dirname, '..', '..', 'scripts', 'temporal-cluster-tools.sh');

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    // A cache root of its own, so a cached build elsewhere cannot answer instead.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env },
  });
  return { code: result.status, stdout: result.stdout.trim().split('\n'), stderr: result.stderr };
}

function fakeTools(dir: string) {
  const exe = (file: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o755);
    return file;
  };
  const schema = path.join(dir, 'schema');
  mkdirSync(path.join(schema, 'postgresql', 'v12', 'temporal', 'versioned'), { recursive: true });
  const pg = path.join(dir, 'pg');
  for (const name of ['initdb', 'pg_ctl', 'postgres', 'pg_isready']) exe(path.join(pg, name));
  return {
    TEMPORAL_SERVER_PATH: exe(path.join(dir, 'bin', 'temporal-server')),
    TEMPORAL_SQL_TOOL_PATH: exe(path.join(dir, 'bin', 'temporal-sql-tool')),
    TEMPORAL_SCHEMA_DIR: schema,
    POSTGRES_BIN_DIR: pg,
  };
}

describe('scripts/temporal-cluster-tools.sh', () => {
  it('prints the explicit paths, in order, without building anything', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-cluster-tools-'));
    try {
      const tools = fakeTools(dir);
      const result = run(['all'], { ...tools, ATLAS_RESTORE_CACHE: path.join(dir, 'cache') });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.stdout, [
        tools.TEMPORAL_SERVER_PATH,
        tools.TEMPORAL_SQL_TOOL_PATH,
        tools.TEMPORAL_SCHEMA_DIR,
        tools.POSTGRES_BIN_DIR,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an explicit path that is not what it names', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-cluster-tools-'));
    try {
      const tools = fakeTools(dir);
      for (const [variable, which, value] of [
        ['TEMPORAL_SERVER_PATH', 'server', path.join(dir, 'missing')],
        ['TEMPORAL_SQL_TOOL_PATH', 'sql-tool', path.join(dir, 'missing')],
        ['TEMPORAL_SCHEMA_DIR', 'schema', dir],
        ['POSTGRES_BIN_DIR', 'postgres', dir],
      ] as const) {
        const result = run([which], {
          ...tools,
          [variable]: value,
          ATLAS_RESTORE_CACHE: path.join(dir, 'cache'),
        });
        assert.equal(result.code, 1, `${which} with a bad ${variable}`);
        assert.match(result.stderr, new RegExp(`error: ${variable}=`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the server version it installs and rejects unknown commands', () => {
    assert.match(run(['version'], {}).stdout[0]!, /^\d+\.\d+\.\d+$/);
    const bogus = run(['bogus'], {});
    assert.equal(bogus.code, 1);
    assert.match(bogus.stderr, /usage:/);
  });
});
