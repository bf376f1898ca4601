import type { AtlasBackupApi, CallOptions, DeploymentRef } from '../atlas/api';

export interface ApiBudgetOptions {
  /** Sustained Atlas requests per second per project (groupId), for this process. */
  requestsPerSecond: number;
  /** Requests a project may make at once after being quiet. Default: 2 s worth of `requestsPerSecond`, at least 1. */
  burst?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * A token bucket per key. `acquire` never fails for lack of tokens: callers queue in arrival order (a
 * token may be borrowed from the future, and the borrower waits until it exists), so many restores in
 * one project share the budget fairly and nobody starves. An aborted wait gives its token back.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(options: ApiBudgetOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be > 0');
    this.rate = options.requestsPerSecond / 1000;
    this.burst = Math.max(1, options.burst ?? Math.ceil(options.requestsPerSecond * 2));
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds the caller must wait before its request; the token is already taken. */
  reserve(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.rate);
    bucket.at = now;
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return bucket.tokens >= 0 ? 0 : Math.ceil(-bucket.tokens / this.rate);
  }

  release(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.burst, bucket.tokens + 1);
  }

  async acquire(key: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const wait = this.reserve(key);
    if (wait === 0) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        this.release(key);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Wraps the Atlas API the activities use so every request first takes a token from its project's bucket.
 * Only the project is known here (not Atlas' own endpoint sets), so this keeps a whole fleet under a
 * per-project figure; Atlas' 429 + Retry-After is still honoured by the activities on top of it.
 */
export function withApiBudget(api: AtlasBackupApi, budget: ApiBudgetOptions | TokenBuckets): AtlasBackupApi {
  const buckets = budget instanceof TokenBuckets ? budget : new TokenBuckets(budget);
  const gate = async <T>(
    ref: Pick<DeploymentRef, 'groupId'>,
    options: CallOptions | undefined,
    call: () => Promise<T>,
  ): Promise<T> => {
    await buckets.acquire(ref.groupId, options?.signal);
    return call();
  };
  return {
    getDeployment: (ref, options) => gate(ref, options, () => api.getDeployment(ref, options)),
    // Up to one request per kind; budgeted as one, since it runs once per restore at most.
    resolveDeployment: (ref, options) => gate(ref, options, () => api.resolveDeployment(ref, options)),
    setContinuousBackup: (ref, enabled, options) =>
      gate(ref, options, () => api.setContinuousBackup(ref, enabled, options)),
    listSnapshots: (ref, page, options) => gate(ref, options, () => api.listSnapshots(ref, page, options)),
    getSnapshot: (ref, id, options) => gate(ref, options, () => api.getSnapshot(ref, id, options)),
    createRestoreJob: (ref, body, options) =>
      gate(ref, options, () => api.createRestoreJob(ref, body, options)),
    getRestoreJob: (ref, id, options) => gate(ref, options, () => api.getRestoreJob(ref, id, options)),
    listRestoreJobs: (ref, page, options) =>
      gate(ref, options, () => api.listRestoreJobs(ref, page, options)),
    cancelRestoreJob: (ref, id, options) => gate(ref, options, () => api.cancelRestoreJob(ref, id, options)),
    createCollectionRestoreJob: (ref, spec, options) =>
      gate(ref, options, () => api.createCollectionRestoreJob(ref, spec, options)),
    // With its collections a read is two requests or more; budgeted as one, like resolveDeployment.
    getCollectionRestoreJob: (ref, id, options) =>
      gate(ref, options, () => api.getCollectionRestoreJob(ref, id, options)),
    listCollectionRestoreJobs: (ref, page, options) =>
      gate(ref, options, () => api.listCollectionRestoreJobs(ref, page, options)),
    listSnapshotNamespaces: (ref, snapshotId, database, options) =>
      gate(ref, options, () => api.listSnapshotNamespaces(ref, snapshotId, database, options)),
  };
}
