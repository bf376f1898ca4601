import { MongoClient } from 'mongodb';
import type { ExpectedContent, RunningSimulator } from '../../src/simulator';

/** Reading a simulated deployment's data with the official driver, as a restore's user would. */

export interface Content {
  /** Documents per namespace (`db.collection`), system databases left out. */
  namespaces: Record<string, number>;
  /** Index names per namespace, sorted. */
  indexes: Record<string, string[]>;
  /** The `stats` document of each `meta` namespace. */
  stats: Record<string, unknown>;
}

export function databaseUser(sim: RunningSimulator) {
  return { username: sim.credentials.databaseUsername, password: sim.credentials.databasePassword };
}

/** A client with the simulator's database user; a refused connection fails within `timeoutMs`. */
export function clientFor(
  sim: RunningSimulator,
  uri: string,
  options: { password?: string; timeoutMs?: number } = {},
): MongoClient {
  const user = databaseUser(sim);
  return new MongoClient(uri, {
    auth: { username: user.username, password: options.password ?? user.password },
    serverSelectionTimeoutMS: options.timeoutMs ?? 3_000,
    connectTimeoutMS: options.timeoutMs ?? 3_000,
  });
}

export async function withClient<T>(
  sim: RunningSimulator,
  uri: string,
  fn: (client: MongoClient) => Promise<T>,
): Promise<T> {
  const client = clientFor(sim, uri);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Whether the deployment accepts a connection (and the user) now. */
export async function accepts(sim: RunningSimulator, uri: string): Promise<boolean> {
  const client = clientFor(sim, uri, { timeoutMs: 1_000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

const SYSTEM = new Set(['admin', 'local', 'config']);

/** Everything the deployment holds, read through its connection string. */
export async function readContent(sim: RunningSimulator, uri: string): Promise<Content> {
  return withClient(sim, uri, async (client) => {
    const content: Content = { namespaces: {}, indexes: {}, stats: {} };
    const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
    for (const { name } of databases) {
      if (SYSTEM.has(name)) continue;
      const db = client.db(name);
      for (const { name: collection } of await db.listCollections({}, { nameOnly: true }).toArray()) {
        const ns = `${name}.${collection}`;
        content.namespaces[ns] = await db.collection(collection).countDocuments();
        content.indexes[ns] = (await db.collection(collection).listIndexes().toArray())
          .map((index) => String(index.name))
          .sort();
        const stats = await db.collection<{ _id: string }>(collection).findOne({ _id: 'stats' });
        if (stats) content.stats[ns] = stats;
      }
    }
    return content;
  });
}

/** The model's figures in the shape `readContent` returns. */
export function asContent(expected: ExpectedContent): Content {
  const content: Content = { namespaces: {}, indexes: {}, stats: {} };
  for (const [ns, { documents, indexes }] of Object.entries(expected.namespaces)) {
    content.namespaces[ns] = documents;
    content.indexes[ns] = [...indexes].sort();
  }
  for (const [ns, stats] of Object.entries(expected.stats)) content.stats[ns] = stats;
  return content;
}
