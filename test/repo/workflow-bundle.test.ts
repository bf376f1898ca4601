import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { workflowBundle } from '../harness';

/**
 * The workflow sandbox evaluates every module a workflow imports once per workflow (reuseV8Context keeps
 * one module cache per workflow). Building the request's zod schemas there cost a restore about 10 ms of
 * CPU, the largest difference from a bare workflow in the throughput benchmark. So the modules reached by
 * static imports from the workflows' entry must not include the schema modules or zod; the drill and runs
 * recorded before the request check moved out load them on demand (an eager `import()`).
 */
const SCHEMA_MODULES = [
  './src/common/restore-request.ts',
  './src/common/validation.ts',
  './src/common/drill-plan.ts',
];

/** Module id → ids it requires at evaluation (static) and only when asked (eager dynamic import). */
function moduleGraph(code: string): Map<string, { statics: Set<string>; lazy: Set<string> }> {
  const graph = new Map<string, { statics: Set<string>; lazy: Set<string> }>();
  const sections = code.split(/^\/\*\*\*\/ "([^"]+)"$/m);
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const body = sections[i + 1]!;
    const node = { statics: new Set<string>(), lazy: new Set<string>() };
    for (const match of body.matchAll(
      /(\/\*! import\(\) eager \*\/\)\.then\(\(\) => \()?__webpack_require__\((?:\/\*[^*]*\*\/\s*)*"([^"]+)"\)/g,
    ))
      (match[1] ? node.lazy : node.statics).add(match[2]!);
    graph.set(sections[i]!, node);
  }
  return graph;
}

function reachable(graph: ReturnType<typeof moduleGraph>, from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of graph.get(id)?.statics ?? []) todo.push(next);
  }
  return seen;
}

describe('the workflow bundle', () => {
  it('evaluates no zod schema for a restore: the schema modules load only on demand', async () => {
    const { code } = await workflowBundle();
    const graph = moduleGraph(code);
    const entry = './src/workflows/index.ts';
    assert.ok(graph.has(entry), 'the bundle holds the workflows entry');
    const evaluated = reachable(graph, entry);
    assert.ok(evaluated.has('./src/workflows/restore.ts'), 'the restore workflow is reached statically');
    const zod = [...evaluated].filter((id) => id.includes('/node_modules/zod/'));
    assert.deepEqual(zod, [], 'no zod module is imported statically by workflow code');
    for (const id of SCHEMA_MODULES) {
      assert.ok(graph.has(id), `${id} is in the bundle (for the drill and older runs)`);
      assert.ok(!evaluated.has(id), `${id} is not imported statically by workflow code`);
    }
    const lazilyLoaded = new Set([...graph.values()].flatMap((node) => [...node.lazy]));
    assert.ok(lazilyLoaded.has('./src/common/restore-request.ts'), 'the request schema loads on demand');
    assert.ok(lazilyLoaded.has('./src/common/drill-plan.ts'), 'the drill plan schema loads on demand');
  });
});
