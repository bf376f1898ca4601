/**
 * What the workflows need of validation, free of zod (the workflow sandbox imports it): what the checks
 * found, how a check is described, and the validation activity's failure types.
 */
import type { ValidationCheck, ValidationSpec } from './validation';

/** What one check found. `actual`/`expected` are short, human-readable figures ("2,814", ">= 100"). */
export interface ValidationCheckResult {
  /** The check's `name`, or a description of it (`count orders.items = 2814`). */
  name: string;
  kind: ValidationCheck['kind'];
  ok: boolean;
  /** One line: what was found against what was wanted. */
  summary: string;
  actual?: string;
  expected?: string;
}

export interface ValidationReport {
  ok: boolean;
  checks: ValidationCheckResult[];
  /** When the first connection to the target succeeded (ISO), and after how many attempts. */
  connectedAt: string;
  connectAttempts: number;
  /** When the checks were done (ISO). */
  validatedAt: string;
}

/** Whether any check compares with the live source, which validation must then connect to as well. */
export function readsSource(spec: ValidationSpec): boolean {
  return spec.checks.some((check) => check.kind === 'count' && check.ofSource !== undefined);
}

/** A description of a check for reports, when it has no name. */
export function describeCheck(check: ValidationCheck): string {
  if (check.name) return check.name;
  const ns =
    'collection' in check && check.collection ? `${check.database}.${check.collection}` : check.database;
  switch (check.kind) {
    case 'exists':
      return `${ns} exists`;
    case 'count':
      return `count ${ns}${check.filter ? ' (filtered)' : ''}`;
    case 'query':
      return `${check.pipeline ? 'aggregation' : 'query'} on ${ns} returns >= ${check.minResults}`;
    case 'indexes':
      return `indexes ${check.names.join(', ')} on ${ns}`;
  }
}

/**
 * Failure types of the validation activity (non-retryable `ApplicationFailure`s): the target (or the
 * source) never accepted a connection within `connectTimeout`, or the worker has no database credentials.
 * A check that fails is not a failure of the activity: it is a result with `ok: false`.
 */
export const ValidationFailureType = {
  ValidationUnreachable: 'ValidationUnreachable',
  ValidationNotConfigured: 'ValidationNotConfigured',
  InvalidValidationInput: 'InvalidValidationInput',
} as const;
export type ValidationFailureType = (typeof ValidationFailureType)[keyof typeof ValidationFailureType];
