/**
 * The package entry point: the programmatic client for services that start and follow restores, and the
 * contract types they exchange with the workflow. Worker, CLI and simulator are reached by their own paths.
 */
export * from './client';
export * from './common';
