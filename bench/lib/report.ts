import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where every benchmark writes its JSON; the folder is gitignored. */
export const RESULTS_DIR = path.resolve(__dirname, '..', 'results');

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  kernel: string;
}

export interface Versions {
  node: string;
  temporalSdk: string;
  temporalCli: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()}-${os.arch()}`,
    kernel: os.release(),
  };
}

/** The SDK version is read from the installed package, so the JSON says what actually ran. */
export function versions(temporalCliPath: string): Versions {
  const sdk = JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as {
    version: string;
  };
  let cli = 'unknown';
  try {
    cli = execFileSync(temporalCliPath, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0] ?? cli;
  } catch {
    // A CLI that cannot report its version still ran the server; the JSON says "unknown".
  }
  return { node: process.version, temporalSdk: sdk.version, temporalCli: cli };
}

export interface BenchReport {
  benchmark: string;
  startedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
  versions: Versions;
  settings: Record<string, unknown>;
  results: unknown;
}

/** Writes `<benchmark>-<timestamp>.json` and returns its path. */
export function writeReport(report: BenchReport): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `${report.benchmark}-${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

export type Cell = string | number | undefined | null;

function formatCell(cell: Cell): string {
  if (cell === undefined || cell === null) return '-';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) return String(cell);
    if (Number.isInteger(cell)) return String(cell);
    return Math.abs(cell) >= 100 ? cell.toFixed(0) : Math.abs(cell) >= 10 ? cell.toFixed(1) : cell.toFixed(2);
  }
  return cell;
}

/** A plain-text table; numbers right-aligned, text left-aligned. */
export function formatTable(title: string, header: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map(formatCell));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[], numeric: boolean[]) =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  const out = [
    title,
    line(
      header,
      header.map(() => false),
    ),
    widths.map((w) => '-'.repeat(w)).join('  '),
  ];
  rows.forEach((row, r) =>
    out.push(
      line(
        text[r]!,
        row.map((cell) => typeof cell === 'number'),
      ),
    ),
  );
  return out.join('\n');
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: with few runs this reports a value that was actually observed.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export function mean(values: number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}
