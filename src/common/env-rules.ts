import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The rules every environment variable of ours is read with (zod, at start): empty means unset, secrets
 * verbatim, files read at validation time, and problems reported as `VARIABLE: rule` without the value, so
 * a secret pasted into the wrong variable is never printed. Used by the worker's and the CLI's
 * configuration; not imported by workflow code (it reads files).
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

/** Empty variables count as unset, the way shells and compose files usually mean them. */
export function unset(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}
export const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unset, schema.optional());

export const text = z.string().trim();
/** Secrets are taken verbatim (no trimming: a trailing space may be part of a token) and only checked for shape. */
export const secret = z.string().refine((v) => !/[\r\n]/.test(v), 'must be a single line');

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
/** `host:port` with a port from 1 to 65535. */
export function isHostPort(value: string): boolean {
  const match = HOST_PORT.exec(value);
  return match !== null && Number(match[1]) >= 1 && Number(match[1]) <= 65535;
}

/** Reads the file at validation time, so a wrong path stops the worker at start rather than at first use. */
export const readableFile = text.transform((file, ctx) => {
  try {
    return readFileSync(file);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `must name a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    });
    return z.NEVER;
  }
});

export const booleanText = text.toLowerCase().pipe(z.enum(['true', 'false'], 'must be true or false'));

/**
 * Rules across variables, checked on which variables are set (not on their values) so they are reported
 * together with per-variable problems rather than after those are fixed.
 */
export type Presence = (name: string) => boolean;

export function bothOrNeither(problems: string[], isSet: Presence, a: string, b: string): void {
  if (isSet(a) !== isSet(b)) {
    const [missing, given] = isSet(a) ? [b, a] : [a, b];
    problems.push(`${missing}: must be set together with ${given}`);
  }
}

/** `VARIABLE: rule` per problem. zod's own messages are replaced everywhere a value could be echoed. */
export function problemsOf(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(environment)'}: ${issue.message}`,
  );
}
