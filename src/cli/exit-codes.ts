/** Exit codes of `atlas-restore`, stable for scripts (documented in the README and in `--help`). */
export const EXIT = {
  /** The command did what it was asked; for `watch`/`start --wait`/`demo`: the restore finished. */
  ok: 0,
  /** The restore ended without finishing (failed, expired, cancelled, deadline exceeded, ...), or there was nothing to cancel. */
  notFinished: 1,
  /** Bad command line or an invalid restore request; nothing was started. */
  usage: 2,
  /** No restore with that workflow id. */
  notFound: 3,
  /** Configuration is invalid, or Temporal cannot be reached. */
  unavailable: 4,
  /** Anything else (a bug, or an error this CLI does not classify). */
  internal: 5,
  /** Another restore holds the target; nothing was started. */
  targetBusy: 6,
  /** Interrupted by Ctrl-C (SIGINT) while following a restore. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    done; for watch, start --wait and demo: the restore finished
  1    the restore ended without finishing (failed, expired, cancelled, deadline_exceeded,
       validation_failed, terminated, timed_out, error), or cancel found nothing running
  2    bad command line or invalid restore request (nothing was started)
  3    no restore with that workflow id
  4    invalid configuration, or Temporal unreachable
  5    unexpected error
  6    another restore holds the target (nothing was started; the message names it)
  130  interrupted (Ctrl-C)`;
