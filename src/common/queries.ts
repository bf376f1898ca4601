/**
 * The queries the restore workflows answer, defined once: the workflows set their handlers, the client and
 * the CLI query by these definitions (not by name strings). `defineQuery` is plain data, so this module is
 * safe both inside the workflow sandbox and in a client process.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { STATUS_QUERY_NAME, type RestoreStatus } from './contract';
import type { DrillStatus } from './drill-contract';

/** The restore's current status (phase, job, polls, outcome once ended). Served by the worker's cache. */
export const statusQuery = defineQuery<RestoreStatus>(STATUS_QUERY_NAME);

/**
 * Sent by a restore a drill started, when it is cancelled, to say what goes on in Atlas (a Canceled run
 * carries no message its parent could read).
 */
export const restoreCancelledSignal =
  defineSignal<[{ workflowId: string; message: string }]>('restoreCancelled');

/** The drill's current state: counts by outcome and every restore's record so far. */
export const drillStatusQuery = defineQuery<DrillStatus>('drillStatus');
