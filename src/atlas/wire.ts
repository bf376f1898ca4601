import { z } from 'zod';
import { objectIdSchema } from '../common/restore-request';

/**
 * Wire shapes shared by every deployment kind: dates, links, pages, errors, projects, tokens. Each kind's
 * own shapes live in `./kinds/<kind>.ts`. Response objects are loose: fields Atlas adds later are kept, not
 * rejected. Only fields the engine relies on are required; Atlas omits many others until they apply.
 */

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'must be an ISO-8601 UTC time');
const link = z.looseObject({ href: z.string(), rel: z.string() });
export const links = z.array(link);

/** Control-plane states; Atlas may add values, so unknown ones parse and count as "not IDLE". */
export const deploymentStateSchema = z.string();

/** A deployment's `connectionStrings` (every kind); the private-endpoint forms are kept but not used. */
export const connectionStringsSchema = z.looseObject({
  standard: z.string().optional(),
  standardSrv: z.string().optional(),
});

/**
 * Where a driver reaches a deployment: `standard` (the host list) first, which needs no DNS SRV lookup and
 * is what the simulator's data plane answers on, else `standardSrv` (docs/atlas.md#connection-strings).
 */
export function connectionStringOf(deployment: {
  connectionStrings?: z.infer<typeof connectionStringsSchema>;
}): string | undefined {
  return deployment.connectionStrings?.standard ?? deployment.connectionStrings?.standardSrv;
}

/** `GET /groups/{groupId}` and the items of `GET /groups`. */
export const projectSchema = z.looseObject({
  id: objectIdSchema,
  name: z.string(),
  orgId: objectIdSchema.optional(),
});
export type Project = z.infer<typeof projectSchema>;

function buildPageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    links: links.optional(),
    results: z.array(item),
    totalCount: z.number().int().optional(),
  });
}

/** Built once per item schema: building a zod schema costs more than parsing a small page with it. */
const pageSchemas = new WeakMap<z.ZodType, ReturnType<typeof buildPageSchema>>();

/** List responses: `{ links, results, totalCount }`; `totalCount` is absent with `includeCount=false`. */
export function pageSchema<T extends z.ZodType>(item: T): ReturnType<typeof buildPageSchema<T>> {
  let schema = pageSchemas.get(item);
  if (!schema) {
    schema = buildPageSchema(item);
    pageSchemas.set(item, schema);
  }
  return schema as ReturnType<typeof buildPageSchema<T>>;
}
export type Page<T> = { links?: { href: string; rel: string }[]; results: T[]; totalCount?: number };

/** `ApiError`. Every field may be missing or null on some real responses. */
export const apiErrorBodySchema = z.looseObject({
  error: z.number().int().optional(),
  errorCode: z.string().nullish(),
  detail: z.string().nullish(),
  parameters: z.array(z.unknown()).nullish(),
  reason: z.string().nullish(),
  badRequestDetail: z
    .looseObject({ fields: z.array(z.looseObject({ field: z.string(), description: z.string() })) })
    .optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/** `POST /api/oauth/token` success. */
export const oauthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});
export type OAuthToken = z.infer<typeof oauthTokenSchema>;
