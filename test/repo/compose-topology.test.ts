import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TASK_QUEUE, SEARCH_ATTRIBUTE_KEYS } from '../../src/common/contract';
import { CLUSTER_SETTINGS } from '../../src/dev/temporal-cluster';
import { TOPOLOGY_WORKER_ENV_KEYS } from '../topology/worker-env';

/**
 * docker-compose.yml is what people run; the topology suite (npm run test:topology) is what is tested on
 * a real cluster. Docker cannot run here, so this keeps the two in step by their key values: the server
 * version the provisioning script installs, the persistence settings, the namespace, the search
 * attributes and the worker's environment.
 */

const root = path.resolve(__dirname, '..', '..');
const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8').split('\n');

const indent = (line: string) => line.length - line.trimStart().length;
const meaningful = (line: string) => line.trim() !== '' && !line.trim().startsWith('#');

/** The lines under `header` (matched exactly, trimmed) that are indented deeper than it. */
function block(lines: string[], header: string, from = 0): string[] {
  const start = lines.findIndex((line, i) => i >= from && line.trim() === header && meaningful(line));
  assert.ok(start >= 0, `"${header}" not found in docker-compose.yml`);
  const depth = indent(lines[start]!);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (meaningful(line) && indent(line) <= depth) break;
    out.push(line);
  }
  return out;
}

function service(name: string): string[] {
  return block(block(compose, 'services:'), `${name}:`);
}

/** `KEY: value` pairs of a mapping block (one level), with `<<: *anchor` merged from the anchor's block. */
function mapping(lines: string[]): Record<string, string> {
  const entries = lines.filter(meaningful);
  const depth = Math.min(...entries.map(indent));
  const out: Record<string, string> = {};
  for (const line of entries.filter((l) => indent(l) === depth)) {
    const match = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    if (key === '<<') {
      const anchor = raw.replace(/^\*/, '');
      const header = compose.find((l) => l.trimEnd().endsWith(`&${anchor}`) && indent(l) === 0);
      assert.ok(header, `anchor ${anchor} not found`);
      Object.assign(out, mapping(block(compose, header.trim())));
    } else {
      out[key] = raw.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
    }
  }
  return out;
}

const scriptVersion = execFileSync(
  'bash',
  [path.join(root, 'scripts', 'temporal-cluster-tools.sh'), 'version'],
  {
    encoding: 'utf8',
  },
).trim();

describe('docker-compose.yml and the topology suite', () => {
  it('run the same Temporal server version', () => {
    assert.match(scriptVersion, /^\d+\.\d+\.\d+$/);
    const versions = mapping(block(compose, 'x-temporal-versions:'));
    assert.equal(versions.server, `&temporal-server temporalio/auto-setup:${scriptVersion}`);
    assert.match(
      versions['admin-tools']!,
      new RegExp(`temporalio/admin-tools:${scriptVersion.replace(/\./g, '\\.')}-`),
    );
  });

  it('persist to PostgreSQL the same way', () => {
    const env = mapping(block(service('temporal'), 'environment:'));
    assert.equal(env.DB, CLUSTER_SETTINGS.dbPlugin);
    assert.equal(Number(env.NUM_HISTORY_SHARDS), CLUSTER_SETTINGS.numHistoryShards);
    assert.equal(env.DEFAULT_NAMESPACE, CLUSTER_SETTINGS.namespace);
    assert.equal(env.DEFAULT_NAMESPACE_RETENTION, CLUSTER_SETTINGS.namespaceRetention);
    // Only our search attributes in the namespace, as in the suite's.
    assert.equal(env.SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES, 'true');
    const postgres = mapping(service('postgresql'));
    assert.equal(postgres.image, `postgres:${CLUSTER_SETTINGS.postgresMajor}`);
  });

  it('load the same dynamic config file', () => {
    const env = mapping(block(service('temporal'), 'environment:'));
    const mounted = block(service('temporal'), 'volumes:')
      .map((line) => /^\s*-\s*\.\/(\S+?):(\S+?)(:ro)?$/.exec(line))
      .find((match) => match !== null);
    assert.ok(mounted, 'the temporal service mounts a dynamic config file');
    assert.equal(mounted[1], CLUSTER_SETTINGS.dynamicConfigFile);
    assert.equal(mounted[2], `/etc/temporal/${env.DYNAMIC_CONFIG_FILE_PATH}`);
    readFileSync(path.join(root, CLUSTER_SETTINGS.dynamicConfigFile), 'utf8');
  });

  it('register the same search attributes', () => {
    const job = service('temporal-search-attributes').join('\n');
    const loop = /for name in ([A-Za-z ]+); do/.exec(job);
    assert.ok(loop, 'registration loop not found');
    assert.deepEqual(loop[1]!.trim().split(/\s+/).sort(), SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort());
    assert.match(
      job,
      new RegExp(`--namespace ${CLUSTER_SETTINGS.namespace} --name "\\$\\$name" --type Keyword`),
    );
  });

  it('give the worker the same environment', () => {
    const env = mapping(block(service('worker'), 'environment:'));
    // The suite scrapes no metrics; everything else the suite's workers get, compose's worker gets.
    const composeOnly = ['METRICS_PORT'];
    assert.deepEqual(
      Object.keys(env)
        .filter((key) => !composeOnly.includes(key))
        .sort(),
      [...TOPOLOGY_WORKER_ENV_KEYS].sort(),
    );
    assert.equal(env.TEMPORAL_NAMESPACE, CLUSTER_SETTINGS.namespace);
    assert.equal(env.TEMPORAL_TASK_QUEUE, DEFAULT_TASK_QUEUE);
    assert.equal(env.ATLAS_API_VERSION, 'v2');
    assert.equal(env.NODE_OPTIONS, '--max-old-space-size=160', 'the heap cap the suite runs with');
  });
});
