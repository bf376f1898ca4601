import type { IncomingMessage } from 'node:http';
import { SimError } from './errors';

/** What a route handler answers; the server adds headers, the envelope and pretty-printing. */
export type Reply =
  | { status: number; kind: 'object' | 'list'; body: unknown }
  | { status: number; kind: 'empty'; headers?: Record<string, string> };

export const MAX_BODY_BYTES = 1_000_000;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A JSON request body; an empty body is `{}` (Atlas treats a missing body as an empty object). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new SimError('invalidJson', `Received JSON is malformed: ${(error as Error).message}.`, []);
  }
}

export function booleanParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new SimError(
    'invalidQueryParameter',
    `Invalid query parameter ${name}: ${value} is not true or false.`,
    [name, value],
  );
}

function integerParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = query.get(name);
  if (value === null) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new SimError(
      'invalidQueryParameter',
      `Invalid query parameter ${name}: ${value} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'up' : max}.`,
      [name, value],
    );
  return n;
}

export interface ListQuery {
  pageNum: number;
  itemsPerPage: number;
  includeCount: boolean;
}

/** `pageNum` (≥ 1, default 1), `itemsPerPage` (1..500, default 100), `includeCount` (default true). */
export function listQuery(query: URLSearchParams): ListQuery {
  return {
    pageNum: integerParam(query, 'pageNum', 1, 1, Number.MAX_SAFE_INTEGER),
    itemsPerPage: integerParam(query, 'itemsPerPage', 100, 1, 500),
    includeCount: booleanParam(query, 'includeCount', true),
  };
}

/** `{ links, results, totalCount }` with `self` (echoing the paging) and `next` when more remain. */
export function page<T>(items: readonly T[], q: ListQuery, href: string) {
  const start = (q.pageNum - 1) * q.itemsPerPage;
  const linkFor = (pageNum: number) =>
    `${href}?includeCount=${q.includeCount}&pageNum=${pageNum}&itemsPerPage=${q.itemsPerPage}`;
  const links = [{ href: linkFor(q.pageNum), rel: 'self' }];
  if (start + q.itemsPerPage < items.length) links.push({ href: linkFor(q.pageNum + 1), rel: 'next' });
  return {
    links,
    results: items.slice(start, start + q.itemsPerPage),
    ...(q.includeCount ? { totalCount: items.length } : {}),
  };
}
