import { Context } from '@temporalio/activity';
import type { AtlasBackupApi, DeploymentRef, DeploymentView } from '../atlas/api';
import { isDeploymentKind, type DeploymentKind } from '../common/deployment-kinds';
import { parseRestoreRequest, type ParseResult, type RestoreRequest } from '../common/restore-request';
import { isTerminalRestoreJobState } from '../common/restore-job-state';
import { collectionRestoreActivities } from './collection-restores';
import { callAtlas } from './failures';
import { pollLoop } from './polling';
import { matchesRestoreJob, normalizeMatch, normalizeSpec } from './restore-jobs';
import { validationActivities, type DatabaseCredentials } from './validation';
import type {
  DeploymentState,
  IdleWaitInput,
  IdleWaitProgress,
  IdleWaitResult,
  LegacyRestoreJobFields,
  PickedSnapshot,
  PickSnapshotInput,
  RestoreJobMatch,
  RestoreJobSpec,
  RestoreJobView,
  RestoreWaitInput,
  RestoreWaitProgress,
  RestoreWaitResult,
  SnapshotView,
} from './types';

export type * from './types';
export type { DatabaseCredentials } from './validation';

/** Real time one call of a waiting activity keeps polling before it hands its progress to the workflow. */
export const DEFAULT_PROGRESS_WINDOW_MS = 5 * 60_000;

/** Atlas' maximum page size (docs/atlas.md#pagination): one request covers almost every source. */
const PAGE_SIZE = 500;

export interface ActivityDeps {
  /** The Atlas API, with its credentials; they stay in the worker and never reach an activity's input or output. */
  atlas: AtlasBackupApi;
  /**
   * How long (real time) `waitForDeploymentIdle` and `waitForRestoreJob` poll in one call before returning
   * their progress, so the workflow's status query, search attributes and details stay current and its
   * history grows by one activity per window. Default 5 minutes.
   */
  progressWindowMs?: number;
  /**
   * Aborted when the worker starts a graceful shutdown: waiting activities hand their progress back at
   * once, so another worker carries on within seconds instead of after the grace time.
   */
  draining?: AbortSignal;
  /**
   * The database user `validateRestore` connects to restored targets as (`VALIDATION_DB_*`); without it
   * validation fails with `ValidationNotConfigured`. Stays in the worker like the Atlas credentials.
   */
  database?: DatabaseCredentials;
}

/**
 * The restore activities: one per Atlas call, thin (call the API, map its error to a Temporal failure),
 * long-running, heartbeating waits whose polls cost no history events (deployment, restore job, collection
 * restore job), and the validation of the restored data.
 */
