/**
 * The upgraded build's change without its `patched()` guard: replaying a history recorded by the previous
 * build must fail with a determinism error (the topology suite checks it), which is why the guard exists.
 */
import { upsertMemo } from '@temporalio/workflow';
import type { RestoreRequestInput } from '../../../src/common/restore-request';
import { restoreSnapshot as current, type RestoreContinuation } from '../../../src/workflows/restore';

export { restoreDrill } from '../../../src/workflows/drill';
export { statusQuery } from '../../../src/workflows/restore';

export async function restoreSnapshot(input: RestoreRequestInput, continuation?: RestoreContinuation) {
  upsertMemo({ topologyBuild: 'upgraded' });
  return current(input, continuation);
}
