import { MongoServerError, ObjectId, type Filter, type MongoClient } from 'mongodb';
import { describeCheck, type ValidationCheck, type ValidationCheckResult } from '../common/validation';

/**
 * The checks of a validation spec, run with the official driver. A check that finds the data wrong is a
 * result with `ok: false`; so is one the server refuses (a bad filter, a missing collection). Anything else
 * (the connection dropped) is thrown, for the activity's retry policy.
 */

export interface CheckTargets {
  target: MongoClient;
  /** The live source, for `ofSource` counts. */
  source?: MongoClient;
  /** The restored moment, Unix seconds, for `ofSource` counts. */
  restoredToSeconds?: number;
}

const figure = (n: number) => n.toLocaleString('en-US');
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** Codes of the server's "no such namespace" answers (NamespaceNotFound). */
const NAMESPACE_NOT_FOUND = 26;

/**
 * Documents of the source written at or before second `seconds` by `timeField`. An ObjectId's time is its
 * first four bytes and the rest is never all zero, so "at or before second S" is `< createFromTime(S+1)`;
 * `<= createFromTime(S)` would leave out every id made during second S itself.
 */
function upTo(timeField: string, seconds: number): Filter<Record<string, unknown>> {
  return timeField === '_id'
    ? { _id: { $lt: ObjectId.createFromTime(seconds + 1) } }
    : { [timeField]: { $lte: new Date(seconds * 1000) } };
}

function both(
  filter: Record<string, unknown> | undefined,
  extra: Filter<Record<string, unknown>>,
): Filter<Record<string, unknown>> {
  return filter && Object.keys(filter).length > 0 ? { $and: [filter, extra] } : extra;
}

type Outcome = Omit<ValidationCheckResult, 'name' | 'kind'>;

async function exists(check: Extract<ValidationCheck, { kind: 'exists' }>, { target }: CheckTargets) {
  const db = target.db(check.database);
  // A database exists while it holds a collection; listCollections needs no cluster-wide privilege.
  const found = await db
    .listCollections(check.collection ? { name: check.collection } : {}, { nameOnly: true })
    .toArray();
  const ns = check.collection ? `${check.database}.${check.collection}` : `database ${check.database}`;
  const ok = found.length > 0;
  return {
    ok,
    summary: `${ns} ${ok ? 'exists' : 'is missing'}`,
    actual: ok ? 'present' : 'missing',
    expected: 'present',
  };
}

async function count(
  check: Extract<ValidationCheck, { kind: 'count' }>,
  targets: CheckTargets,
): Promise<Outcome> {
  const ns = `${check.database}.${check.collection}`;
  const found = await targets.target
    .db(check.database)
    .collection(check.collection)
    .countDocuments(check.filter ?? {});
  const wanted: string[] = [];
  let ok = true;
  if (check.equals !== undefined) {
    ok &&= found === check.equals;
    wanted.push(`= ${figure(check.equals)}`);
  }
  if (check.min !== undefined) {
    ok &&= found >= check.min;
    wanted.push(`>= ${figure(check.min)}`);
  }
  if (check.max !== undefined) {
    ok &&= found <= check.max;
    wanted.push(`<= ${figure(check.max)}`);
  }
  if (check.ofSource) {
    const seconds = targets.restoredToSeconds!;
    const atSource = await targets
      .source!.db(check.ofSource.database ?? check.database)
      .collection(check.ofSource.collection ?? check.collection)
      .countDocuments(both(check.filter, upTo(check.ofSource.timeField, seconds)));
    // Either tolerance may widen the allowance; the larger one applies.
    const allowed = Math.max(
      check.ofSource.toleranceDocuments ?? 0,
      Math.floor((atSource * (check.ofSource.tolerancePercent ?? 0)) / 100),
    );
    ok &&= Math.abs(found - atSource) <= allowed;
    wanted.push(
      `${figure(atSource)}${allowed > 0 ? ` ± ${figure(allowed)}` : ''} (the source's up to ${iso(seconds)} by ${check.ofSource.timeField})`,
    );
  }
  const expected = wanted.join(' and ');
  return {
    ok,
    summary: `${ns} holds ${figure(found)} documents${check.filter ? ' matching the filter' : ''}; wanted ${expected}`,
    actual: figure(found),
    expected,
  };
}

async function query(
  check: Extract<ValidationCheck, { kind: 'query' }>,
  { target }: CheckTargets,
): Promise<Outcome> {
  const ns = `${check.database}.${check.collection}`;
  const collection = target.db(check.database).collection(check.collection);
  const expected = `>= ${figure(check.minResults)}`;
  let results: unknown[];
  if (check.pipeline) {
    const writes = check.pipeline.find((stage) => '$out' in stage || '$merge' in stage);
    if (writes)
      return {
        ok: false,
        summary: `the pipeline on ${ns} writes (${'$out' in writes ? '$out' : '$merge'}); validation only reads`,
        expected,
      };
    // Stops at minResults: enough to decide, and a large result set is never pulled over the wire.
    results = await collection.aggregate([...check.pipeline, { $limit: check.minResults }]).toArray();
  } else {
    results = await collection
      .find(check.filter ?? {}, { projection: { _id: 1 } })
      .limit(check.minResults)
      .toArray();
  }
  const ok = results.length >= check.minResults;
  const what = check.pipeline ? 'the aggregation' : 'the query';
  return {
    ok,
    summary: ok
      ? `${what} on ${ns} returned at least ${figure(check.minResults)} result${check.minResults === 1 ? '' : 's'}`
      : `${what} on ${ns} returned ${figure(results.length)}; wanted ${expected}`,
    actual: ok ? expected : figure(results.length),
    expected,
  };
}

async function indexes(
  check: Extract<ValidationCheck, { kind: 'indexes' }>,
  { target }: CheckTargets,
): Promise<Outcome> {
  const ns = `${check.database}.${check.collection}`;
  const expected = check.names.join(', ');
  let names: string[];
  try {
    const found = await target.db(check.database).collection(check.collection).listIndexes().toArray();
    names = found.map((index) => String(index.name));
  } catch (error) {
    if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)
      return { ok: false, summary: `${ns} is missing, so it has no indexes`, actual: 'missing', expected };
    throw error;
  }
  const missing = check.names.filter((name) => !names.includes(name));
  return {
    ok: missing.length === 0,
    summary:
      missing.length === 0
        ? `${ns} has ${expected}`
        : `${ns} lacks ${missing.join(', ')} (it has ${names.join(', ') || 'none'})`,
    actual: names.join(', '),
    expected,
  };
}

/** Runs one check; the server refusing it is a failed result naming what it said. */
export async function runCheck(
  check: ValidationCheck,
  targets: CheckTargets,
): Promise<ValidationCheckResult> {
  const head = { name: describeCheck(check), kind: check.kind };
  try {
    switch (check.kind) {
      case 'exists':
        return { ...head, ...(await exists(check, targets)) };
      case 'count':
        return { ...head, ...(await count(check, targets)) };
      case 'query':
        return { ...head, ...(await query(check, targets)) };
      case 'indexes':
        return { ...head, ...(await indexes(check, targets)) };
    }
  } catch (error) {
    if (!(error instanceof MongoServerError)) throw error;
    return { ...head, ok: false, summary: `the server refused the check: ${error.message}` };
  }
}
