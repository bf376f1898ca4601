import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from './contract';
import { loadEnvironment } from './env-file';
import {
  booleanText,
  ConfigError,
  isHostPort,
  optional,
  problemsOf,
  readableFile,
  secret,
  text,
  unset,
  bothOrNeither,
  type Presence,
} from './env-rules';

/**
 * How to reach Temporal, from `TEMPORAL_*` variables (plus an optional `.env`): what the worker, the CLI
 * and the programmatic client's callers share. Not imported by workflow code (it reads files).
 */

export const TEMPORAL_DEFAULTS = {
  address: 'localhost:7233',
  namespace: 'default',
  taskQueue: DEFAULT_TASK_QUEUE,
} as const;

/** Same fields as the SDK's `TLSConfig`, so it goes to `Connection` and `NativeConnection` as it is. */
export interface TemporalTlsConfig {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/** How to reach Temporal; shared by the worker, the programmatic client and the CLI. */
export interface TemporalConnectionConfig {
  /** `host:port`. Default `localhost:7233`. */
  address: string;
  /** Default `default`. */
  namespace: string;
  /** Default `atlas-restore`. */
  taskQueue: string;
  /** Temporal Cloud API key; implies TLS. Secret. */
  apiKey?: string;
  /** TLS settings, or `undefined` for plain text. */
  tls?: TemporalTlsConfig;
}

export const temporalFields = {
  TEMPORAL_ADDRESS: optional(text.refine(isHostPort, 'must be host:port, e.g. localhost:7233')),
  TEMPORAL_NAMESPACE: optional(
    text.regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/,
      'must be letters, digits, ".", "_" or "-" (at most 255)',
    ),
  ),
  TEMPORAL_TASK_QUEUE: optional(text.regex(/^\S{1,1000}$/, 'must be 1 to 1000 characters without spaces')),
  TEMPORAL_API_KEY: optional(secret.refine((v) => !/\s/.test(v), 'must not contain whitespace')),
  TEMPORAL_TLS: optional(booleanText),
  TEMPORAL_TLS_CERT_PATH: optional(readableFile),
  TEMPORAL_TLS_KEY_PATH: optional(readableFile),
  TEMPORAL_TLS_CA_PATH: optional(readableFile),
  TEMPORAL_TLS_SERVER_NAME: optional(text.regex(/^[A-Za-z0-9.-]+$/, 'must be a host name')),
};

export function temporalCrossProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const isSet: Presence = (name) => unset(env[name]) !== undefined;
  bothOrNeither(problems, isSet, 'TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH');
  if (
    env.TEMPORAL_TLS?.trim().toLowerCase() === 'false' &&
    (isSet('TEMPORAL_TLS_CERT_PATH') || isSet('TEMPORAL_API_KEY'))
  ) {
    problems.push(
      'TEMPORAL_TLS: cannot be false with TEMPORAL_TLS_CERT_PATH or TEMPORAL_API_KEY (both need TLS)',
    );
  }
  return problems;
}

export const temporalEnvSchema = z.looseObject(temporalFields);

export type TemporalEnv = z.output<typeof temporalEnvSchema>;

export function toTemporalConfig(env: TemporalEnv): TemporalConnectionConfig {
  const config: TemporalConnectionConfig = {
    address: env.TEMPORAL_ADDRESS ?? TEMPORAL_DEFAULTS.address,
    namespace: env.TEMPORAL_NAMESPACE ?? TEMPORAL_DEFAULTS.namespace,
    taskQueue: env.TEMPORAL_TASK_QUEUE ?? TEMPORAL_DEFAULTS.taskQueue,
  };
  if (env.TEMPORAL_API_KEY !== undefined) config.apiKey = env.TEMPORAL_API_KEY;
  const wantsTls =
    env.TEMPORAL_TLS_CERT_PATH !== undefined ||
    env.TEMPORAL_TLS_CA_PATH !== undefined ||
    env.TEMPORAL_TLS_SERVER_NAME !== undefined ||
    env.TEMPORAL_API_KEY !== undefined;
  if (env.TEMPORAL_TLS === 'true' || (env.TEMPORAL_TLS === undefined && wantsTls)) {
    const tls: TemporalTlsConfig = {};
    if (env.TEMPORAL_TLS_SERVER_NAME !== undefined) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
    if (env.TEMPORAL_TLS_CA_PATH !== undefined) tls.serverRootCACertificate = env.TEMPORAL_TLS_CA_PATH;
    if (env.TEMPORAL_TLS_CERT_PATH !== undefined && env.TEMPORAL_TLS_KEY_PATH !== undefined) {
      tls.clientCertPair = { crt: env.TEMPORAL_TLS_CERT_PATH, key: env.TEMPORAL_TLS_KEY_PATH };
    }
    config.tls = tls;
  }
  return config;
}

/** Only the Temporal half: what the CLI's client commands need (no Atlas credentials). */
export function parseTemporalConfig(env: Record<string, string | undefined>): TemporalConnectionConfig {
  const parsed = temporalEnvSchema.safeParse(env);
  const problems = [...(parsed.success ? [] : problemsOf(parsed.error)), ...temporalCrossProblems(env)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toTemporalConfig(parsed.data);
}

export function loadTemporalConfig(
  env: NodeJS.ProcessEnv = process.env,
  envFilePath = '.env',
): TemporalConnectionConfig {
  return parseTemporalConfig(loadEnvironment(env, envFilePath));
}

/** Options for `Connection.connect` and `NativeConnection.connect` (both take the same three). */
export function temporalConnectionOptions(config: TemporalConnectionConfig): {
  address: string;
  tls?: TemporalTlsConfig;
  apiKey?: string;
} {
  const options: { address: string; tls?: TemporalTlsConfig; apiKey?: string } = { address: config.address };
  if (config.tls) options.tls = config.tls;
  if (config.apiKey !== undefined) options.apiKey = config.apiKey;
  return options;
}
