import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MongoClient, type MongoClientOptions } from 'mongodb';
import { z } from 'zod';
import type { AtlasBackupApi, DeploymentRef } from '../atlas/api';
import { DEPLOYMENT_KINDS } from '../common/deployment-kinds';
import { formatDuration, parseDuration } from '../common/duration';
import {
  deploymentNameSchema,
  MIN_POINT_IN_TIME_UTC_SECONDS,
  objectIdSchema,
} from '../common/restore-request';
import {
  readsSource,
  ValidationFailureType,
  validationSpecSchema,
  type ValidationCheckResult,
  type ValidationReport,
} from '../common/validation';
import { callAtlas } from './failures';
import type { ValidateRestoreInput, ValidationProgress } from './types';
import { runCheck } from './validation-checks';

/**
 * The validation activity: after Atlas reports a restore done, connect to the target with the official
 * MongoDB driver (retrying while the restored deployment warms up) and run the request's checks. The
 * credentials come from the worker's environment only, go to the driver as its `auth` option (never in a
 * URI), and appear in no message, heartbeat or result.
 */

/** Database credentials of the worker (`VALIDATION_DB_*`); never part of an activity's input or output. */
export type DatabaseCredentials =
  | { username: string; password: string; authSource?: string }
  | { x509: { certificateKeyFile: string; caFile?: string } };

export interface ValidationDeps {
  atlas: AtlasBackupApi;
  database?: DatabaseCredentials;
}

const deploymentRefSchema = z.object({
  kind: z.enum(DEPLOYMENT_KINDS),
  groupId: objectIdSchema,
  name: deploymentNameSchema,
});

const inputSchema = z
  .strictObject({
    target: deploymentRefSchema,
    source: deploymentRefSchema.optional(),
    restoredToSeconds: z.number().int().min(MIN_POINT_IN_TIME_UTC_SECONDS).optional(),
    spec: validationSpecSchema,
  })
  .superRefine((input, ctx) => {
    if (!readsSource(input.spec)) return;
    if (!input.source)
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'an ofSource count needs the source' });
    if (input.restoredToSeconds === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['restoredToSeconds'],
        message: 'an ofSource count needs the restored moment',
      });
  });

/** The first retry waits this long, then twice as long each time, up to the maximum. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;
/** One attempt's server selection is bounded by what is left of the budget, within these. */
const MIN_ATTEMPT_MS = 500;
const MAX_ATTEMPT_MS = 10_000;
/** Heartbeats while a slow attempt or a check runs, so a dead worker is noticed and cancellation arrives. */
const HEARTBEAT_EVERY_MS = 1_000;

const NOT_CONFIGURED =
  'validation needs database credentials in the worker environment: set VALIDATION_DB_USERNAME and ' +
  'VALIDATION_DB_PASSWORD (and VALIDATION_DB_AUTH_SOURCE if the user is not defined in admin), or ' +
  'VALIDATION_DB_X509_CERT_KEY_PATH (and VALIDATION_DB_TLS_CA_PATH for a private CA)';

function clientOptions(credentials: DatabaseCredentials, timeoutMs: number): MongoClientOptions {
  const common: MongoClientOptions = {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    appName: 'atlas-restore-validation',
    maxPoolSize: 2,
  };
  if ('x509' in credentials)
    return {
      ...common,
      tls: true,
      tlsCertificateKeyFile: credentials.x509.certificateKeyFile,
      ...(credentials.x509.caFile ? { tlsCAFile: credentials.x509.caFile } : {}),
      authMechanism: 'MONGODB-X509',
      authSource: '$external',
    };
  return {
    ...common,
    auth: { username: credentials.username, password: credentials.password },
    authSource: credentials.authSource ?? 'admin',
  };
}

/** The hosts of a connection string (`host:port[,…]`), never its user information. */
function hostsOf(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] ?? '(no host)';
}

/** The driver's error in one line, with any credentials a message might carry taken out. */
function describeError(error: unknown, credentials: DatabaseCredentials): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  let line = text.split('\n')[0]!.replace(/(mongodb(?:\+srv)?:\/\/)[^@/\s]*@/g, '$1');
  if ('password' in credentials && credentials.password) {
    // Verbatim and as a URI would carry it.
    for (const form of new Set([credentials.password, encodeURIComponent(credentials.password)]))
      line = line.split(form).join('***');
  }
  return line;
}

interface Connected {
  client: MongoClient;
  attempts: number;
  connectedAt: string;
}

/**
 * Reads the deployment's connection string from Atlas, connects and pings, retrying with backoff until the
 * budget (real ms) is spent: a restored deployment refuses connections for a while, may show no
 * connection string yet, and may refuse a user not yet in place, so all three are retried. Atlas' own
 * errors are not: a 4xx fails at once, a 5xx is left to the activity's retry policy.
 */
