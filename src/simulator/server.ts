import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { UNAUTHORIZED_BODY, digestChallenge } from './auth';
import { ControlError, type SimulatorCore } from './core';
import { SimError, errors, reasonPhrase } from './errors';
import type { FaultDecision, RateLimitConfig, RouteId } from './faults';
import { booleanParam, parseJsonBody, readBody, type Reply } from './http-util';
import type { RequestLogEntry } from './request-log';
import { matchRoute, negotiateVersion, type RouteDef } from './router';
import type { ViewContext } from './views';

/**
 * The request pipeline: control surface (`/__sim/`, unauthenticated, not logged), OAuth token endpoints,
 * then the Admin API: authenticate → route → version check → faults and rate limit → handler → response
 * (envelope, pretty, headers). Every API request is logged with the fault it met.
 */

type Headers = Record<string, string | string[]>;

/** One request/response pair; sends exactly once and logs what it sent. */
class Exchange {
  constructor(
    private readonly core: SimulatorCore,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly entry: RequestLogEntry,
    private readonly pretty: () => boolean,
  ) {}

  private finish(status: number): void {
    this.entry.status = status;
    this.core.log.record(this.entry);
  }

  json(status: number, body: unknown, headers: Headers = {}, truncate = false): void {
    let text = this.pretty() ? JSON.stringify(body, null, 2) : JSON.stringify(body);
    if (truncate) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    this.res.writeHead(status, {
      'Content-Type': 'application/json',
      ...headers,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    this.res.end(text);
    this.finish(status);
  }

  error(error: SimError, headers: Headers = {}, truncate = false): void {
    const body = error.body(this.core.options.errorCodes);
    this.json(
      error.status,
      body,
      {
        ...headers,
        ...error.extra.headers,
        'Content-Type': 'application/json',
        'X-Error-Code': body.errorCode,
      },
      truncate,
    );
  }

  empty(status: number, headers: Headers = {}): void {
    this.res.writeHead(status, headers);
    this.res.end();
    this.finish(status);
  }

  /** Destroys the socket without an answer: a TCP reset, or a plain close for commit-then-drop. */
  drop(reset: boolean): void {
    const socket = this.req.socket;
    if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
    this.finish(0);
  }
}

export function createRequestListener(core: SimulatorCore) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(core, req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const text = JSON.stringify({ error: `simulator failure: ${(error as Error).message}` });
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(text);
      }
    });
  };
}

async function handle(core: SimulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rawUrl = req.url ?? '/';
  const url = new URL(rawUrl, 'http://simulator');
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) {
    await handleControl(core, req, res, url.pathname, method);
    return;
  }
  const body = await readBody(req);
  const entry: RequestLogEntry = {
    at: Date.now(),
    simAt: core.now(),
    method,
    path: rawUrl,
    route: 'unknown',
    status: 0,
    authenticated: false,
  };
  let pretty = false;
  const exchange = new Exchange(core, req, res, entry, () => pretty);
  try {
    pretty = booleanParam(url.searchParams, 'pretty', false);
  } catch (error) {
    exchange.error(error as SimError);
    return;
  }
  if (url.pathname === '/api/oauth/token' || url.pathname === '/api/oauth/revoke') {
    await handleOAuth(core, exchange, url, body, method);
    return;
  }
  const api = /^\/api\/atlas\/(v1\.0|v2)(\/.*)?$/.exec(url.pathname);
  if (!api) {
    exchange.error(errors.resourceNotFound(url.pathname));
    return;
  }
  await handleApi(core, exchange, url, body, method, api[1] as 'v1.0' | 'v2', api[2] ?? '/');
}

