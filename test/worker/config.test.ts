import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  describeWorkerConfig,
  loadWorkerConfig,
  parseWorkerConfig,
  WORKER_DEFAULTS,
} from '../../src/worker/config';
import { EnvFileError, parseEnvFile } from '../../src/common/env-file';
import { parseTemporalConfig } from '../../src/common/temporal-connection';

// Distinctive values: if any of them shows up in an error message, a secret leaked.
const PRIVATE_KEY = 'priv-5e3b1c9d-SECRET-do-not-print';
const CLIENT_SECRET = 'mdb_sa_sk_SECRET_7f2a9c';
const TEMPORAL_KEY = 'tmprl-api-key-SECRET-4411';
const DB_PASSWORD = 'db-pw-SECRET-90c1';
const SECRETS = [PRIVATE_KEY, CLIENT_SECRET, TEMPORAL_KEY, DB_PASSWORD];

const digest = { ATLAS_PUBLIC_KEY: 'abcdefgh', ATLAS_PRIVATE_KEY: PRIVATE_KEY };

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseWorkerConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    for (const secret of SECRETS)
      assert.ok(!error.message.includes(secret), `secret echoed in: ${error.message}`);
    return error.problems;
  }
  assert.fail(`expected ${JSON.stringify(Object.keys(env))} to be rejected`);
}

