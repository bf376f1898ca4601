/** Runs `atlas-restore` from source as a subprocess, the way a person or a script runs it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowBundle } from '../harness';

export const repoRoot = path.resolve(__dirname, '..', '..');
const main = path.join(repoRoot, 'src', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout split into lines, the empty last one dropped. */
  lines: string[];
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      cwd: repoRoot,
      // Only what the test gives: no TEMPORAL_*/ATLAS_* leaking in from the machine running the tests.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `atlas-restore ${args.join(' ')} did not finish in time\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, lines: stdout.split('\n').filter((l) => l !== '') });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A file holding the production workflow bundle, so worker subprocesses do not bundle at start. */
export async function workflowBundleFile(): Promise<string> {
  if (process.env.WORKFLOW_BUNDLE_PATH) return process.env.WORKFLOW_BUNDLE_PATH;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-bundle-')), 'workflow-bundle.js');
  writeFileSync(file, (await workflowBundle()).code);
  return file;
}
