import { isoSeconds } from './clock';
import { hashHex } from './ids';
import type { DeploymentRecord, ProjectRecord } from './state';

/**
 * What every kind's response bodies share. Bodies follow the recorded Atlas responses: keys in Atlas' order
 * (alphabetical), `links` with the same `rel` values, timestamps without fractional seconds. The shapes of
 * each kind's deployment, snapshot and restore job live in `kinds/<kind>.ts`.
 */

export type Flavour = 'v1.0' | 'v2';

export interface ViewContext {
  /** `http://host:port/api/atlas/v2` (or `v1.0`): the prefix of every `href`. */
  apiBase: string;
  flavour: Flavour;
  /** The negotiated media-type version on v2. */
  version?: string;
  nowMs: number;
  /** With the data plane: the address a driver reaches the deployment's data at. */
  standardConnectionString?: (deployment: DeploymentRecord) => string | undefined;
}

/**
 * A deployment's `connectionStrings`: the kind's own SRV string (a host that resolves nowhere), plus, with
 * the data plane, `standard` naming the deployment's loopback address, as real dedicated and Flex clusters
 * carry both. `standard` replaces the kind's own when it has one.
 */
export function connectionStrings(
  deployment: DeploymentRecord,
  ctx: ViewContext,
  own: { standard?: string; standardSrv: string },
): { standard?: string; standardSrv: string } {
  const standard = ctx.standardConnectionString?.(deployment) ?? own.standard;
  return { ...(standard !== undefined ? { standard } : {}), standardSrv: own.standardSrv };
}

export const link = (href: string, rel: string) => ({ href, rel });

export function projectView(project: ProjectRecord, clusterCount: number, ctx: ViewContext) {
  return {
    clusterCount,
    created: isoSeconds(project.createdMs),
    id: project.id,
    links: [link(`${ctx.apiBase}/groups/${project.id}`, 'self')],
    name: project.name,
    orgId: project.orgId,
  };
}

/** `…/groups/{groupId}/{segment}/{name}`: a deployment's own path under its kind's collection. */
export function deploymentHref(segment: string, groupId: string, name: string, ctx: ViewContext): string {
  return `${ctx.apiBase}/groups/${groupId}/${segment}/${name}`;
}

/** The `links` of a serverless instance or dedicated cluster (recorded rels); Flex objects have none. */
export function deploymentLinks(self: string) {
  return [
    link(self, 'self'),
    link(`${self}/backup/restoreJobs`, 'https://cloud.mongodb.com/restoreJobs'),
    link(`${self}/backup/snapshots`, 'https://cloud.mongodb.com/snapshots'),
  ];
}

/** The per-project label in host names (`<name>.<label>.mongodb.net`), stable across restarts. */
export function hostLabel(deployment: DeploymentRecord): string {
  return hashHex(`${deployment.groupId}|host`).slice(0, 7);
}

export function deploymentStateName(deployment: DeploymentRecord, nowMs: number): string {
  const update = deployment.update;
  return update && nowMs >= update.startsMs && nowMs < update.endsMs ? 'UPDATING' : 'IDLE';
}
