/**
 * The content model on its own (no servers): generated documents as a function of time, and the
 * namespace-level restore (renames, write and index strategies) a collection-restore route will apply.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { DEFAULT_IDS, DEFAULT_SEED, parseSeed } from '../../src/simulator';
import {
  contentAt,
  documentCount,
  expectedContentOf,
  namespaceOf,
  type NamespaceModel,
} from '../../src/simulator/data/content';
import {
  countAt,
  documentsBetween,
  writtenSec,
  type CollectionOrigin,
} from '../../src/simulator/data/documents';
import {
  applyNamespaceRestore,
  NamespaceRestoreError,
  type NamespaceRestoreErrorCode,
} from '../../src/simulator/data/namespace-restore';
import { worldFromSeed } from '../../src/simulator/kinds';
import { HOUR } from './helpers';

const ANCHOR_MS = Date.parse('2026-06-01T00:00:00Z');

describe('generated documents', () => {
  const orders: CollectionOrigin = {
    deploymentId: DEFAULT_IDS.clusterSourceId,
    database: 'shop',
    collection: 'orders',
    documents: 3_000,
    writesPerHour: 30,
    anchorSec: ANCHOR_MS / 1000,
  };

  it('holds the seeded count at the world creation, one less a write interval before, none before seq 0', () => {
    assert.equal(countAt(orders, ANCHOR_MS), 3_000);
    assert.equal(countAt(orders, ANCHOR_MS - 1_000), 2_999);
    assert.equal(countAt(orders, ANCHOR_MS - 120_000), 2_999);
    assert.equal(countAt(orders, ANCHOR_MS - 120_001), 2_998);
    assert.equal(countAt(orders, ANCHOR_MS + 6 * HOUR), 3_000 + 180);
    const seq0 = ANCHOR_MS - 2_999 * 120_000;
    assert.equal(countAt(orders, seq0), 1, 'seq 0 is written 2,999 intervals of 2 minutes before the anchor');
    assert.equal(countAt(orders, seq0 - 1), 0);
    assert.equal(countAt(orders, seq0 - 100 * HOUR), 0);
  });

  it('counts exactly what the documents say, at every second, for fast and slow rates', () => {
    for (const writesPerHour of [1, 7, 3_600, 7_200]) {
      const origin = { ...orders, documents: 50, writesPerHour };
      const docs = documentsBetween(origin, 0, 200);
      for (let second = origin.anchorSec - 200; second < origin.anchorSec + 200; second++) {
        const written = docs.filter((d) => d.writtenAt.getTime() <= second * 1000).length;
        if (written < 200)
          assert.equal(countAt(origin, second * 1000 + 999), written, `${writesPerHour}/h at ${second}`);
      }
    }
  });

  it('dates every _id at its write second, so an _id range selects documents by when they were written', () => {
    const docs = documentsBetween(orders, 0, 3_000);
    assert.equal(new Set(docs.map((d) => d._id.toHexString())).size, 3_000);
    for (const doc of docs) {
      assert.equal(doc._id.getTimestamp().getTime(), doc.writtenAt.getTime());
      assert.equal(writtenSec(orders, doc.seq) * 1000, doc.writtenAt.getTime());
    }
    const cutSecond = orders.anchorSec - 10 * 3600 + 59;
    const bound = ObjectId.createFromTime(cutSecond + 1);
    const selected = docs.filter((d) => d._id.toHexString() < bound.toHexString()).length;
    assert.equal(selected, countAt(orders, cutSecond * 1000));
    const same = documentsBetween(orders, 10, 11)[0]!;
    assert.deepEqual(same, docs[10], 'the same seq is the same document, whenever it is generated');
  });
});

describe('namespace-level restore', () => {
  const world = worldFromSeed(parseSeed(DEFAULT_SEED), ANCHOR_MS);
  const source = contentAt(world, world.deploymentById(DEFAULT_IDS.clusterSourceId)!, ANCHOR_MS);
  const restoredAtMs = ANCHOR_MS - 24 * HOUR;
  const find = (content: readonly NamespaceModel[], ns: string) => content.find((m) => namespaceOf(m) === ns);
  const ordersAtS = documentCount(find(source, 'shop.orders')!, restoredAtMs);
  const restore = (request: unknown, target: readonly NamespaceModel[] = []) =>
    applyNamespaceRestore({ target, source, restoredAtMs, request });
  const refused = (code: NamespaceRestoreErrorCode, fn: () => unknown) =>
    assert.throws(fn, (error: unknown) => error instanceof NamespaceRestoreError && error.code === code);

  it('restores one collection under a new name, with its documents as of the restored moment', () => {
    const { content, restored } = restore({
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'ALL',
      collections: [{ sourceNamespace: 'shop.orders', targetNamespace: 'archive.orders_may' }],
    });
    assert.deepEqual(restored, [{ sourceNamespace: 'shop.orders', targetNamespace: 'archive.orders_may' }]);
    assert.deepEqual(content.map(namespaceOf), ['archive.orders_may']);
    const copy = content[0]!;
    assert.equal(copy.frozenAtMs, restoredAtMs);
    assert.equal(documentCount(copy, ANCHOR_MS + 48 * HOUR), ordersAtS, 'frozen: it never grows');
    assert.ok(ordersAtS < 3_000);
    assert.deepEqual(copy.source, find(source, 'shop.orders')!.source, 'same documents, same _ids');
  });

  it('restores a whole database under a new name, its meta included', () => {
    const { content } = restore({
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'ALL',
      databases: [{ sourceNamespace: 'shop', targetNamespace: 'shop_copy' }],
    });
    assert.deepEqual(content.map(namespaceOf).sort(), [
      'shop_copy.customers',
      'shop_copy.meta',
      'shop_copy.orders',
    ]);
    const stats = expectedContentOf(content, ANCHOR_MS).stats['shop_copy.meta']!;
    assert.equal(stats.documents, ordersAtS + documentCount(find(source, 'shop.customers')!, restoredAtMs));
  });

  it('refuses CREATE_NEW into a namespace the target has, and overwrites it with OVERWRITE_EXISTING', () => {
    const target = restore({
      writeStrategy: 'CREATE_NEW',
      indexStrategy: 'NONE',
      databases: [{ sourceNamespace: 'analytics' }],
      collections: [{ sourceNamespace: 'shop.customers' }],
    }).content;
    const request = {
      indexStrategy: 'ALL',
      collections: [{ sourceNamespace: 'shop.orders', targetNamespace: 'shop.customers' }],
    };
    refused('TARGET_EXISTS', () => restore({ ...request, writeStrategy: 'CREATE_NEW' }, target));
    const { content } = restore({ ...request, writeStrategy: 'OVERWRITE_EXISTING' }, target);
    assert.deepEqual(content.map(namespaceOf).sort(), [
      'analytics.events',
      'analytics.meta',
      'shop.customers',
    ]);
    const customers = find(content, 'shop.customers')!;
    assert.equal(documentCount(customers, ANCHOR_MS), ordersAtS, 'now holds the orders');
    assert.deepEqual(
      customers.indexes.map((i) => i.name),
      ['status_1', 'writtenAt_-1'],
    );
    assert.equal(find(content, 'analytics.events'), find(target, 'analytics.events'), 'others are untouched');
  });

  it('applies the index strategies: ALL, NONE, ALL_EXCEPT_TTL', () => {
    const events = (indexStrategy: string) =>
      restore({
        writeStrategy: 'CREATE_NEW',
        indexStrategy,
        collections: [{ sourceNamespace: 'analytics.events' }],
      }).content[0]!.indexes.map((index) => index.name);
    const orders = (indexStrategy: string) =>
      restore({
        writeStrategy: 'CREATE_NEW',
        indexStrategy,
        collections: [{ sourceNamespace: 'shop.orders' }],
      }).content[0]!.indexes.map((index) => index.name);
    assert.deepEqual(events('ALL'), ['writtenAt_ttl']);
    assert.deepEqual(events('NONE'), []);
    assert.deepEqual(events('ALL_EXCEPT_TTL'), [], 'the TTL index is left out');
    assert.deepEqual(orders('ALL_EXCEPT_TTL'), ['status_1', 'writtenAt_-1'], 'other indexes are kept');
  });

  it('names what is wrong with a request it cannot apply', () => {
    refused('SOURCE_NOT_FOUND', () =>
      restore({
        writeStrategy: 'CREATE_NEW',
        indexStrategy: 'ALL',
        collections: [{ sourceNamespace: 'shop.nope' }],
      }),
    );
    refused('SOURCE_NOT_FOUND', () =>
      restore({
        writeStrategy: 'CREATE_NEW',
        indexStrategy: 'ALL',
        databases: [{ sourceNamespace: 'billing' }],
      }),
    );
    refused('DUPLICATE_TARGET', () =>
      restore({
        writeStrategy: 'OVERWRITE_EXISTING',
        indexStrategy: 'ALL',
        collections: [
          { sourceNamespace: 'shop.orders', targetNamespace: 'x.y' },
          { sourceNamespace: 'shop.customers', targetNamespace: 'x.y' },
        ],
      }),
    );
    assert.throws(
      () =>
        restore({
          writeStrategy: 'MERGE',
          indexStrategy: 'ALL',
          collections: [{ sourceNamespace: 'orders' }],
        }),
      (error: unknown) =>
        error instanceof NamespaceRestoreError &&
        error.code === 'INVALID_REQUEST' &&
        /writeStrategy/.test(error.message) &&
        /collections\.0\.sourceNamespace: must be <database>\.<collection>/.test(error.message),
    );
    refused('INVALID_REQUEST', () => restore({ writeStrategy: 'CREATE_NEW', indexStrategy: 'ALL' }));
  });
});
