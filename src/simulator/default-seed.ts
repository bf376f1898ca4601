import type { DeploymentDataInput } from './data/spec';
import type { SeedData, SimulatorIds } from './seed';

/**
 * The world `atlas-restore simulator` and the demo start with when nothing else is given. Ids are fixed;
 * their first 8 hex digits put every creation on 2024-05-01, so each deployment has a long history and its
 * scheduled snapshots exist whatever the date. The second project holds a dedicated cluster for restores
 * across projects. The three sources hold data (`DEFAULT_SOURCE_DATA`); the targets start empty.
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

/**
 * What each source of the default seed holds (data plane): about 5,800 documents at the world's creation,
 * growing by 92 a simulated hour. The TTL index keeps ten years, so a real mongod's TTL monitor (which runs
 * on real time) deletes none of the generated documents.
 */
export const DEFAULT_SOURCE_DATA: DeploymentDataInput = {
  databases: [
    {
      name: 'shop',
      collections: [
        {
          name: 'orders',
          documents: 3_000,
          writesPerHour: 30,
          indexes: [
            { name: 'status_1', key: { status: 1 } },
            { name: 'writtenAt_-1', key: { writtenAt: -1 } },
          ],
        },
        {
          name: 'customers',
          documents: 800,
          writesPerHour: 2,
          indexes: [{ name: 'region_1', key: { region: 1 } }],
        },
      ],
    },
    {
      name: 'analytics',
      collections: [
        {
          name: 'events',
          documents: 2_000,
          writesPerHour: 60,
          indexes: [{ name: 'writtenAt_ttl', key: { writtenAt: 1 }, expireAfterSeconds: 10 * 365 * 86_400 }],
        },
      ],
    },
  ],
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
      data: DEFAULT_SOURCE_DATA,
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
      data: DEFAULT_SOURCE_DATA,
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
      data: DEFAULT_SOURCE_DATA,
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
  /**
   * The database user of every deployment's data (data plane). Atlas database users belong to the
   * project, not to a snapshot, so a restore never changes them.
   */
  databaseUsername: string;
  /** Its password. Secret. */
  databasePassword: string;
}

export const DEFAULT_CREDENTIALS: SimulatorCredentials = {
  publicKey: 'simulatr',
  privateKey: 'c0ffee00-5151-4a7e-9d1b-2bb80d537b1d',
  clientId: 'mdb_sa_id_66320490505ada40f8e34e8b',
  clientSecret: 'mdb_sa_sk_2bb80d537b1da3e38bd30361aa855686',
  databaseUsername: 'restore-checker',
  databasePassword: 'dbpw-6c1e9a47-5d2b-4f08-b3a1-93e0c7d2f514',
};
