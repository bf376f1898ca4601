/** The workflow bundle's entry point: every workflow type the worker serves, and their queries. */
export { restoreSnapshot, statusQuery, type RestoreContinuation } from './restore';
export { restoreDrill } from './drill';
