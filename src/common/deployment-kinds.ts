/**
 * Kinds of Atlas deployment the restore engine can drive. Serverless is kept for its contract (and the
 * simulator) although Atlas sunset its endpoints on 2026-01-22; dedicated clusters are what users restore
 * today. Flex is next: adding it means a new entry here and its descriptor in `src/atlas/deployments.ts`.
 */
export const DEPLOYMENT_KINDS = ['serverless', 'cluster'] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

/** What a person calls each kind, for summaries and errors. */
export const DEPLOYMENT_KIND_LABEL: Record<DeploymentKind, string> = {
  serverless: 'serverless instance',
  cluster: 'dedicated cluster',
};
