/** The errors the restore client throws; each is a class callers can test with `instanceof`. */

/** A request that does not pass the shared schema; nothing was started. */
export class InvalidRestoreRequestError extends Error {
  override readonly name = 'InvalidRestoreRequestError';
  /** Each offending field as a dotted path (`source.groupId`) with its rule. */
  readonly issues: { field: string; message: string }[];
  constructor(issues: { field: string; message: string }[]) {
    super(`invalid restore request: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** No restore workflow with this id (or run id) exists in the namespace. */
export class RestoreNotFoundError extends Error {
  override readonly name = 'RestoreNotFoundError';
  constructor(readonly workflowId: string) {
    super(`no restore with workflow id ${workflowId}`);
  }
}

/**
 * Another restore is writing into the same target, so this one was not started (Atlas and the engine
 * allow one restore per target at a time). Start again once it has ended, or cancel it.
 */
export class TargetBusyError extends Error {
  override readonly name = 'TargetBusyError';
  constructor(
    readonly target: { groupId: string; name: string },
    /** The restore holding the target. */
    readonly holder: { workflowId: string; runId: string; summary?: string; startTime?: string },
    /**
     * When the holder is this same restore (source, snapshot, target) started with other options: those
     * options. Attaching would hide that they are not in effect.
     */
    readonly otherOptions: readonly string[] = [],
  ) {
    super(
      `target.name: ${target.name} (project ${target.groupId}) is held by restore ${holder.workflowId}${holder.summary ? ` (${holder.summary}` : ' ('}${holder.startTime ? `${holder.summary ? ', ' : ''}running since ${holder.startTime}` : ''})${otherOptions.length > 0 ? `, which is this restore with different options (${otherOptions.join(', ')})` : ''}; nothing was started — wait for it to end or cancel it`.replace(
        ' ()',
        '',
      ),
    );
  }
}
