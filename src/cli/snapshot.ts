/**
 * `atlas-restore snapshot contents`: the databases and collections inside a dedicated cluster's snapshot,
 * from Atlas' snapshot-namespace endpoints, so a person can pick what a collection restore should restore.
 * It talks to Atlas directly with the worker's Atlas variables (ATLAS_*, .env), not through Temporal.
 */
import { objectIdSchema } from '../common/restore-request';
import { loadWorkerConfig } from '../worker/config';
import { createAtlasApi } from '../worker/main';
import { UsageError, type CommandSpec, type ParsedArgs } from './args';
import { help, json, type CommandContext } from './commands';
import { EXIT } from './exit-codes';

export const snapshotSpec: CommandSpec = {
  name: 'snapshot',
  brief: "list the databases and collections in a cluster's snapshot",
  summary:
    "List what a dedicated cluster's snapshot holds: its databases, or one database's collections (--database), so a collection restore can name them. Reads Atlas with the worker's ATLAS_* variables (and .env).",
  positionals: [{ name: 'action', description: 'contents' }],
  flags: {
    group: { type: 'string', value: '<id>', description: "the cluster's project (group) id" },
    source: { type: 'string', value: '<name>', description: 'the dedicated cluster' },
    snapshot: { type: 'string', value: '<id>', description: 'the snapshot id' },
    database: { type: 'string', value: '<name>', description: "list this database's collections" },
    json,
    help,
  },
  examples: [
    'atlas-restore snapshot contents --group 5f1a2b3c4d5e6f7a8b9c0d1e --source prod --snapshot 6a6f78e0cab84da5c4476b25',
  ],
};

export async function snapshotCommand(args: ParsedArgs, ctx: CommandContext): Promise<number> {
  if (args.positionals[0] !== 'contents')
    throw new UsageError('the only snapshot action is "contents"', 'snapshot');
  for (const name of ['group', 'source', 'snapshot'])
    if (typeof args.flags[name] !== 'string') throw new UsageError(`missing --${name}`, 'snapshot');
  for (const name of ['group', 'snapshot'])
    if (!objectIdSchema.safeParse(args.flags[name]).success)
      throw new UsageError(`--${name} must be a 24-character lower-case hex id`, 'snapshot');
  const api = createAtlasApi(loadWorkerConfig(ctx.env));
  const ref = {
    kind: 'cluster' as const,
    groupId: args.flags.group as string,
    name: args.flags.source as string,
  };
  const database = typeof args.flags.database === 'string' ? args.flags.database : undefined;
  const contents = await api
    .listSnapshotNamespaces(ref, args.flags.snapshot as string, database)
    .finally(() => api.close());
  if (args.flags.json) ctx.output.out(JSON.stringify(contents));
  else {
    ctx.output.out(`snapshot ${contents.snapshotId} of ${ref.name}:`);
    for (const db of contents.databases) {
      ctx.output.out(`  ${db.name}`);
      for (const collection of db.collections ?? []) ctx.output.out(`    ${db.name}.${collection}`);
    }
  }
  return EXIT.ok;
}