async function handleApi(
  core: SimulatorCore,
  exchange: Exchange,
  url: URL,
  body: string,
  method: string,
  flavour: 'v1.0' | 'v2',
  path: string,
): Promise<void> {
  const { req, entry } = exchange;
  const auth = core.auth.authenticate(req.headers.authorization, method, req.url ?? '/');
  if (!auth.ok) {
    if (auth.scheme === 'digest') {
      exchange.json(401, UNAUTHORIZED_BODY, {
        'WWW-Authenticate': digestChallenge(core.auth.newNonce(), auth.stale),
      });
    } else {
      exchange.error(new SimError('invalidToken', auth.detail, []), {
        'WWW-Authenticate': `Bearer error="invalid_token"`,
      });
    }
    return;
  }
  entry.authenticated = true;

  const match = matchRoute(method, path, flavour);
  if (!match.found) {
    if (match.allow) exchange.empty(405, { Allow: match.allow.join(',') });
    else exchange.error(errors.resourceNotFound(url.pathname));
    return;
  }
  const { route, params } = match;
  entry.route = route.id;
  if (params.groupId) entry.groupId = params.groupId;
  const headers: Headers = { ...route.headers(undefined) };

  const decision = core.faults.decide(route.id);
  let version: string | undefined;
  let envelope: boolean;
  try {
    if (flavour === 'v2')
      version = negotiateVersion(req.headers.accept, route.versions, core.options.versionedAcceptRequired);
    envelope = booleanParam(url.searchParams, 'envelope', false);
  } catch (error) {
    exchange.error(error as SimError, headers);
    return;
  }
  Object.assign(headers, route.headers(version));

  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const limit = core.faults.rateLimit();
  if (limit) {
    const taken = core.buckets.take(
      params.groupId ? `group:${params.groupId}` : `principal:${auth.principal}`,
      limit,
    );
    headers['RateLimit-Limit'] = String(limit.capacity);
    headers['RateLimit-Remaining'] = String(taken.ok ? taken.remaining : 0);
    if (!taken.ok) {
      entry.fault = 'rateLimited';
      entry.faultSource = 'bucket';
      exchange.error(rateLimitedError(route, flavour, taken.retryAfterSeconds, limit), {
        ...headers,
        'Retry-After': String(taken.retryAfterSeconds),
      });
      return;
    }
  }
  if (
    answerEarlyFault(exchange, decision, headers, () =>
      rateLimitedError(route, flavour, decision.retryAfterSeconds ?? 1, limit || undefined),
    )
  )
    return;

  // A restore job must never read finished before its target holds the restored data.
  await core.dataPlane?.beforeApiRequest();
  const view: ViewContext = {
    apiBase: `${origin(core, req)}/api/atlas/${flavour}`,
    flavour,
    ...(version ? { version } : {}),
    nowMs: core.now(),
    ...core.connectionStrings(),
  };
  let reply: Reply | SimError;
  try {
    reply = route.handler({ core, method, params, query: url.searchParams, body, view });
  } catch (error) {
    reply =
      error instanceof SimError
        ? error
        : new SimError('unexpected', `Unexpected error: ${(error as Error).message}`, []);
  }
  // Both post-handling faults apply whatever the handler answered: the answer is what gets lost or cut.
  if (decision.kind === 'commitThenDrop') {
    exchange.drop(false);
    return;
  }
  const truncate = decision.kind === 'malformedJson';
  if (reply instanceof SimError) {
    exchange.error(reply, headers, truncate);
    return;
  }
  const contentType =
    flavour === 'v2'
      ? `application/vnd.atlas.${version}+json;charset=utf-8`
      : 'application/json;charset=utf-8';
  if (reply.kind === 'empty') {
    // A 204 still names the media type (the recorded snapshot and Flex cluster deletes do).
    exchange.empty(reply.status, { ...headers, 'Content-Type': contentType, ...reply.headers });
    return;
  }
  const payload = envelope
    ? reply.kind === 'list'
      ? { ...(reply.body as object), status: reply.status }
      : { status: reply.status, content: reply.body }
    : reply.body;
  exchange.json(
    reply.status,
    payload,
    { ...headers, 'Content-Type': contentType },
    decision.kind === 'malformedJson',
  );
}

/** Faults that answer before the request is handled; true when one did. */
function answerEarlyFault(
  exchange: Exchange,
  decision: FaultDecision,
  headers: Headers,
  rateLimited: () => SimError,
): boolean {
  if (!decision.kind) return false;
  exchange.entry.fault = decision.kind;
  if (decision.source) exchange.entry.faultSource = decision.source;
  switch (decision.kind) {
    case 'reset':
      exchange.drop(true);
      return true;
    case 'error500':
      exchange.error(new SimError('unexpected', 'Unexpected error.', []), headers);
      return true;
    case 'error503':
      exchange.error(
        new SimError('serviceUnavailable', 'Service is temporarily unavailable; retry later.', []),
        headers,
      );
      return true;
    case 'rateLimited':
      exchange.error(rateLimited(), { ...headers, 'Retry-After': String(decision.retryAfterSeconds ?? 1) });
      return true;
    default:
      return false;
  }
}

/** The RATE_LIMITED_TOKEN_BUCKET body of the documented sample (docs/atlas.md#errors). */
function rateLimitedError(
  route: RouteDef,
  flavour: string,
  retryAfterSeconds: number,
  limit: RateLimitConfig | undefined,
): SimError {
  const resource = `api/atlas/${flavour}${route.template}`;
  const capacity = limit?.capacity ?? 0;
  const rate = limit?.refillRate ?? 0;
  const per = limit?.refillDurationSeconds ?? 0;
  return new SimError(
    'rateLimited',
    `Rate limit exceeded for ${resource}. Please retry after ${retryAfterSeconds} seconds. Request capacity: ${capacity}. Refill rate: ${rate} per ${per} seconds.`,
    [resource, retryAfterSeconds, capacity, rate, per],
  );
}

