import type { DeploymentKind } from '../../common/deployment-kinds';
import { clusterKind } from './cluster';
import { flexKind } from './flex';
import { serverlessKind } from './serverless';
import type { KindAdapter } from './types';

/** Every kind's adapter. A new kind: its module, and one entry here. */
export const KIND_ADAPTERS: Record<DeploymentKind, KindAdapter> = {
  serverless: serverlessKind as unknown as KindAdapter,
  cluster: clusterKind as unknown as KindAdapter,
  flex: flexKind as unknown as KindAdapter,
};

/**
 * The order `auto` asks the kinds in: Flex first, as the Atlas CLI does, then dedicated clusters (where
 * most restores go today), then the retired serverless instances.
 */
export const KIND_RESOLUTION_ORDER: readonly DeploymentKind[] = ['flex', 'cluster', 'serverless'];

export { clusterKind, flexKind, serverlessKind };
export { retiredHint, type DeploymentRecord, type KindAdapter } from './types';
