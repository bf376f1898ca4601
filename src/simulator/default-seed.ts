import type { SeedData, SimulatorIds } from './seed';

/**
 * The world `atlas-restore simulator` and the demo start with when nothing else is given. Ids are fixed;
 * their first 8 hex digits put every creation on 2024-05-01, so each deployment has a long history and its
 * scheduled snapshots exist whatever the date. The second project holds a dedicated cluster for restores
 * across projects.
 */
export const DEFAULT_IDS: SimulatorIds = {
  orgId: '66320490390bd8595f7be1ab',
  projectId: '66320490d7a6931071338f34',
  projectName: 'restore-sandbox',
  serverlessSource: 'orders-serverless',
  serverlessSourceId: '663206e81a2d37a20aa0688e',
  serverlessTarget: 'orders-serverless-restore',
  serverlessTargetId: '663209407140430c4a7b9bc7',
  clusterSource: 'orders-cluster',
  clusterSourceId: '66320b9825a332618e0bd77e',
  clusterTarget: 'orders-cluster-restore',
  clusterTargetId: '66320df0eae564d8b07c3dda',
  flexSource: 'orders-flex',
  flexSourceId: '663210482c3a4bf2729f682f',
  flexTarget: 'orders-flex-restore',
  flexTargetId: '663212a0c9c7033fab7e52f6',
  flexClusterTarget: 'orders-flex-restore-dedicated',
  flexClusterTargetId: '663214f894aca83a36e96e38',
  otherProjectId: '663217507d965fa3a3ca8cdf',
  otherProjectName: 'restore-sandbox-dr',
  otherProjectClusterTarget: 'orders-cluster-dr',
  otherProjectClusterTargetId: '663219a87401209bb1975b2b',
};

export const DEFAULT_SEED: SeedData = {
  projects: [
    { id: DEFAULT_IDS.projectId, name: DEFAULT_IDS.projectName, orgId: DEFAULT_IDS.orgId },
    { id: DEFAULT_IDS.otherProjectId, name: DEFAULT_IDS.otherProjectName, orgId: DEFAULT_IDS.orgId },
  ],
  serverless: [
    {
      id: DEFAULT_IDS.serverlessSourceId,
      groupId: DEFAULT_IDS.projectId,
      name: DEFAULT_IDS.serverlessSource,
      continuousBackup: false,
      tags: [{ key: 'env', value: 'sandbox' }],
    },
    {
      id: DEFAULT_IDS.serverlessTargetId,
      groupId: DEFAULT_IDS.projectId,
      name: DEFAULT_IDS.serverlessTarget,
    },
  ],
  clusters: [
    {
      id: DEFAULT_IDS.clusterSourceId,
      groupId: DEFAULT_IDS.projectId,
      name: DEFAULT_IDS.clusterSource,
      backupEnabled: true,
      pitEnabled: false,
    },
    { id: DEFAULT_IDS.clusterTargetId, groupId: DEFAULT_IDS.projectId, name: DEFAULT_IDS.clusterTarget },
    {
      id: DEFAULT_IDS.flexClusterTargetId,
      groupId: DEFAULT_IDS.projectId,
      name: DEFAULT_IDS.flexClusterTarget,
    },
    {
      id: DEFAULT_IDS.otherProjectClusterTargetId,
      groupId: DEFAULT_IDS.otherProjectId,
      name: DEFAULT_IDS.otherProjectClusterTarget,
    },
  ],
  flexClusters: [
    {
      id: DEFAULT_IDS.flexSourceId,
      groupId: DEFAULT_IDS.projectId,
      name: DEFAULT_IDS.flexSource,
      tags: [{ key: 'env', value: 'sandbox' }],
    },
    { id: DEFAULT_IDS.flexTargetId, groupId: DEFAULT_IDS.projectId, name: DEFAULT_IDS.flexTarget },
  ],
};

/** The simulator's own throwaway credentials (overridable; the command also reads ATLAS_* variables). */
export interface SimulatorCredentials {
  /** API key pair for HTTP Digest: username. */
  publicKey: string;
  /** API key pair for HTTP Digest: password. Secret. */
  privateKey: string;
  /** Service account for OAuth client credentials, `mdb_sa_id_<24 hex>`. */
  clientId: string;
  /** Service account secret. Secret. */
  clientSecret: string;
}

export const DEFAULT_CREDENTIALS: SimulatorCredentials = {
  publicKey: 'simulatr',
  privateKey: 'c0ffee00-5151-4a7e-9d1b-2bb80d537b1d',
  clientId: 'mdb_sa_id_66320490505ada40f8e34e8b',
  clientSecret: 'mdb_sa_sk_2bb80d537b1da3e38bd30361aa855686',
};
