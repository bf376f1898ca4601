import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/common/contract';

// The compose file and the Dockerfile cannot import the contract, so these tests keep them in step with it.
const root = path.resolve(__dirname, '..', '..');
const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

describe('deployment files', () => {
  it('the compose job registers exactly our search attributes', () => {
    const loop = /for name in ([A-Za-z ]+); do/.exec(compose);
    assert.ok(loop, 'registration loop not found in docker-compose.yml');
    assert.deepEqual(loop[1]!.trim().split(/\s+/).sort(), SEARCH_ATTRIBUTE_KEYS.map((k) => k.name).sort());
    assert.match(compose, /--type Keyword/);
  });

  it('the worker waits for that job and gets more stop time than its shutdown grace', () => {
    assert.match(compose, /temporal-search-attributes:\n\s+condition: service_completed_successfully/);
    const grace = /SHUTDOWN_GRACE: (\d+)s/.exec(compose);
    const stop = /stop_grace_period: (\d+)s/.exec(compose);
    assert.ok(grace && stop);
    assert.ok(
      Number(stop[1]) > Number(grace[1]),
      `stop_grace_period ${stop[1]}s must exceed SHUTDOWN_GRACE ${grace[1]}s`,
    );
  });

  it('the image is multi-stage on a glibc Node 20, runs as non-root and starts the worker', () => {
    const stages = dockerfile.match(/^FROM node:20-bookworm-slim/gm) ?? [];
    assert.equal(stages.length, 2);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^ENTRYPOINT \["node", "dist\/src\/cli\/main.js"\]$/m);
    assert.match(dockerfile, /^CMD \["worker"\]$/m);
    assert.match(dockerfile, /npm run build/);
  });
});
