export * from './contract';
export * from './deployment-kinds';
export * from './duration';
export * from './restore-job-state';
export * from './restore-request';
