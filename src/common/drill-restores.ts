/**
 * What a drill entry becomes: its label and, once its snapshot is chosen, its restore request. Free of
 * zod, for the workflow sandbox.
 */
import type { DrillPlan, DrillRestore } from './drill-plan';
import type { RestoreRequestInput } from './restore-request';

/** A restore's default label: what it restores into what. */
export function drillRestoreLabel(restore: Pick<DrillRestore, 'label' | 'source' | 'target'>): string {
  return restore.label ?? `${restore.source.name} -> ${restore.target.name}`;
}

/**
 * The restore request a drill entry becomes once its snapshot is chosen. Checked with the restore schema
 * too, so a plan that passes never starts a restore its workflow would refuse.
 */
export function drillRestoreRequest(
  plan: Pick<DrillPlan, 'defaults'>,
  restore: DrillRestore,
  snapshot: RestoreRequestInput['snapshot'],
): RestoreRequestInput {
  const request: RestoreRequestInput = {
    source: restore.source,
    snapshot,
    target: restore.target,
  };
  const validate = restore.validate ?? plan.defaults.validate;
  const objectives = restore.objectives ?? plan.defaults.objectives;
  const deadline = restore.deadline ?? plan.defaults.deadline;
  if (validate) request.validate = validate;
  if (objectives) request.objectives = objectives;
  if (deadline) request.deadline = deadline;
  if (plan.defaults.polling) request.polling = plan.defaults.polling;
  if (restore.ensureContinuousBackup !== undefined)
    request.ensureContinuousBackup = restore.ensureContinuousBackup;
  if (restore.scope) request.scope = restore.scope;
  return request;
}
