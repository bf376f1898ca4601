/** Visibility: the query `list` runs (also pasteable into the Web UI) and execution status names. */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { RESTORE_WORKFLOW_TYPE, searchAttributes } from '../common/contract';
import type { ExecutionStatus, RestoreListFilter } from './types';

const VISIBILITY_STATUS: Record<ExecutionStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  continued_as_new: 'ContinuedAsNew',
  timed_out: 'TimedOut',
  paused: 'Paused',
  unknown: 'Unknown',
};
export const EXECUTION_STATUSES = Object.keys(VISIBILITY_STATUS) as ExecutionStatus[];

export function statusName(name: WorkflowExecutionStatusName): ExecutionStatus {
  return (name === 'UNSPECIFIED' ? 'unknown' : name.toLowerCase()) as ExecutionStatus;
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for a filter; exported so operators can paste it into the Web UI or `temporal workflow list`. */
export function restoreListQuery(filter: RestoreListFilter = {}): string {
  const clauses = [`WorkflowType = ${quote(RESTORE_WORKFLOW_TYPE)}`];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) clauses.push(`${name} = ${quote(value)}`);
  };
  add(searchAttributes.deploymentKind.name, filter.kind);
  add(searchAttributes.groupId.name, filter.groupId);
  add(searchAttributes.instanceName.name, filter.instance);
  add(searchAttributes.targetCluster.name, filter.target);
  add(searchAttributes.restorePhase.name, filter.phase);
  add(searchAttributes.restoreJobId.name, filter.restoreJobId);
  add(searchAttributes.restoreOutcome.name, filter.outcome);
  add(searchAttributes.drillId.name, filter.drillId);
  if (filter.status !== undefined) add('ExecutionStatus', VISIBILITY_STATUS[filter.status]);
  return clauses.join(' AND ');
}
