import { Context } from '@temporalio/activity';
import type { AtlasBackupApi, DeploymentRef } from '../atlas/api';
import { describeCollectionRestoreProgress } from '../common/atlas-views';
import { callAtlas } from './failures';
import { pollLoop } from './polling';
import { collectionRestoreProgressChanged, matchesCollectionRestoreJob } from './restore-jobs';
import type {
  CollectionRestoreJobMatch,
  CollectionRestoreJobView,
  CollectionRestoreSpec,
  CollectionRestoreWaitInput,
  CollectionRestoreWaitProgress,
  CollectionRestoreWaitResult,
  SnapshotNamespacesView,
} from './types';

/** Atlas' maximum page size (docs/atlas.md#pagination). */
const PAGE_SIZE = 500;

export interface CollectionRestoreActivityDeps {
  atlas: AtlasBackupApi;
  /** The progress window a call polls for, given the one the workflow asks for. */
  windowOf(asked: number | undefined): number;
  draining?: AbortSignal;
}

/**
 * The collection- and database-level restore activities (docs/atlas.md#collection-and-database-restores):
 * the look before a POST, the one POST, a heartbeating wait that reports progress steps, and the namespaces
 * a snapshot holds. `ref` is always the source cluster, under which Atlas files the jobs.
 */
export function collectionRestoreActivities({ atlas, windowOf, draining }: CollectionRestoreActivityDeps) {
  const signal = () => Context.current().cancellationSignal;

  return {
    /**
     * The collection restore job this submission already created, if any: called before every POST and
     * after every ambiguous POST failure, so a lost response never leads to a second job.
     */
    async findCollectionRestoreJob(
      ref: DeploymentRef,
      match: CollectionRestoreJobMatch,
    ): Promise<CollectionRestoreJobView | null> {
      const s = signal();
      const found: CollectionRestoreJobView[] = [];
      for (let pageNum = 1; ; pageNum++) {
        const page = await callAtlas(s, () =>
          atlas.listCollectionRestoreJobs(ref, { pageNum, itemsPerPage: PAGE_SIZE }, { signal: s }),
        );
        found.push(...page.results.filter((job) => matchesCollectionRestoreJob(job, match)));
        if (page.results.length < PAGE_SIZE) break;
      }
      // Newest first: if a retry ever slipped through, the latest job is the one still worth watching.
      found.sort((a, b) => (a.id < b.id ? 1 : -1));
      return found[0] ?? null;
    },

    /** Exactly one POST per call: the workflow schedules it with a single attempt and decides what follows. */
    async createCollectionRestoreJob(
      ref: DeploymentRef,
      spec: CollectionRestoreSpec,
    ): Promise<CollectionRestoreJobView> {
      const s = signal();
      return await callAtlas(s, () => atlas.createCollectionRestoreJob(ref, spec, { signal: s }));
    },

    /**
     * Polls a collection restore job until SUCCESSFUL, FAILED or CANCELED (then read with its collections),
     * the deadline or the window's end, and, with `returnOnChange` (the default), returns at each progress
     * step, so the workflow's status follows the job without an activity per poll.
     */
    async waitForCollectionRestoreJob(
      input: CollectionRestoreWaitInput,
    ): Promise<CollectionRestoreWaitResult> {
      type Ended = Extract<CollectionRestoreWaitResult, { outcome: 'terminal' }>;
      // Steps are measured from the job as the workflow last saw it; without one, from the first poll.
      let seen = input.progress.lastJob;
      const result = await pollLoop<Ended, CollectionRestoreWaitProgress>({
        schedule: input.schedule,
        progress: input.progress,
        windowMs: windowOf(input.windowMs),
        returnOnChange: input.returnOnChange !== false,
        ...(draining ? { draining } : {}),
        describe: (progress) => `${describeCollectionRestoreProgress(progress.lastJob)}, job ${input.jobId}`,
        async poll(progress, s) {
          const job = await atlas.getCollectionRestoreJob(input.deployment, input.jobId, {
            signal: s,
            namespaces: false,
          });
          const next: CollectionRestoreWaitProgress = { ...progress, lastJob: job };
          if (job.state !== 'in_progress') {
            const full = await atlas.getCollectionRestoreJob(input.deployment, input.jobId, { signal: s });
            return { progress: next, done: { outcome: 'terminal', job: full, progress: next } };
          }
          const changed = collectionRestoreProgressChanged(seen, job);
          seen ??= job;
          return { progress: next, changed };
        },
      });
      if (result.outcome === 'done') return { ...result.value, progress: result.progress };
      const job = result.progress.lastJob;
      return { outcome: result.outcome, ...(job ? { job } : {}), progress: result.progress };
    },

    /** What a snapshot of the source holds: its databases, or one database with its collections. */
    async listSnapshotNamespaces(
      ref: DeploymentRef,
      snapshotId: string,
      database?: string,
    ): Promise<SnapshotNamespacesView> {
      const s = signal();
      return await callAtlas(s, () => atlas.listSnapshotNamespaces(ref, snapshotId, database, { signal: s }));
    },
  };
}
