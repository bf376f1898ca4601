/**
 * The programmatic restore client (`import { createRestoreClient } from 'atlas-restore'`): behaviour in
 * `restore-client.ts`, public types in `types.ts`, how runs end in `outcomes.ts`, visibility queries in
 * `visibility.ts`, live progress in `progress.ts`, errors in `errors.ts`.
 */
export { InvalidRestoreRequestError, RestoreNotFoundError, TargetBusyError } from './errors';
export { outcomeOfFailure } from './outcomes';
export { pollingProgressOf } from './progress';
export { createRestoreClient, restoreSearchAttributes, validateRestoreRequest } from './restore-client';
export type * from './types';
export { EXECUTION_STATUSES, restoreListQuery } from './visibility';
export {
  createDrillClient,
  InvalidDrillPlanError,
  validateDrillPlan,
  type DrillClient,
  type DrillInfo,
  type DrillScheduleOptions,
  type StartedDrill,
} from './drill-client';
export {
  buildDrillReport,
  DRILL_REPORT_FORMATS,
  renderDrillReport,
  type DrillReportFormat,
} from './drill-report';
