import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { deriveRestoreJobState, type RestoreJobState } from '../../src/common/restore-job-state';
// Only names the package index exports: the modules behind it are being split per deployment kind.
import {
  apiErrorBodySchema,
  clusterSchema,
  errorFromResponse,
  flexClusterSchema,
  flexRestoreJobSchema,
  flexSnapshotSchema,
  pageSchema,
  restoreJobSchema,
  serverlessInstanceSchema,
  snapshotSchema,
  type RawResponse,
} from '../../src/atlas';

/**
 * Every real Atlas response in the recorded fixtures parses with the schema the client uses for it, and every
 * recorded error maps to an AtlasApiError with its status, code and detail. Where the fixtures come from and
 * what in them is reconstructed: test/fixtures/atlas-recordings/README.md.
 */

const repoRoot = path.resolve(__dirname, '..', '..');
const recordingsDir = path.join(repoRoot, 'test', 'fixtures', 'atlas-recordings');

interface Recording {
  request: { method: string; path: string };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

function load(file: string): Recording {
  return JSON.parse(readFileSync(path.join(recordingsDir, file), 'utf8')) as Recording;
}

/** Which schema parses a success body, by file-name prefix; the first match wins. */
const successRules: { prefix: string; schema: z.ZodType | null }[] = [
  { prefix: 'serverless-list', schema: pageSchema(serverlessInstanceSchema) },
  { prefix: 'serverless-delete', schema: null },
  { prefix: 'serverless-', schema: serverlessInstanceSchema },
  { prefix: 'cluster-restorejob-list', schema: pageSchema(restoreJobSchema) },
  { prefix: 'cluster-restorejob-', schema: restoreJobSchema },
  { prefix: 'cluster-snapshot-list', schema: pageSchema(snapshotSchema) },
  { prefix: 'cluster-snapshot-delete', schema: null },
  { prefix: 'cluster-snapshot-', schema: snapshotSchema },
  { prefix: 'cluster-delete', schema: null },
  { prefix: 'cluster-', schema: clusterSchema },
  { prefix: 'flex-cluster-delete', schema: null },
  { prefix: 'flex-cluster-', schema: flexClusterSchema },
  { prefix: 'flex-restorejob-list', schema: pageSchema(flexRestoreJobSchema) },
  { prefix: 'flex-restorejob-', schema: flexRestoreJobSchema },
  { prefix: 'flex-snapshot-list', schema: pageSchema(flexSnapshotSchema) },
  { prefix: 'flex-snapshot-', schema: flexSnapshotSchema },
];

function toRaw(recording: Recording): RawResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(recording.response.headers)) headers[name.toLowerCase()] = value;
  const body = recording.response.body;
  return {
    status: recording.response.status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

describe('recorded Atlas responses', () => {
  it('the recordings folder is in the repository (a missing folder fails, never skips)', () => {
    assert.ok(existsSync(recordingsDir), `recordings not found at ${path.relative(repoRoot, recordingsDir)}`);
  });

  const files = existsSync(recordingsDir)
    ? readdirSync(recordingsDir)
        .filter((file) => file.endsWith('.json'))
        .sort()
    : [];

  it('holds the 60 recordings the README lists', () => {
    assert.equal(files.length, 60);
  });

  it('each recording names the public file it was taken from (repository@commit:path)', () => {
    for (const file of files) {
      const { source } = JSON.parse(readFileSync(path.join(recordingsDir, file), 'utf8')) as {
        source?: unknown;
      };
      assert.match(String(source), /^mongodb\/mongodb-atlas-cli@[0-9a-f]{40}:test\/e2e\/\S+$/, file);
    }
  });

  for (const file of files) {
    if (file.startsWith('error-')) continue;
    it(`${file} parses with its schema`, () => {
      const recording = load(file);
      const rule = successRules.find((candidate) => file.startsWith(candidate.prefix));
      assert.ok(rule, `no schema rule for ${file}: add one`);
      assert.ok(recording.response.status >= 200 && recording.response.status < 300);
      if (rule.schema === null) {
        // Deletes: 202 with `{}` or 204 with no body.
        assert.ok(
          recording.response.body === null || Object.keys(recording.response.body as object).length === 0,
        );
        return;
      }
      const result = rule.schema.safeParse(recording.response.body);
      assert.ok(result.success, result.success ? '' : JSON.stringify(result.error.issues));
      // Loose objects: fields the schema does not name (connectionStrings, desiredTimestamp, ...) are kept.
      const original = recording.response.body as Record<string, unknown>;
      assert.deepEqual(Object.keys(result.data as object).sort(), Object.keys(original).sort());
    });
  }

  for (const file of files.filter((name) => name.startsWith('error-'))) {
    it(`${file} maps to an AtlasApiError with status, errorCode and detail`, () => {
      const recording = load(file);
      const raw = toRaw(recording);
      const error = errorFromResponse(recording.request.method, recording.request.path, raw);
      assert.equal(error.status, recording.response.status);
      assert.equal(error.method, recording.request.method);
      assert.equal(error.path, recording.request.path);
      assert.equal(error.retryable, recording.response.status >= 500);
      assert.equal(error.kind, recording.response.status === 401 ? 'auth' : 'http');
      assert.ok(error.detail && error.detail.length > 0, 'every recorded error has a readable detail');
      assert.ok(error.message.includes(String(recording.response.status)));
      if (typeof recording.response.body === 'string') {
        assert.equal(error.errorCode, undefined);
        return;
      }
      const body = apiErrorBodySchema.parse(recording.response.body);
      assert.equal(error.errorCode, body.errorCode ?? raw.headers['x-error-code']);
      assert.equal(error.detail, body.detail);
    });
  }
});

describe('recorded error details', () => {
  it('a 502 HTML page from the gateway becomes a short readable detail, retryable', () => {
    const recording = load('error-502-bad-gateway-html.json');
    const error = errorFromResponse('GET', recording.request.path, toRaw(recording));
    assert.equal(error.detail, '502 Bad Gateway peer closed connection');
    assert.equal(error.retryable, true);
    assert.equal(error.errorCode, undefined);
  });

  it('errorCode null in the body and no X-Error-Code header leaves the code unset, keeps the detail', () => {
    const error = errorFromResponse('DELETE', '/x', toRaw(load('error-404-null-errorcode.json')));
    assert.equal(error.errorCode, undefined);
    assert.equal(error.detail, 'Could not find the requested external organization link.');
    assert.equal(error.retryable, false);
  });

  it('falls back to the X-Error-Code header when the body has no code', () => {
    const raw = toRaw(load('error-404-cluster-not-found.json'));
    const body = JSON.parse(raw.body) as Record<string, unknown>;
    delete body.errorCode;
    const error = errorFromResponse('GET', '/x', { ...raw, body: JSON.stringify(body) });
    assert.equal(error.errorCode, 'CLUSTER_NOT_FOUND');
  });

  it('the Digest challenge 401 without errorCode is an auth error with Atlas detail', () => {
    const error = errorFromResponse('POST', '/x', toRaw(load('error-401-digest-challenge.json')));
    assert.equal(error.kind, 'auth');
    assert.equal(error.errorCode, undefined);
    assert.equal(error.detail, 'You are not authorized for this resource.');
  });

  it('keeps the rate-limit headers of an error', () => {
    const error = errorFromResponse('GET', '/x', toRaw(load('error-404-cluster-not-found.json')));
    assert.deepEqual(error.rateLimit, { limit: 10000, remaining: 9993 });
  });
});

describe('recorded restore jobs derive the state the CLI would report', () => {
  const expected: Record<string, RestoreJobState> = {
    'cluster-restorejob-create-automated-200.json': 'in_progress',
    'cluster-restorejob-get-automated-inprogress.json': 'in_progress',
    'cluster-restorejob-get-automated-finished.json': 'finished',
    'cluster-restorejob-create-download-200.json': 'in_progress',
    'cluster-restorejob-get-download-pending.json': 'in_progress',
    'cluster-restorejob-get-download-ready.json': 'download_ready',
    'cluster-restorejob-get-download-cancelled-failed.json': 'failed',
    'flex-restorejob-create-200-pending.json': 'in_progress',
    'flex-restorejob-get-running.json': 'in_progress',
    'flex-restorejob-get-completed.json': 'finished',
  };
  for (const [file, state] of Object.entries(expected)) {
    it(`${file} → ${state}`, () => {
      const body = load(file).response.body as Record<string, unknown>;
      const job = file.startsWith('flex-') ? flexRestoreJobSchema.parse(body) : restoreJobSchema.parse(body);
      assert.equal(deriveRestoreJobState(job), state);
    });
  }
});
