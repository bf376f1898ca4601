import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAtlasClient, type AtlasClient } from '../../src/atlas/client';
import { AtlasApiError } from '../../src/atlas/errors';

/**
 * Transport behaviour the simulator cannot show deterministically, against a tiny local HTTP server that
 * answers without asking for credentials (the Digest client then sends one request, no challenge leg).
 */

const GROUP = '5f1a2b3c4d5e6f7a8b9c0d1e';
const target = { groupId: GROUP, name: 'prod-1' };
const clusterPath = `/api/atlas/v2/groups/${GROUP}/clusters/prod-1`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler = (_req, res) => res.end();
const sockets = new Set<import('node:net').Socket>();
let closedSockets = 0;

before(async () => {
  server = createServer((req, res) => handler(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedSockets += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(options: Partial<Parameters<typeof createAtlasClient>[0]> = {}): AtlasClient {
  return createAtlasClient({
    baseUrl: url,
    credentials: { type: 'digest', publicKey: 'pub', privateKey: 'priv' },
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<AtlasApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AtlasApiError, `expected AtlasApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('transport over a local server', () => {
  it('an AbortSignal stops a request in flight and closes its connection', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    handler = () => arrived(); // never answers
    const atlas = client();
    try {
      const controller = new AbortController();
      const started = Date.now();
      const closedBefore = closedSockets;
      const call = rejection(atlas.clusters.get(target, { signal: controller.signal }));
      await requestArrived;
      controller.abort();
      const error = await call;
      assert.equal(error.kind, 'aborted');
      assert.equal(error.retryable, false);
      assert.ok(Date.now() - started < 5_000);
      for (let i = 0; i < 50 && closedSockets === closedBefore; i += 1)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(closedSockets > closedBefore, 'the aborted request’s socket is closed');
    } finally {
      await atlas.close();
    }
  });

  it('a server that never sends headers hits the headers timeout (kind timeout, retryable)', async () => {
    handler = () => undefined;
    const atlas = client({ timeouts: { headersMs: 150 } });
    try {
      const error = await rejection(atlas.clusters.get(target));
      assert.equal(error.kind, 'timeout');
      assert.equal(error.retryable, true);
      assert.equal(error.path, clusterPath);
    } finally {
      await atlas.close();
    }
  });

  it('a 429 with an HTTP-date Retry-After gives the wait relative to the server Date', async () => {
    handler = (_req, res) =>
      json(
        res,
        429,
        {
          error: 429,
          errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
          detail: 'slow down',
          reason: 'Too Many Requests',
        },
        { 'retry-after': 'Tue, 20 Oct 2026 10:00:42 GMT', date: 'Tue, 20 Oct 2026 10:00:00 GMT' },
      );
    const atlas = client();
    try {
      const error = await rejection(atlas.clusters.get(target));
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 42_000);
      assert.equal(error.errorCode, 'RATE_LIMITED_TOKEN_BUCKET');
    } finally {
      await atlas.close();
    }
  });

  it('a 2xx body missing a required field is a schema error naming the path', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        links: [],
        results: [
          { id: '6a794733c0eb9e7a17740663', deliveryType: 'automated' },
          { deliveryType: 'automated' },
        ],
        totalCount: 2,
      });
    const atlas = client();
    try {
      const error = await rejection(atlas.clusters.listRestoreJobs(target));
      assert.equal(error.kind, 'schema');
      assert.equal(error.retryable, false);
      assert.match(error.detail ?? '', /results\.1\.id/);
    } finally {
      await atlas.close();
    }
  });

  it('a 2xx body that is not JSON is malformed (retryable)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "6a79');
    };
    const atlas = client();
    try {
      const error = await rejection(atlas.clusters.get(target));
      assert.equal(error.kind, 'malformed');
      assert.equal(error.retryable, true);
    } finally {
      await atlas.close();
    }
  });

  it('a connection destroyed before the answer is a retryable network error', async () => {
    handler = (req) => req.socket.destroy();
    const atlas = client();
    try {
      const error = await rejection(
        atlas.clusters.createRestoreJob(target, {
          deliveryType: 'automated',
          snapshotId: '6a79468a2c88faeba59de489',
          targetClusterName: 'prod-2',
          targetGroupId: GROUP,
        }),
      );
      assert.equal(error.kind, 'network');
      assert.equal(error.retryable, true);
      assert.equal(error.method, 'POST');
    } finally {
      await atlas.close();
    }
  });

  it('a connection refused is a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const atlas = client({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      const error = await rejection(atlas.projects.list());
      assert.equal(error.kind, 'network');
      assert.equal(error.retryable, true);
      assert.match(error.detail ?? '', /ECONNREFUSED/);
    } finally {
      await atlas.close();
    }
  });

  it('sends the v2 Accept per resource, JSON bodies, and the v1.0 plain media type', async () => {
    const seen: { method?: string; url?: string; accept?: string; contentType?: string; body: string }[] = [];
    handler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          accept: req.headers.accept,
          contentType: req.headers['content-type'],
          body,
        });
        json(res, 200, {
          id: '6a794733c0eb9e7a17740663',
          name: 'prod-1',
          groupId: GROUP,
          stateName: 'UPDATING',
          pitEnabled: true,
        });
      });
    };
    const v2 = client();
    const v1 = client({ apiVersion: 'v1.0' });
    try {
      await v2.clusters.get(target);
      await v2.clusters.update(target, { pitEnabled: true });
      await v1.clusters.update(target, { pitEnabled: true });
      assert.deepEqual(
        seen.map(({ method, url: path, accept, contentType }) => ({ method, path, accept, contentType })),
        [
          {
            method: 'GET',
            path: clusterPath,
            accept: 'application/vnd.atlas.2024-08-05+json',
            contentType: undefined,
          },
          {
            method: 'PATCH',
            path: clusterPath,
            accept: 'application/vnd.atlas.2024-10-23+json',
            contentType: 'application/json',
          },
          {
            method: 'PATCH',
            path: `/api/atlas/v1.0/groups/${GROUP}/clusters/prod-1`,
            accept: 'application/json',
            contentType: 'application/json',
          },
        ],
      );
      assert.deepEqual(JSON.parse(seen[1]!.body), { pitEnabled: true });
    } finally {
      await Promise.all([v2.close(), v1.close()]);
    }
  });

  it('a 404 or 410 on a serverless route says Atlas retired the endpoints and which kinds to use instead', async () => {
    handler = (req, res) =>
      req.url?.includes('/serverless/')
        ? json(res, 410, {
            error: 410,
            errorCode: 'VERSION_GONE',
            detail: 'This endpoint is gone.',
            reason: 'Gone',
          })
        : json(res, 404, {
            error: 404,
            errorCode: 'CLUSTER_NOT_FOUND',
            detail: 'No cluster named prod-1.',
            reason: 'Not Found',
          });
    const atlas = client();
    try {
      const gone = await rejection(atlas.serverless.listRestoreJobs(target));
      assert.equal(gone.status, 410);
      assert.equal(gone.errorCode, 'VERSION_GONE');
      assert.equal(gone.detail, 'This endpoint is gone.');
      assert.match(gone.message, /retired the serverless instance endpoints on 2026-01-22/);
      assert.match(gone.message, /use kind "flex", "cluster" or "auto"/);
      const missing = await rejection(atlas.clusters.get(target));
      assert.equal(missing.errorCode, 'CLUSTER_NOT_FOUND');
      assert.doesNotMatch(missing.message, /retired/);
    } finally {
      await atlas.close();
    }
  });

  it('envelope: an error wrapped in {status, content} is mapped by its wrapped status, whatever the HTTP status', async () => {
    const content = {
      error: 404,
      errorCode: 'CLUSTER_NOT_FOUND',
      detail: 'No cluster named prod-1.',
      reason: 'Not Found',
    };
    let httpStatus = 200;
    handler = (_req, res) => json(res, httpStatus, { status: 404, content });
    const atlas = client({ envelope: true });
    try {
      for (const status of [200, 404]) {
        httpStatus = status;
        const error = await rejection(atlas.clusters.get(target));
        assert.equal(error.status, 404);
        assert.equal(error.errorCode, 'CLUSTER_NOT_FOUND');
        assert.equal(error.detail, 'No cluster named prod-1.');
      }
    } finally {
      await atlas.close();
    }
  });

  it('an invalid request names the field and sends nothing', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests += 1;
      json(res, 200, {});
    };
    const atlas = client();
    try {
      const badGroup = await rejection(atlas.clusters.get({ groupId: 'not-an-id', name: 'prod-1' }));
      assert.equal(badGroup.kind, 'invalid_request');
      assert.match(badGroup.message, /groupId: must be a 24-character lower-case hex id/);
      const badBody = await rejection(
        atlas.serverless.update(target, {
          serverlessBackupOptions: { serverlessContinuousBackupEnabled: 'yes' as unknown as boolean },
        }),
      );
      assert.match(
        badBody.detail ?? '',
        /^body\.serverlessBackupOptions\.serverlessContinuousBackupEnabled: /,
      );
      const badJob = await rejection(
        atlas.clusters.createRestoreJob(target, { deliveryType: 'automated', targetGroupId: GROUP }),
      );
      assert.match(badJob.detail ?? '', /body\.snapshotId: is required for automated restores/);
      assert.match(badJob.detail ?? '', /body\.targetClusterName: is required for automated restores/);
      const badId = await rejection(atlas.clusters.getRestoreJob(target, 'xyz'));
      assert.match(badId.detail ?? '', /^restoreJobId: /);
      const badPage = await rejection(atlas.clusters.listSnapshots(target, { itemsPerPage: 501 }));
      assert.match(badPage.detail ?? '', /^itemsPerPage: must be at most 500/);
      assert.equal(badPage.retryable, false);
      assert.equal(requests, 0);
    } finally {
      await atlas.close();
    }
  });
});
