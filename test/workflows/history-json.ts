/**
 * History <-> the JSON form `temporal workflow show -o json` writes, for recording and replaying histories.
 *
 * Not `historyToJSON`/`historyFromJSON` of @temporalio/common: in this install @temporalio/common and
 * @temporalio/proto each get their own copy of protobufjs 8 (the root holds protobufjs 7 for another
 * package), and protojson's `instanceof Type` check fails across copies ("type must be a Type"). Using the
 * protobufjs copy that @temporalio/proto itself loads keeps the types and the converter together.
 */
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

const protoDir = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
  patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const historyType = patchProtobufRoot(require('@temporalio/proto')).lookupType(
  'temporal.api.history.v1.History',
);

export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, history), null, 2) + '\n';
}

export function historyFromJson(text: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true });
  if (!history) throw new TypeError('not a workflow history');
  return history as History;
}
