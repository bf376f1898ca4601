import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Runtime } from '@temporalio/worker';
import { msToTs } from '@temporalio/common/lib/time';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/common/contract';
import { ConfigError } from '../../src/common/env-rules';
import { checkSearchAttributes } from '../../src/worker/main';
import { getTestEnv, type TestEnv } from '../harness';

describe('the worker checks the namespace has our search attributes before it polls', () => {
  let env: TestEnv;
  before(async () => {
    env = await getTestEnv();
  });

  it('passes on a namespace that has them all', async () => {
    await checkSearchAttributes(env.nativeConnection, env.namespace, Runtime.instance().logger);
  });

  it('refuses a namespace without them, naming each one and how to register it', async () => {
    const namespace = `bare-${randomUUID().slice(0, 8)}`;
    await env.client.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // The one it lacks after registering all but the last: an upgrade that added an attribute.
    const [last, ...others] = [...SEARCH_ATTRIBUTE_KEYS].reverse();
    await env.client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(others.map((key) => [key.name, 2 /* KEYWORD */])),
    });
    const error = await checkSearchAttributes(
      env.nativeConnection,
      namespace,
      Runtime.instance().logger,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.problems.length, 1);
    assert.match(
      error.problems[0]!,
      new RegExp(`^TEMPORAL_NAMESPACE: namespace ${namespace} lacks the search attributes ${last!.name};`),
    );
    assert.match(
      error.problems[0]!,
      /temporal operator search-attribute create --namespace \S+ --name <name> --type Keyword/,
    );
  });
});
