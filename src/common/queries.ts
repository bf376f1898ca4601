/**
 * The queries the restore workflows answer, defined once: the workflows set their handlers, the client and
 * the CLI query by these definitions (not by name strings). `defineQuery` is plain data, so this module is
 * safe both inside the workflow sandbox and in a client process.
 */
import { defineQuery } from '@temporalio/workflow';
import { STATUS_QUERY_NAME, type RestoreStatus } from './contract';

/** The restore's current status (phase, job, polls, outcome once ended). Served by the worker's cache. */
export const statusQuery = defineQuery<RestoreStatus>(STATUS_QUERY_NAME);
