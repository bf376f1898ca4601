/**
 * Every wire shape of the Atlas Admin API the engine uses, in one import: the shared ones (`./wire`) and
 * each kind's (`./kinds/*`), which own them. The simulator and the tests that parse recorded real
 * responses use the same schemas as the client.
 */
export * from './wire';
export * from './kinds/shared';
export * from './kinds/serverless';
export * from './kinds/cluster';
export * from './kinds/flex';
export * from './kinds/collection-restore';
