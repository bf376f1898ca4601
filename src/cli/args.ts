/**
 * A small argument parser: `--name value`, `--name=value`, boolean `--flag`, `--` ends flags, `-h` is
 * `--help`. Anything undeclared is an error that names it, so a typo never silently changes what runs.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose `--help` explains the fix. */
    readonly command?: string,
  ) {
    super(message);
  }
}

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder shown in help, e.g. `<id>`. */
  value?: string;
  /** Shown in help as `(default: …)`. */
  default?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  brief: string;
  summary: string;
  /** Required positionals, in order. */
  positionals?: PositionalSpec[];
  /** Positionals that may follow the required ones. */
  optionalPositionals?: PositionalSpec[];
  flags: Record<string, FlagSpec>;
  /** Extra help text after the flags. */
  notes?: string;
  examples?: string[];
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const where = `atlas-restore ${spec.name}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown flag ${arg} for "${where}"`, spec.name);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec.flags[name];
    if (!flag) throw new UsageError(`unknown flag --${name} for "${where}"`, spec.name);
    if (flags[name] !== undefined) throw new UsageError(`flag --${name} given more than once`, spec.name);
    if (flag.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value`, spec.name);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      // A following flag means the value was forgotten; `-` alone (stdin) is a value.
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`flag --${name} needs a value${flag.value ? ` ${flag.value}` : ''}`, spec.name);
      }
      i++;
    }
    if (value === '') throw new UsageError(`flag --${name} needs a non-empty value`, spec.name);
    flags[name] = value;
  }
  if (flags.help) return { flags, positionals };
  const expected = spec.positionals ?? [];
  if (positionals.length < expected.length) {
    throw new UsageError(`missing ${expected[positionals.length]!.name} for "${where}"`, spec.name);
  }
  if (positionals.length > expected.length + (spec.optionalPositionals?.length ?? 0)) {
    throw new UsageError(
      `unexpected argument "${positionals[expected.length + (spec.optionalPositionals?.length ?? 0)]}" for "${where}"`,
      spec.name,
    );
  }
  return { flags, positionals };
}

function wrap(text: string, indent: number, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width - indent) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

export function formatHelp(spec: CommandSpec): string {
  const positionals =
    (spec.positionals ?? []).map((p) => ` <${p.name}>`).join('') +
    (spec.optionalPositionals ?? []).map((p) => ` [<${p.name}>]`).join('');
  const out = [`Usage: atlas-restore ${spec.name}${positionals} [flags]`, '', spec.summary, ''];
  if (spec.positionals?.length) {
    out.push('Arguments:');
    for (const p of spec.positionals) out.push(`  <${p.name}>`.padEnd(28) + wrap(p.description, 28));
    out.push('');
  }
  out.push('Flags:');
  const entries = Object.entries(spec.flags).sort(([a], [b]) => (a === 'help' ? 1 : b === 'help' ? -1 : 0));
  for (const [name, flag] of entries) {
    const head = `  --${name}${flag.value ? ` ${flag.value}` : ''}`;
    const text =
      flag.default !== undefined ? `${flag.description} (default: ${flag.default})` : flag.description;
    out.push(
      head.length >= 28 ? `${head}\n${' '.repeat(28)}${wrap(text, 28)}` : head.padEnd(28) + wrap(text, 28),
    );
  }
  if (spec.notes) out.push('', spec.notes);
  if (spec.examples?.length) out.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return out.join('\n');
}
