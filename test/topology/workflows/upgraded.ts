/**
 * The "next build" the topology suite rolls its workers to while restores are in flight: today's
 * workflows, with a change to restoreSnapshot guarded by `patched()` the way a real release would ship
 * it. New restores take the branch (a marker, then a memo upsert: one more command at the start); a
 * restore that began on the previous build replays without the marker, so patched() is false there and
 * its history still matches. See `unguarded.ts` for the same change without the guard.
 */
import { patched, upsertMemo } from '@temporalio/workflow';
import type { RestoreRequestInput } from '../../../src/common/restore-request';
import { restoreSnapshot as current, type RestoreContinuation } from '../../../src/workflows/restore';

export { restoreDrill } from '../../../src/workflows/drill';
export { statusQuery } from '../../../src/workflows/restore';

export const TOPOLOGY_UPGRADE_PATCH = 'topology-upgrade';
export const UPGRADED_BUILD_MEMO = 'topologyBuild';

export async function restoreSnapshot(input: RestoreRequestInput, continuation?: RestoreContinuation) {
  if (patched(TOPOLOGY_UPGRADE_PATCH)) upsertMemo({ [UPGRADED_BUILD_MEMO]: 'upgraded' });
  return current(input, continuation);
}
