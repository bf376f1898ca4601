import type { BenchContext } from './context';

export interface BenchOutcome {
  settings: Record<string, unknown>;
  results: unknown;
  tables: string[];
  notes?: string[];
  /** False when the benchmark saw wrong outcomes (a restore that did not finish, a duplicate job). */
  ok?: boolean;
}

export interface Benchmark {
  name: string;
  description: string;
  /** Flag names (without `--`) this benchmark reads. */
  flags: string[];
  run(context: BenchContext, flags: BenchFlags): Promise<BenchOutcome>;
}

/** `--name=value` and bare `--name` (true) command-line flags. */
export class BenchFlags {
  private readonly values = new Map<string, string>();

  constructor(args: string[]) {
    for (const arg of args) {
      const [name, ...rest] = arg.replace(/^--/, '').split('=');
      this.values.set(name!, rest.length > 0 ? rest.join('=') : 'true');
    }
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  get quick(): boolean {
    return this.values.get('quick') === 'true';
  }

  /** A text flag's value, if given. */
  text(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A comma-separated list of positive numbers (`--n=1000,5000`). */
  numbers(name: string, full: number[], quick: number[] = full): number[] {
    const raw = this.values.get(name);
    if (raw === undefined) return this.quick ? quick : full;
    const values = raw.split(',').map(Number);
    if (values.some((value) => !Number.isFinite(value) || value <= 0))
      throw new Error(`--${name} must be positive numbers separated by commas, got "${raw}"`);
    return values;
  }

  /** A positive number flag; `full` is the size, `quick` the size under `--quick`. */
  number(name: string, full: number, quick: number = full): number {
    const raw = this.values.get(name);
    if (raw === undefined) return this.quick ? quick : full;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number, got "${raw}"`);
    return value;
  }
}
