/**
 * Which parts of a restore request a deployment kind cannot serve. Free of zod: the workflow asks again
 * once an `auto` source has been resolved, and the sandbox evaluates its imports once per workflow.
 */
import { capabilitiesOf, type DeploymentKind } from './deployment-kinds';
import type { RestoreRequestInput } from './restore-request';

/**
 * What a request asks of its source that the source's kind cannot do: a point in time where the kind has
 * none, continuous backup where the kind has no switch.
 */
export function capabilityIssues(
  kind: DeploymentKind,
  request: Pick<RestoreRequestInput, 'snapshot' | 'ensureContinuousBackup'> & { scope?: unknown },
): { path: string[]; message: string }[] {
  const capabilities = capabilitiesOf(kind);
  const issues: { path: string[]; message: string }[] = [];
  if (
    capabilities.pointInTime === null &&
    request.snapshot !== null &&
    typeof request.snapshot === 'object' &&
    'pointInTimeUtcSeconds' in request.snapshot
  ) {
    issues.push({
      path: ['snapshot', 'pointInTimeUtcSeconds'],
      message: `${capabilities.label}s have no point-in-time restore (no continuous backup); restore a snapshot ({ snapshotId } or { latest: true })`,
    });
  }
  if (!capabilities.collectionRestore && request.scope !== undefined) {
    issues.push({
      path: ['scope'],
      message: `${capabilities.label}s have no collection- or database-level restore; restore the whole deployment (leave scope out)`,
    });
  }
  if (capabilities.continuousBackup === null && request.ensureContinuousBackup === true) {
    issues.push({
      path: ['ensureContinuousBackup'],
      message: `${capabilities.label}s have no continuous backup to turn on; leave it unset or false`,
    });
  }
  return issues;
}
