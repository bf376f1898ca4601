// Scaffolding for the secrets test: a workflow that only validates, so the validation activity runs in a
// real worker process and its input, result and failure land in a history. Not product code.
import { proxyActivities } from '@temporalio/workflow';
import type { RestoreActivities, ValidateRestoreInput, ValidationReport } from '../../src/activities';

const { validateRestore } = proxyActivities<RestoreActivities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { maximumAttempts: 1 },
});

export async function validateOnly(input: ValidateRestoreInput): Promise<ValidationReport> {
  return await validateRestore(input);
}