async function connectWithin(
  which: 'target' | 'source',
  ref: DeploymentRef,
  atlas: AtlasBackupApi,
  credentials: DatabaseCredentials,
  budgetMs: number,
  progress: ValidationProgress,
): Promise<Connected> {
  const ctx = Context.current();
  const signal = ctx.cancellationSignal;
  const deadline = Date.now() + budgetMs;
  Object.assign(progress, { phase: 'connecting', deployment: which, attempts: 0 });
  delete progress.host;
  delete progress.lastError;
  let uri: string | undefined;
  let delay = FIRST_RETRY_MS;
  for (;;) {
    progress.attempts += 1;
    ctx.heartbeat(progress);
    uri ??= (await callAtlas(signal, () => atlas.getDeployment(ref, { signal }))).connectionString;
    if (uri === undefined) {
      progress.lastError = 'Atlas shows no connection string for it yet';
    } else {
      progress.host = hostsOf(uri);
      // At most a quarter of the budget per attempt, so even a short bound shows several attempts.
      const timeoutMs = Math.max(
        MIN_ATTEMPT_MS,
        Math.min(MAX_ATTEMPT_MS, budgetMs / 4, deadline - Date.now()),
      );
      const client = new MongoClient(uri, clientOptions(credentials, timeoutMs));
      const abort = () => void client.close(true).catch(() => undefined);
      signal.addEventListener('abort', abort, { once: true });
      try {
        await client.connect();
        await client.db('admin').command({ ping: 1 });
        return { client, attempts: progress.attempts, connectedAt: new Date().toISOString() };
      } catch (error) {
        await client.close(true).catch(() => undefined);
        if (signal.aborted) throw signal.reason;
        progress.lastError = describeError(error, credentials);
      } finally {
        signal.removeEventListener('abort', abort);
      }
    }
    ctx.heartbeat(progress);
    if (Date.now() + delay >= deadline) {
      const host = progress.host ?? '(no connection string)';
      throw ApplicationFailure.create({
        type: ValidationFailureType.ValidationUnreachable,
        nonRetryable: true,
        message: `cannot connect to the ${which} ${ref.name} (project ${ref.groupId}) at ${host} within ${formatDuration(budgetMs)}: ${progress.attempts} attempt${progress.attempts === 1 ? '' : 's'}, last error: ${progress.lastError}`,
        details: [{ deployment: which, host, attempts: progress.attempts, lastError: progress.lastError }],
      });
    }
    await ctx.sleep(delay);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

export function validationActivities(deps: ValidationDeps) {
  return {
    /**
     * Connects to the restored target (within `spec.connectTimeout`) and runs every check; the report
     * holds each check's result. Fails only when the input is wrong, no credentials are configured or a
     * deployment never accepted a connection.
     */
    async validateRestore(raw: ValidateRestoreInput): Promise<ValidationReport> {
      const parsed = inputSchema.safeParse(raw);
      if (!parsed.success)
        throw ApplicationFailure.create({
          type: ValidationFailureType.InvalidValidationInput,
          nonRetryable: true,
          message: `invalid validation input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
        });
      const input = parsed.data;
      const credentials = deps.database;
      if (!credentials)
        throw ApplicationFailure.create({
          type: ValidationFailureType.ValidationNotConfigured,
          nonRetryable: true,
          message: NOT_CONFIGURED,
        });

      const ctx = Context.current();
      const budgetMs = parseDuration(input.spec.connectTimeout)!;
      const progress: ValidationProgress = { phase: 'connecting', attempts: 0, checked: 0 };
      const beat = setInterval(() => ctx.heartbeat(progress), HEARTBEAT_EVERY_MS);
      const clients: MongoClient[] = [];
      // Connected, a query or aggregation could run on for the whole checks budget after a cancel: closing
      // the clients ends it at once (the attempt loop has its own listener while connecting).
      const signal = ctx.cancellationSignal;
      const closeAll = () => {
        for (const client of clients) void client.close(true).catch(() => undefined);
      };
      signal.addEventListener('abort', closeAll, { once: true });
      try {
        const target = await connectWithin(
          'target',
          input.target,
          deps.atlas,
          credentials,
          budgetMs,
          progress,
        );
        clients.push(target.client);
        let source: MongoClient | undefined;
        if (input.source && readsSource(input.spec)) {
          const connected = await connectWithin(
            'source',
            input.source,
            deps.atlas,
            credentials,
            budgetMs,
            progress,
          );
          clients.push(connected.client);
          source = connected.client;
        }
        Object.assign(progress, { phase: 'checking', deployment: 'target', lastError: undefined });
        const results: ValidationCheckResult[] = [];
        for (const check of input.spec.checks) {
          if (signal.aborted) throw signal.reason;
          results.push(
            await runCheck(check, {
              target: target.client,
              ...(source ? { source } : {}),
              ...(input.restoredToSeconds !== undefined
                ? { restoredToSeconds: input.restoredToSeconds }
                : {}),
            }),
          );
          progress.checked = results.length;
          ctx.heartbeat(progress);
        }
        return {
          ok: results.every((result) => result.ok),
          checks: results,
          connectedAt: target.connectedAt,
          connectAttempts: target.attempts,
          validatedAt: new Date().toISOString(),
        };
      } finally {
        clearInterval(beat);
        signal.removeEventListener('abort', closeAll);
        await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
      }
    },
  };
}