describe('worker configuration', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the documented defaults when only Atlas credentials are set', () => {
    const config = parseWorkerConfig(digest);
    assert.deepEqual(config.temporal, {
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'atlas-restore',
    });
    assert.deepEqual(config.atlas, {
      baseUrl: 'https://cloud.mongodb.com',
      apiVersion: 'v2',
      credentials: { type: 'digest', publicKey: 'abcdefgh', privateKey: PRIVATE_KEY },
    });
    assert.equal(
      config.concurrency.maxConcurrentActivityTaskExecutions,
      WORKER_DEFAULTS.maxConcurrentActivities,
    );
    assert.deepEqual(
      [config.concurrency.maxConcurrentWorkflowTaskExecutions, config.concurrency.maxCachedWorkflows],
      [20, 20],
    );
    assert.deepEqual(config.apiBudget, { requestsPerSecond: 10, burst: 20 });
    assert.equal(config.logLevel, 'INFO');
    assert.equal(config.shutdownGraceMs, 30_000);
    assert.equal(config.metricsPort, undefined);
  });

  it('reads every setting', () => {
    const config = parseWorkerConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'restores.acme',
      TEMPORAL_TASK_QUEUE: 'atlas-restore-eu',
      TEMPORAL_API_KEY: TEMPORAL_KEY,
      ATLAS_BASE_URL: 'http://127.0.0.1:9999/',
      ATLAS_API_VERSION: 'v1.0',
      ATLAS_CLIENT_ID: 'mdb_sa_id_0123456789abcdef01234567',
      ATLAS_CLIENT_SECRET: CLIENT_SECRET,
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8',
      WORKER_MAX_CACHED_WORKFLOWS: '20',
      TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: '2.5',
      ATLAS_API_BUDGET_RPS: '0.5',
      ATLAS_API_BUDGET_BURST: '3',
      METRICS_PORT: '9464',
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE: '2m',
    });
    assert.equal(config.temporal.address, 'temporal.internal:7233');
    assert.equal(config.temporal.apiKey, TEMPORAL_KEY);
    assert.deepEqual(config.temporal.tls, {}, 'an API key implies TLS');
    assert.equal(config.atlas.baseUrl, 'http://127.0.0.1:9999', 'trailing slash dropped');
    assert.equal(config.atlas.apiVersion, 'v1.0');
    assert.equal(config.atlas.credentials.type, 'serviceAccount');
    assert.deepEqual(config.concurrency, {
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentWorkflowTaskExecutions: 8,
      maxCachedWorkflows: 20,
    });
    assert.equal(config.taskQueueActivitiesPerSecond, 2.5);
    assert.deepEqual(config.apiBudget, { requestsPerSecond: 0.5, burst: 3 });
    assert.equal(config.metricsPort, 9464);
    assert.equal(config.logLevel, 'DEBUG');
    assert.equal(config.shutdownGraceMs, 120_000);
    const described = JSON.stringify(describeWorkerConfig(config));
    for (const secret of SECRETS)
      assert.ok(!described.includes(secret), 'the start-up description holds no secret');
  });

  it('a cache set alone takes the workflow task slots down with it; 0 turns the cache off', () => {
    const slotsAndCache = (env: Record<string, string>) => {
      const c = parseWorkerConfig({ ...digest, ...env }).concurrency;
      return [c.maxConcurrentWorkflowTaskExecutions, c.maxCachedWorkflows];
    };
    assert.deepEqual(slotsAndCache({ WORKER_MAX_CACHED_WORKFLOWS: '8' }), [8, 8]);
    assert.deepEqual(slotsAndCache({ WORKER_MAX_CACHED_WORKFLOWS: '500' }), [20, 500]);
    assert.deepEqual(slotsAndCache({ WORKER_MAX_CACHED_WORKFLOWS: '0' }), [20, 0]);
    assert.deepEqual(
      slotsAndCache({ WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '60', WORKER_MAX_CACHED_WORKFLOWS: '0' }),
      [60, 0],
    );
  });

  it('turns the API budget off with ATLAS_API_BUDGET_RPS=0 and treats empty variables as unset', () => {
    const config = parseWorkerConfig({
      ...digest,
      ATLAS_API_BUDGET_RPS: '0',
      TEMPORAL_ADDRESS: '  ',
      LOG_LEVEL: '',
    });
    assert.equal(config.apiBudget, undefined);
    assert.equal(config.temporal.address, 'localhost:7233');
    assert.equal(config.logLevel, 'INFO');
  });

  it('loads mTLS material from the files it names', () => {
    const crt = path.join(dir, 'client.pem');
    const key = path.join(dir, 'client.key');
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(crt, 'CERT');
    writeFileSync(key, 'KEY');
    writeFileSync(ca, 'CA');
    const config = parseWorkerConfig({
      ...digest,
      TEMPORAL_TLS_CERT_PATH: crt,
      TEMPORAL_TLS_KEY_PATH: key,
      TEMPORAL_TLS_CA_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
    });
    assert.equal(config.temporal.tls?.clientCertPair?.crt.toString(), 'CERT');
    assert.equal(config.temporal.tls?.clientCertPair?.key.toString(), 'KEY');
    assert.equal(config.temporal.tls?.serverRootCACertificate?.toString(), 'CA');
    assert.equal(config.temporal.tls?.serverNameOverride, 'temporal.example.com');
  });

  // Each row: the environment, then the variable the message must name and a piece of its rule.
  const table: [string, Record<string, string>, string, RegExp][] = [
    ['no Atlas credentials at all', {}, 'ATLAS_PUBLIC_KEY', /credentials are required/],
    [
      'public key without private key',
      { ATLAS_PUBLIC_KEY: 'abc' },
      'ATLAS_PRIVATE_KEY',
      /set together with ATLAS_PUBLIC_KEY/,
    ],
    [
      'private key without public key',
      { ATLAS_PRIVATE_KEY: PRIVATE_KEY },
      'ATLAS_PUBLIC_KEY',
      /set together with ATLAS_PRIVATE_KEY/,
    ],
    [
      'client id without secret',
      { ATLAS_CLIENT_ID: 'mdb_sa_id_x' },
      'ATLAS_CLIENT_SECRET',
      /set together with ATLAS_CLIENT_ID/,
    ],
    ['client secret without id', { ATLAS_CLIENT_SECRET: CLIENT_SECRET }, 'ATLAS_CLIENT_ID', /set together/],
    [
      'both credential pairs',
      { ...digest, ATLAS_CLIENT_ID: 'mdb_sa_id_x', ATLAS_CLIENT_SECRET: CLIENT_SECRET },
      'ATLAS_CLIENT_ID',
      /not both/,
    ],
    [
      'public key with a colon',
      { ...digest, ATLAS_PUBLIC_KEY: 'a:b' },
      'ATLAS_PUBLIC_KEY',
      /whitespace or ":"/,
    ],
    [
      'multi-line private key',
      { ...digest, ATLAS_PRIVATE_KEY: `${PRIVATE_KEY}\nx` },
      'ATLAS_PRIVATE_KEY',
      /single line/,
    ],
    ['address without port', { ...digest, TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS', /host:port/],
    ['address with port 0', { ...digest, TEMPORAL_ADDRESS: 'localhost:0' }, 'TEMPORAL_ADDRESS', /host:port/],
    [
      'namespace with a space',
      { ...digest, TEMPORAL_NAMESPACE: 'my ns' },
      'TEMPORAL_NAMESPACE',
      /letters, digits/,
    ],
    [
      'task queue with a space',
      { ...digest, TEMPORAL_TASK_QUEUE: 'a b' },
      'TEMPORAL_TASK_QUEUE',
      /without spaces/,
    ],
    [
      'API key with whitespace',
      { ...digest, TEMPORAL_API_KEY: `${TEMPORAL_KEY} x` },
      'TEMPORAL_API_KEY',
      /whitespace/,
    ],
    ['TLS flag not a boolean', { ...digest, TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS', /true or false/],
    [
      'TLS off with an API key',
      { ...digest, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: TEMPORAL_KEY },
      'TEMPORAL_TLS',
      /cannot be false/,
    ],
    [
      'certificate without key',
      { ...digest, TEMPORAL_TLS_CERT_PATH: __filename },
      'TEMPORAL_TLS_KEY_PATH',
      /set together/,
    ],
    [
      'unreadable certificate',
      { ...digest, TEMPORAL_TLS_CERT_PATH: '/nonexistent/cert.pem', TEMPORAL_TLS_KEY_PATH: __filename },
      'TEMPORAL_TLS_CERT_PATH',
      /readable file \(ENOENT\)/,
    ],
    [
      'unreadable CA',
      { ...digest, TEMPORAL_TLS_CA_PATH: '/nonexistent/ca.pem' },
      'TEMPORAL_TLS_CA_PATH',
      /readable file/,
    ],
    [
      'base URL not a URL',
      { ...digest, ATLAS_BASE_URL: 'cloud.mongodb.com' },
      'ATLAS_BASE_URL',
      /http\(s\) URL/,
    ],
    [
      'base URL with credentials',
      { ...digest, ATLAS_BASE_URL: `https://u:${PRIVATE_KEY}@cloud.mongodb.com` },
      'ATLAS_BASE_URL',
      /without credentials/,
    ],
    [
      'base URL with ftp',
      { ...digest, ATLAS_BASE_URL: 'ftp://cloud.mongodb.com' },
      'ATLAS_BASE_URL',
      /http\(s\)/,
    ],
    ['API version v3', { ...digest, ATLAS_API_VERSION: 'v3' }, 'ATLAS_API_VERSION', /v2 or v1\.0/],
    [
      'concurrency 0',
      { ...digest, WORKER_MAX_CONCURRENT_ACTIVITIES: '0' },
      'WORKER_MAX_CONCURRENT_ACTIVITIES',
      /1 to/,
    ],
    [
      'concurrency text',
      { ...digest, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'many' },
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      /whole number/,
    ],
    [
      'workflow tasks 1',
      { ...digest, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1' },
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      /2 to/,
    ],
    [
      'task slots above the default cache',
      { ...digest, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '40' },
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      /^WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 40 must not exceed WORKER_MAX_CACHED_WORKFLOWS \(20, the default\)/,
    ],
    [
      'task slots above the cache',
      { ...digest, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '30', WORKER_MAX_CACHED_WORKFLOWS: '10' },
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      /30 must not exceed WORKER_MAX_CACHED_WORKFLOWS \(10\)/,
    ],
    [
      'task-queue rate 0',
      { ...digest, TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: '0' },
      'TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND',
      /> 0/,
    ],
    ['negative budget', { ...digest, ATLAS_API_BUDGET_RPS: '-1' }, 'ATLAS_API_BUDGET_RPS', />= 0/],
    ['budget burst 0', { ...digest, ATLAS_API_BUDGET_BURST: '0' }, 'ATLAS_API_BUDGET_BURST', /1 to/],
    ['metrics port too big', { ...digest, METRICS_PORT: '70000' }, 'METRICS_PORT', /1 to 65535/],
    ['metrics port text', { ...digest, METRICS_PORT: 'http' }, 'METRICS_PORT', /whole number/],
    ['log level', { ...digest, LOG_LEVEL: 'LOUD' }, 'LOG_LEVEL', /TRACE, DEBUG, INFO, WARN, ERROR/],
    ['grace not a duration', { ...digest, SHUTDOWN_GRACE: '30' }, 'SHUTDOWN_GRACE', /duration/],
    ['grace over an hour', { ...digest, SHUTDOWN_GRACE: '2h' }, 'SHUTDOWN_GRACE', /0s to 1h/],
    [
      'bundle path missing',
      { ...digest, WORKFLOW_BUNDLE_PATH: '/nonexistent/bundle.js' },
      'WORKFLOW_BUNDLE_PATH',
      /readable/,
    ],
    [
      'database user without password',
      { ...digest, VALIDATION_DB_USERNAME: 'checker' },
      'VALIDATION_DB_PASSWORD',
      /set together with VALIDATION_DB_USERNAME/,
    ],
    [
      'database password without user',
      { ...digest, VALIDATION_DB_PASSWORD: DB_PASSWORD },
      'VALIDATION_DB_USERNAME',
      /set together with VALIDATION_DB_PASSWORD/,
    ],
    [
      'multi-line database password',
      { ...digest, VALIDATION_DB_USERNAME: 'checker', VALIDATION_DB_PASSWORD: `${DB_PASSWORD}\nx` },
      'VALIDATION_DB_PASSWORD',
      /single line/,
    ],
    [
      'database user with a space',
      { ...digest, VALIDATION_DB_USERNAME: 'the checker', VALIDATION_DB_PASSWORD: DB_PASSWORD },
      'VALIDATION_DB_USERNAME',
      /whitespace/,
    ],
    [
      'password and certificate',
      {
        ...digest,
        VALIDATION_DB_USERNAME: 'checker',
        VALIDATION_DB_PASSWORD: DB_PASSWORD,
        VALIDATION_DB_X509_CERT_KEY_PATH: __filename,
      },
      'VALIDATION_DB_X509_CERT_KEY_PATH',
      /not both/,
    ],
    [
      'unreadable client certificate',
      { ...digest, VALIDATION_DB_X509_CERT_KEY_PATH: '/nonexistent/client.pem' },
      'VALIDATION_DB_X509_CERT_KEY_PATH',
      /readable file/,
    ],
    [
      'auth source without a user',
      { ...digest, VALIDATION_DB_AUTH_SOURCE: 'admin' },
      'VALIDATION_DB_AUTH_SOURCE',
      /only applies with VALIDATION_DB_USERNAME/,
    ],
    [
      'auth source not a database name',
      {
        ...digest,
        VALIDATION_DB_USERNAME: 'checker',
        VALIDATION_DB_PASSWORD: DB_PASSWORD,
        VALIDATION_DB_AUTH_SOURCE: 'my db',
      },
      'VALIDATION_DB_AUTH_SOURCE',
      /database name/,
    ],
    [
      'CA without a client certificate',
      { ...digest, VALIDATION_DB_TLS_CA_PATH: __filename },
      'VALIDATION_DB_TLS_CA_PATH',
      /only applies with VALIDATION_DB_X509_CERT_KEY_PATH/,
    ],
  ];
  for (const [name, env, variable, rule] of table) {
    it(`rejects ${name}, naming ${variable}`, () => {
      const problems = problemsOf(env);
      const problem = problems.find((p) => p.startsWith(`${variable}: `));
      assert.ok(problem, `no problem names ${variable}: ${JSON.stringify(problems)}`);
      assert.match(problem, rule);
    });
  }

  it('reads the database user restore validation connects as, and never describes its password', () => {
    assert.equal(parseWorkerConfig(digest).validationDatabase, undefined);
    assert.equal(describeWorkerConfig(parseWorkerConfig(digest)).validation, 'not configured');
    const withPassword = parseWorkerConfig({
      ...digest,
      VALIDATION_DB_USERNAME: 'checker',
      VALIDATION_DB_PASSWORD: DB_PASSWORD,
    });
    assert.deepEqual(withPassword.validationDatabase, {
      username: 'checker',
      password: DB_PASSWORD,
      authSource: 'admin',
    });
    const described = JSON.stringify(describeWorkerConfig(withPassword));
    assert.ok(described.includes('"username":"checker"'));
    assert.ok(!described.includes(DB_PASSWORD), 'the start-up description holds no database password');
    const elsewhere = parseWorkerConfig({
      ...digest,
      VALIDATION_DB_USERNAME: 'checker',
      VALIDATION_DB_PASSWORD: DB_PASSWORD,
      VALIDATION_DB_AUTH_SOURCE: 'users',
    });
    assert.equal(
      elsewhere.validationDatabase && 'authSource' in elsewhere.validationDatabase
        ? elsewhere.validationDatabase.authSource
        : undefined,
      'users',
    );
    const x509 = parseWorkerConfig({
      ...digest,
      VALIDATION_DB_X509_CERT_KEY_PATH: __filename,
      VALIDATION_DB_TLS_CA_PATH: __filename,
    });
    assert.deepEqual(x509.validationDatabase, {
      x509: { certificateKeyFile: __filename, caFile: __filename },
    });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ TEMPORAL_ADDRESS: 'x', METRICS_PORT: '0', ATLAS_PUBLIC_KEY: 'k' });
    assert.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
      'ATLAS_PRIVATE_KEY',
      'METRICS_PORT',
      'TEMPORAL_ADDRESS',
    ]);
  });

  it('needs no Atlas credentials for the Temporal half (CLI client commands)', () => {
    assert.equal(parseTemporalConfig({ TEMPORAL_ADDRESS: 'h:1' }).address, 'h:1');
    assert.throws(
      () => parseTemporalConfig({ TEMPORAL_ADDRESS: 'h' }),
      /TEMPORAL_ADDRESS: must be host:port/,
    );
  });

  describe('.env file', () => {
    it('parses comments, export, quotes and inline comments without interpolation', () => {
      const { values, errors } = parseEnvFile(
        [
          '# a comment',
          '',
          'export TEMPORAL_ADDRESS=temporal:7233',
          'ATLAS_PUBLIC_KEY = pub # the public half',
          `ATLAS_PRIVATE_KEY="${PRIVATE_KEY}$HOME"`,
          "LOG_LEVEL='warn'",
          'TEMPORAL_TASK_QUEUE=queue#1',
        ].join('\n'),
      );
      assert.deepEqual(errors, []);
      assert.deepEqual(values, {
        TEMPORAL_ADDRESS: 'temporal:7233',
        ATLAS_PUBLIC_KEY: 'pub',
        ATLAS_PRIVATE_KEY: `${PRIVATE_KEY}$HOME`,
        LOG_LEVEL: 'warn',
        TEMPORAL_TASK_QUEUE: 'queue#1',
      });
    });

    it('lets the real environment win over the file', () => {
      const file = path.join(dir, 'win.env');
      writeFileSync(file, `ATLAS_PUBLIC_KEY=fromfile\nATLAS_PRIVATE_KEY=${PRIVATE_KEY}\nLOG_LEVEL=ERROR\n`);
      const config = loadWorkerConfig({ LOG_LEVEL: 'WARN' }, file);
      assert.equal(config.logLevel, 'WARN');
      assert.equal(
        config.atlas.credentials.type === 'digest' && config.atlas.credentials.publicKey,
        'fromfile',
      );
    });

    it('ignores a missing file', () => {
      assert.equal(loadWorkerConfig(digest, path.join(dir, 'absent.env')).logLevel, 'INFO');
    });

    it('rejects a malformed line by number without echoing it', () => {
      const file = path.join(dir, 'bad.env');
      writeFileSync(file, `ATLAS_PUBLIC_KEY=pub\n${PRIVATE_KEY}\n`);
      assert.throws(
        () => loadWorkerConfig({}, file),
        (error: unknown) =>
          error instanceof EnvFileError &&
          /line 2: expected KEY=value/.test(error.message) &&
          !error.message.includes(PRIVATE_KEY),
      );
    });
  });
});