export function createActivities(deps: ActivityDeps) {
  const { atlas } = deps;
  // A window set for the worker (tests, benchmarks) wins over the one the workflow asks for.
  const windowOf = (asked: number | undefined) =>
    deps.progressWindowMs ?? asked ?? DEFAULT_PROGRESS_WINDOW_MS;
  const { draining } = deps;
  const signal = () => Context.current().cancellationSignal;

  async function allPages<T>(
    list: (pageNum: number, signal: AbortSignal) => Promise<{ results: T[] }>,
  ): Promise<T[]> {
    const s = signal();
    const items: T[] = [];
    for (let pageNum = 1; ; pageNum++) {
      const page = await callAtlas(s, () => list(pageNum, s));
      items.push(...page.results);
      if (page.results.length < PAGE_SIZE) return items;
    }
  }

  return {
    ...validationActivities({ atlas, ...(deps.database ? { database: deps.database } : {}) }),
    ...collectionRestoreActivities({ atlas, windowOf, ...(draining ? { draining } : {}) }),

    /**
     * A restore's request, checked and with its defaults: here rather than in the workflow, whose sandbox
     * would build the schemas again for every restore. The answer is recorded, so a later change of a rule
     * never changes what a running restore replays.
     */
    async checkRestoreRequest(input: unknown): Promise<ParseResult<RestoreRequest>> {
      return parseRestoreRequest(input);
    },

    async getDeployment(ref: DeploymentRef): Promise<DeploymentState> {
      const s = signal();
      return deploymentState(await callAtlas(s, () => atlas.getDeployment(ref, { signal: s })));
    },

    async setContinuousBackup(ref: DeploymentRef, enabled: boolean): Promise<DeploymentState> {
      const s = signal();
      return deploymentState(
        await callAtlas(s, () => atlas.setContinuousBackup(ref, enabled, { signal: s })),
      );
    },

    /**
     * Which kind a deployment is (request kind `auto`), found the way the Atlas CLI does it; the answer
     * also serves as the source's first read, so it costs no extra call.
     */
    async resolveDeployment(
      ref: Omit<DeploymentRef, 'kind'>,
      preferKinds?: readonly DeploymentKind[],
    ): Promise<DeploymentState> {
      const s = signal();
      return deploymentState(
        await callAtlas(s, () =>
          atlas.resolveDeployment(ref, { signal: s, ...(preferKinds ? { preferKinds } : {}) }),
        ),
      );
    },

    async getSnapshot(ref: DeploymentRef, snapshotId: string): Promise<SnapshotView> {
      const s = signal();
      return await callAtlas(s, () => atlas.getSnapshot(ref, snapshotId, { signal: s }));
    },

    /** The newest `completed` snapshot, or null. Reads every page rather than trusting the list order. */
    async findLatestCompletedSnapshot(ref: DeploymentRef): Promise<SnapshotView | null> {
      const snapshots = await allPages((pageNum, s) =>
        atlas.listSnapshots(ref, { pageNum, itemsPerPage: PAGE_SIZE }, { signal: s }),
      );
      let latest: SnapshotView | undefined;
      for (const snapshot of snapshots) {
        if (snapshot.status !== 'completed') continue;
        if (!latest || (snapshot.createdAt ?? '') > (latest.createdAt ?? '')) latest = snapshot;
      }
      return latest ?? null;
    },

    /**
     * A drill's random recovery point: the completed snapshots of the last `withinDays` days, oldest first,
     * and the one at `draw` (in [0, 1), drawn by the workflow so it replays the same) among them.
     */
    async pickSnapshot(input: PickSnapshotInput): Promise<PickedSnapshot> {
      const s = signal();
      const { kind, groupId, name } = input.source;
      const ref: DeploymentRef = isDeploymentKind(kind)
        ? { kind, groupId, name }
        : await callAtlas(s, () => atlas.resolveDeployment({ groupId, name }, { signal: s }));
      const snapshots = await allPages((pageNum, ps) =>
        atlas.listSnapshots(ref, { pageNum, itemsPerPage: PAGE_SIZE }, { signal: ps }),
      );
      const since = input.nowMs - input.withinDays * 86_400_000;
      const candidates = snapshots
        .filter(
          (snapshot) =>
            snapshot.status === 'completed' && snapshot.createdAt && Date.parse(snapshot.createdAt) >= since,
        )
        .sort((a, b) => (a.createdAt! < b.createdAt! ? -1 : a.createdAt! > b.createdAt! ? 1 : 0));
      if (candidates.length === 0) return { kind: ref.kind, candidates: 0 };
      const chosen = candidates[Math.min(candidates.length - 1, Math.floor(input.draw * candidates.length))]!;
      return {
        kind: ref.kind,
        candidates: candidates.length,
        snapshotId: chosen.id,
        takenAt: chosen.createdAt!,
      };
    },

    /**
     * The restore job this submission already created, if any: called before every POST and after every
     * ambiguous POST failure, so a lost response never leads to a second job.
     */
    async findRestoreJob(
      ref: DeploymentRef,
      wanted: RestoreJobMatch & LegacyRestoreJobFields,
    ): Promise<RestoreJobView | null> {
      const match = normalizeMatch(wanted);
      const jobs = await allPages((pageNum, s) =>
        atlas.listRestoreJobs(ref, { pageNum, itemsPerPage: PAGE_SIZE }, { signal: s }),
      );
      const found = jobs.filter((job) => matchesRestoreJob(job, match));
      // Newest first: if a retry ever slipped through, the latest job is the one still worth watching.
      found.sort((a, b) => (a.id < b.id ? 1 : -1));
      return found[0] ?? null;
    },

    /** Exactly one POST per call: the workflow schedules it with a single attempt and decides what follows. */
    async createRestoreJob(
      ref: DeploymentRef,
      spec: RestoreJobSpec & LegacyRestoreJobFields,
    ): Promise<RestoreJobView> {
      const s = signal();
      return await callAtlas(s, () => atlas.createRestoreJob(ref, normalizeSpec(spec), { signal: s }));
    },

    async cancelRestoreJob(ref: DeploymentRef, restoreJobId: string): Promise<void> {
      const s = signal();
      await callAtlas(s, () => atlas.cancelRestoreJob(ref, restoreJobId, { signal: s }));
    },

    /**
     * Polls the deployment until it is IDLE with the expected continuous-backup value. IDLE is believed
     * only after another state was seen since the change, or after `settleMs` of IDLE: right after a PATCH
     * Atlas can still read IDLE before the update begins.
     */
    async waitForDeploymentIdle(input: IdleWaitInput): Promise<IdleWaitResult> {
      const result = await pollLoop<
        Extract<IdleWaitResult, { deployment: DeploymentState }>,
        IdleWaitProgress
      >({
        schedule: input.schedule,
        progress: input.progress,
        windowMs: windowOf(input.windowMs),
        ...(draining ? { draining } : {}),
        describe: (progress) => `deployment ${progress.last?.stateName ?? 'not read yet'}`,
        async poll(progress, s) {
          const deployment = deploymentState(await atlas.getDeployment(input.deployment, { signal: s }));
          const next: IdleWaitProgress = {
            ...progress,
            sawNonIdle: progress.sawNonIdle || deployment.stateName !== 'IDLE',
            last: deployment,
          };
          if (deployment.stateName !== 'IDLE') return { progress: next };
          if (!next.sawNonIdle && Date.now() - input.changedAt < input.settleMs) return { progress: next };
          const applied = deployment.continuousBackupEnabled === input.expectContinuousBackup;
          return {
            progress: next,
            done: { outcome: applied ? 'idle' : 'not_applied', deployment, progress: next },
          };
        },
      });
      if (result.outcome === 'done') return { ...result.value, progress: result.progress };
      return { outcome: result.outcome === 'deadline' ? 'deadline' : 'window', progress: result.progress };
    },

    /** Polls a restore job until a terminal state, its `expiresAt`, the deadline or the window's end. */
    async waitForRestoreJob(input: RestoreWaitInput): Promise<RestoreWaitResult> {
      type Ended = Extract<RestoreWaitResult, { job: RestoreJobView }>;
      const result = await pollLoop<Ended, RestoreWaitProgress>({
        schedule: input.schedule,
        progress: input.progress,
        windowMs: windowOf(input.windowMs),
        returnOnChange: input.returnOnChange === true,
        ...(draining ? { draining } : {}),
        describe: (progress) => {
          const state = progress.jobState ?? progress.lastJob?.state;
          const atlasWord = progress.lastJob?.atlasStatus ? ` (Atlas ${progress.lastJob.atlasStatus})` : '';
          return `job ${input.restoreJobId} ${state ?? 'not read yet'}${atlasWord}`;
        },
        async poll(progress, s) {
          const job = await atlas.getRestoreJob(input.deployment, input.restoreJobId, { signal: s });
          const state = job.state;
          const seen = progress.lastJob;
          // Compared with the job as the workflow last saw it (the one it submitted, on the first call).
          const changed =
            seen !== undefined && (seen.state !== state || seen.atlasStatus !== job.atlasStatus);
          const next: RestoreWaitProgress = { ...progress, lastJob: job, jobState: state };
          if (isTerminalRestoreJobState(state))
            return { progress: next, done: { outcome: 'terminal', job, state, progress: next } };
          const expiresAt = job.expiresAt ? Date.parse(job.expiresAt) : Number.NaN;
          if (Date.now() >= expiresAt)
            return { progress: next, done: { outcome: 'expires_at_passed', job, progress: next } };
          return { progress: next, changed };
        },
      });
      return result.outcome === 'done' ? { ...result.value, progress: result.progress } : result;
    },
  };
}

export type RestoreActivities = ReturnType<typeof createActivities>;

function deploymentState(view: DeploymentView): DeploymentState {
  const { kind, groupId, name, stateName, continuousBackupEnabled, topology } = view;
  return { kind, groupId, name, stateName, continuousBackupEnabled, ...(topology ? { topology } : {}) };
}
