import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type Logger, type WorkerOptions } from '@temporalio/worker';

/**
 * The workflow bundle is built once by `npm run build` (webpack + swc take seconds and hundreds of MB),
 * not at every worker start. `Worker.create` then loads it as plain code (docs/temporal.md#workflow-bundle).
 */

/** Where `npm run build` writes the bundle: `dist/workflow-bundle.js`, beside the compiled `dist/src`. */
export const BUNDLE_FILE = path.resolve(__dirname, '..', '..', 'workflow-bundle.js');

/** The workflow entry point next to this file: `src/workflows/index.ts` in development, `dist/src/workflows/index.js` when built. */
export const WORKFLOWS_PATH = path.resolve(__dirname, '..', 'workflows');

/** True when this module runs as TypeScript source (tsx, tests), false from `dist/`. */
export const RUNNING_FROM_SOURCE = path.extname(__filename) === '.ts';

/**
 * Modules evaluated once per worker thread and shared by every workflow, instead of once per workflow: with
 * `reuseV8Context` each workflow gets its own module instances. Restores no longer load zod (their request
 * is checked by a local activity, test/repo/workflow-bundle.test.ts); drills and runs recorded before that
 * change still parse in the sandbox, and zod holds no per-workflow state. Our schema modules cannot be
 * shared: the SDK freezes preloaded modules' objects, and zod schemas set some properties on first use.
 */
export const PRELOADED_MODULES = ['zod'];

/** The options every bundling of the production workflows uses (build, tests, benchmarks, dev worker). */
export function productionBundleOptions(workflowsPath: string = require.resolve(WORKFLOWS_PATH)) {
  return { workflowsPath, preloadModules: PRELOADED_MODULES };
}

export async function buildWorkflowBundle(outFile: string = BUNDLE_FILE, logger?: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({ ...productionBundleOptions(), ...(logger ? { logger } : {}) });
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, code);
  return outFile;
}

export class WorkflowBundleMissingError extends Error {
  override readonly name = 'WorkflowBundleMissingError';
}

/**
 * Which workflow code a worker loads: an explicit bundle file, else the build's bundle, else (only when
 * running from source) the workflows folder, bundled at start, which `log` says so nobody ships it by mistake.
 */
export function workflowSource(
  explicitBundle: string | undefined,
  log: (message: string, meta?: Record<string, unknown>) => void,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (explicitBundle) return { workflowBundle: { codePath: path.resolve(explicitBundle) } };
  if (!RUNNING_FROM_SOURCE) {
    if (!existsSync(BUNDLE_FILE)) {
      throw new WorkflowBundleMissingError(
        `the pre-built workflow bundle ${path.relative(process.cwd(), BUNDLE_FILE) || BUNDLE_FILE} is missing: run "npm run build", or set WORKFLOW_BUNDLE_PATH`,
      );
    }
    return { workflowBundle: { codePath: BUNDLE_FILE } };
  }
  log(
    'no pre-built workflow bundle: bundling the workflows at start (development only; production runs "npm run build")',
    {
      workflowsPath: path.relative(process.cwd(), WORKFLOWS_PATH),
    },
  );
  return {
    workflowsPath: require.resolve(WORKFLOWS_PATH),
    bundlerOptions: { preloadModules: PRELOADED_MODULES },
  };
}

if (require.main === module) {
  const out = process.argv[2] ?? BUNDLE_FILE;
  const started = Date.now();
  // webpack's module listing at INFO is noise in a build log; problems still show at WARN.
  buildWorkflowBundle(out, new DefaultLogger('WARN')).then(
    (file) =>
      console.log(
        `workflow bundle written to ${path.relative(process.cwd(), file)} in ${Date.now() - started} ms`,
      ),
    (error: unknown) => {
      console.error(`workflow bundle failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