function origin(core: SimulatorCore, req: IncomingMessage): string {
  const host = req.headers.host;
  return host ? `http://${host}` : core.url;
}

/** `POST /api/oauth/token` (client credentials) and `POST /api/oauth/revoke` (docs/atlas.md#service-accounts). */
async function handleOAuth(
  core: SimulatorCore,
  exchange: Exchange,
  url: URL,
  body: string,
  method: string,
): Promise<void> {
  const { req, entry } = exchange;
  const isToken = url.pathname === '/api/oauth/token';
  const routeId: RouteId = isToken ? 'token' : 'revokeToken';
  entry.route = routeId;
  if (method !== 'POST') {
    exchange.empty(405, { Allow: 'POST' });
    return;
  }
  const client = core.auth.checkClient(req.headers.authorization);
  if (isToken) {
    const limit = core.options.tokenRequestsPerMinute;
    const taken = core.tokenLimiter.take(client.clientId ?? `ip:${req.socket.remoteAddress ?? ''}`);
    if (!taken.ok) {
      entry.fault = 'rateLimited';
      entry.faultSource = 'bucket';
      exchange.error(
        new SimError(
          'tokenRateLimited',
          `Resource /api/oauth/token is limited to ${limit} requests every 1 minutes.`,
          ['/api/oauth/token', limit, 1],
        ),
        { 'Retry-After': String(taken.retryAfterSeconds) },
      );
      return;
    }
  }
  if (!client.valid || client.clientId === undefined) {
    exchange.json(
      401,
      { error: 'invalid_client', error_description: 'Client authentication failed.' },
      { 'WWW-Authenticate': 'Basic realm="oauth"', 'Cache-Control': 'no-store' },
    );
    return;
  }
  entry.authenticated = true;
  const decision = core.faults.decide(routeId);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (
    answerEarlyFault(exchange, decision, {}, () => new SimError('tokenRateLimited', 'Too many requests.', []))
  )
    return;
  const form = new URLSearchParams(body);
  if (!isToken) {
    const token = form.get('token');
    if (!token) {
      exchange.json(400, { error: 'invalid_request', error_description: 'token is required.' });
      return;
    }
    core.auth.revokeToken(client.clientId, token);
    if (decision.kind === 'commitThenDrop') exchange.drop(false);
    else exchange.empty(200, { 'Cache-Control': 'no-store' });
    return;
  }
  const grant = form.get('grant_type');
  if (grant !== 'client_credentials') {
    exchange.json(400, {
      error: grant === null ? 'invalid_request' : 'unsupported_grant_type',
      error_description: grant === null ? 'grant_type is required.' : `grant_type ${grant} is not supported.`,
    });
    return;
  }
  const token = core.auth.issueToken(client.clientId);
  if (decision.kind === 'commitThenDrop') {
    exchange.drop(false);
    return;
  }
  exchange.json(200, token, { 'Cache-Control': 'no-store' }, decision.kind === 'malformedJson');
}

/** `/__sim/…`: the control surface, in JSON, no authentication, not logged. */
async function handleControl(
  core: SimulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  method: string,
): Promise<void> {
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  };
  try {
    const text = await readBody(req);
    const input = () => {
      try {
        return parseJsonBody(text);
      } catch {
        throw new ControlError('request body is not valid JSON');
      }
    };
    const key = `${method} ${path.replace(/\/$/, '')}`;
    switch (key) {
      case 'GET /__sim/state':
        return send(200, core.state());
      case 'POST /__sim/seed':
        core.seed(input() as never);
        await core.dataPlane?.settle();
        return send(200, core.state());
      case 'POST /__sim/reset':
        core.reset();
        await core.dataPlane?.settle();
        return send(200, core.state());
      case 'POST /__sim/scenario':
        core.setScenario(input() as never);
        return send(200, { pendingScenarios: core.world.pendingScenarios });
      case 'POST /__sim/faults':
        core.setFaults(input() as never);
        return send(200, core.state().faults);
      case 'POST /__sim/clock/advance': {
        const ms = (input() as { ms?: unknown }).ms;
        const nowMs = core.advanceClock(ms as number);
        await core.dataPlane?.settle();
        return send(200, { nowMs, now: new Date(nowMs).toISOString() });
      }
      case 'POST /__sim/data/reachable':
        return send(200, core.setReachable(input() as never));
      case 'GET /__sim/requests':
        return send(200, core.requests());
      case 'DELETE /__sim/requests':
        core.clearRequests();
        return send(200, { cleared: true });
      default:
        return send(404, { error: `no control operation ${method} ${path}` });
    }
  } catch (error) {
    if (error instanceof ControlError) return send(error.status, { error: error.message });
    return send(500, { error: (error as Error).message, reason: reasonPhrase(500) });
  }
}
