import type { Client } from '@temporalio/client';

/** Runs `fn` over `items` with at most `size` calls in flight; results keep the items' order. */
export async function inBatches<T, R>(
  items: T[],
  size: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!, index);
      }
    }),
  );
  return results;
}

/**
 * Waits until no workflow of the task queue is running (visibility can lag a start, hence `expected`), then
 * returns the latest close time (epoch ms) and how many completed. Fails after `timeoutMs`.
 */
export async function waitForQueueDrained(
  client: Client,
  taskQueue: string,
  expected: number,
  timeoutMs: number,
): Promise<{ lastCloseMs: number; completed: number; other: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`);
    const all = await client.workflow.count(`TaskQueue = '${taskQueue}'`);
    if (running.count === 0 && all.count >= expected) break;
    if (Date.now() > deadline) {
      throw new Error(
        `${running.count} of ${all.count} workflows on ${taskQueue} still running after ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  let lastCloseMs = 0;
  let completed = 0;
  let other = 0;
  for await (const info of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
    if (info.status.name === 'COMPLETED') completed += 1;
    else other += 1;
    if (info.closeTime) lastCloseMs = Math.max(lastCloseMs, info.closeTime.getTime());
  }
  return { lastCloseMs, completed, other };
}
