import type { RestoreRequestInput } from '../../src/common/restore-request';

/**
 * Restore requests that must be refused, each with the field its error has to name. `shape` inputs break
 * the shared schema and are refused before anything starts; `atlas` inputs are well-formed but wrong about
 * the world (unknown snapshot, wrong kind, a time outside the restore window) and must fail before the
 * workflow writes anything to Atlas.
 */
export interface BadInput {
  name: string;
  /** The dotted path (or key name) the error message must contain. */
  field: string;
  stage: 'shape' | 'atlas';
  input: unknown;
}

export interface World {
  groupId: string;
  instance: string;
  /** A dedicated cluster in the same project (for the wrong-kind case). */
  cluster: string;
  target: string;
  snapshotId: string;
  /** The simulator's "now", Unix seconds. */
  nowSeconds: number;
}

const OTHER_HEX = 'ffffffffffffffffffffffff';

export function validRequest(world: World): RestoreRequestInput {
  return {
    source: { kind: 'serverless', groupId: world.groupId, name: world.instance },
    snapshot: { snapshotId: world.snapshotId },
    target: { groupId: world.groupId, name: world.target },
  };
}

type Mutate = (request: Record<string, any>) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

function variant(world: World, mutate: Mutate): unknown {
  const request = structuredClone(validRequest(world)) as Record<string, unknown>;
  const replaced = mutate(request);
  return replaced === undefined ? request : replaced;
}

export function badInputs(world: World): BadInput[] {
  const shape = (name: string, field: string, mutate: Mutate): BadInput => ({
    name,
    field,
    stage: 'shape',
    input: variant(world, mutate),
  });
  const atlas = (name: string, field: string, mutate: Mutate): BadInput => ({
    name,
    field,
    stage: 'atlas',
    input: variant(world, mutate),
  });
  return [
    shape('request is null', '(request)', () => null),
    shape('request is a string', '(request)', () => 'restore please'),
    shape('source missing', 'source', (r) => void delete r.source),
    shape('source.kind missing', 'source.kind', (r) => void delete r.source.kind),
    shape('source.kind unknown', 'source.kind', (r) => void (r.source.kind = 'dedicated')),
    shape('source.groupId too short', 'source.groupId', (r) => void (r.source.groupId = 'abc123')),
    shape(
      'source.groupId upper-case',
      'source.groupId',
      (r) => void (r.source.groupId = world.groupId.toUpperCase()),
    ),
    shape('source.groupId a number', 'source.groupId', (r) => void (r.source.groupId = 12345)),
    shape('source.name empty', 'source.name', (r) => void (r.source.name = '')),
    shape('source.name leading dash', 'source.name', (r) => void (r.source.name = '-orders')),
    shape('source.name with a space', 'source.name', (r) => void (r.source.name = 'orders db')),
    shape('source.name with a path', 'source.name', (r) => void (r.source.name = '../admin')),
    shape('source.name 65 characters', 'source.name', (r) => void (r.source.name = 'a'.repeat(65))),
    shape('source.name 100 kB', 'source.name', (r) => void (r.source.name = 'b'.repeat(100_000))),
    shape('source unknown key', 'region', (r) => void (r.source.region = 'US_EAST_1')),
    shape('snapshot missing', 'snapshot', (r) => void delete r.snapshot),
    shape('snapshot empty', 'snapshot', (r) => void (r.snapshot = {})),
    shape(
      'snapshot.snapshotId not hex',
      'snapshot.snapshotId',
      (r) => void (r.snapshot = { snapshotId: 'not-a-snapshot-id-xxxxxx' }),
    ),
    shape('snapshot latest false', 'snapshot', (r) => void (r.snapshot = { latest: false })),
    shape(
      'snapshot id and latest together',
      'snapshot',
      (r) => void (r.snapshot = { snapshotId: world.snapshotId, latest: true }),
    ),
    shape(
      'pointInTime fractional',
      'snapshot',
      (r) => void (r.snapshot = { pointInTimeUtcSeconds: world.nowSeconds - 0.5 }),
    ),
    shape(
      'pointInTime before 2008',
      'snapshot.pointInTimeUtcSeconds',
      (r) => void (r.snapshot = { pointInTimeUtcSeconds: 1_000_000 }),
    ),
    shape(
      'pointInTime as a date string',
      'snapshot',
      (r) => void (r.snapshot = { pointInTimeUtcSeconds: '2026-01-01T00:00:00Z' }),
    ),
    shape('target missing', 'target', (r) => void delete r.target),
    shape(
      'target.groupId 25 characters',
      'target.groupId',
      (r) => void (r.target.groupId = `${world.groupId}0`),
    ),
    shape('target.name underscore', 'target.name', (r) => void (r.target.name = 'orders_copy')),
    shape('target.name missing', 'target.name', (r) => void delete r.target.name),
    shape('credential pasted into the request', 'privateKey', (r) => void (r.privateKey = 'a-secret-value')),
    shape(
      'ensureContinuousBackup a string',
      'ensureContinuousBackup',
      (r) => void (r.ensureContinuousBackup = 'yes'),
    ),
    shape('deadline without unit', 'deadline', (r) => void (r.deadline = '90')),
    shape('deadline below 1m', 'deadline', (r) => void (r.deadline = '30s')),
    shape('deadline above 30d', 'deadline', (r) => void (r.deadline = '31d')),
    shape('deadline in words', 'deadline', (r) => void (r.deadline = 'one hour')),
    shape('deadline 100 kB', 'deadline', (r) => void (r.deadline = '1'.repeat(100_000))),
    shape(
      'polling.initialInterval below 1s',
      'polling.initialInterval',
      (r) => void (r.polling = { initialInterval: '500ms' }),
    ),
    shape(
      'polling.maxInterval above 1h',
      'polling.maxInterval',
      (r) => void (r.polling = { maxInterval: '2h' }),
    ),
    shape(
      'polling.initialInterval above maxInterval',
      'polling.initialInterval',
      (r) => void (r.polling = { initialInterval: '2m', maxInterval: '1m' }),
    ),
    shape('polling unknown key', 'jitter', (r) => void (r.polling = { jitter: '1s' })),
    atlas('unknown snapshot', 'snapshot.snapshotId', (r) => void (r.snapshot = { snapshotId: OTHER_HEX })),
    atlas(
      'point in time before the restore window',
      'snapshot.pointInTimeUtcSeconds',
      (r) => void (r.snapshot = { pointInTimeUtcSeconds: world.nowSeconds - 10 * 86_400 }),
    ),
    atlas(
      'point in time in the future',
      'snapshot.pointInTimeUtcSeconds',
      (r) => void (r.snapshot = { pointInTimeUtcSeconds: world.nowSeconds + 86_400 }),
    ),
    atlas('wrong kind for the source', 'source.kind', (r) => void (r.source.kind = 'cluster')),
    atlas('unknown source instance', 'source.name', (r) => void (r.source.name = 'no-such-instance')),
    atlas('unknown source project', 'source.groupId', (r) => void (r.source.groupId = OTHER_HEX)),
  ];
}
