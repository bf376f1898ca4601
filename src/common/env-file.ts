import { readFileSync } from 'node:fs';

/**
 * Reads a `.env` file: `KEY=value` lines, `#` comments, an optional `export ` prefix, values optionally in
 * single or double quotes (double quotes understand `\n`, `\"` and `\\`). Enough for the variables this
 * project reads; deliberately no interpolation, so a `$` in a secret stays a `$`.
 */
export function parseEnvFile(text: string): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      // The line itself is not echoed: it may hold a secret with a typo in its name.
      errors.push(`line ${index + 1}: expected KEY=value`);
      return;
    }
    const [, key, rest] = match as unknown as [string, string, string];
    const value = unquote(rest);
    if (value === undefined) {
      errors.push(`line ${index + 1} (${key}): unterminated quoted value`);
      return;
    }
    values[key] = value;
  });
  return { values, errors };
}

function unquote(rest: string): string | undefined {
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    const end = rest.indexOf(quote, 1);
    if (quote === "'") return end === -1 ? undefined : rest.slice(1, end);
    let out = '';
    for (let i = 1; i < rest.length; i++) {
      const ch = rest[i]!;
      if (ch === '"') return out;
      if (ch === '\\' && i + 1 < rest.length) {
        const next = rest[++i]!;
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      } else {
        out += ch;
      }
    }
    return undefined;
  }
  // Unquoted: an inline comment needs whitespace before `#`, so `#` inside a value survives.
  return rest.replace(/\s+#.*$/, '').trim();
}

export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

/**
 * The environment a process is configured by: the `.env` file's values overlaid by the real environment
 * (a variable set in the environment always wins). A missing file is not an error.
 */
export function loadEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  envFilePath: string | undefined = '.env',
): NodeJS.ProcessEnv {
  if (envFilePath === undefined) return { ...env };
  let text: string;
  try {
    text = readFileSync(envFilePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...env };
    throw new EnvFileError(
      `${envFilePath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const { values, errors } = parseEnvFile(text);
  if (errors.length > 0) throw new EnvFileError(`${envFilePath}: ${errors.join('; ')}`);
  const merged: NodeJS.ProcessEnv = { ...values };
  for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value;
  return merged;
}
