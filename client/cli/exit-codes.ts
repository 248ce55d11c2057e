/**
 * The exit status of every `tstasks` command. Scripts branch on these, so
 * they never change meaning: a new situation gets a new number.
 */
export const ExitCode = {
  /** Done (for get/list/cancel/…: the call succeeded, whatever the task's status). */
  OK: 0,
  /** The task ended FAILURE or REVOKED (submit --wait, watch, get --wait once final). */
  TASK_FAILED: 1,
  /** Wrong command line: unknown command or option, a bad value, a missing argument, no password given. */
  USAGE: 2,
  /** The task (or another named thing) does not exist, or is not visible to this token. */
  NOT_FOUND: 3,
  /** Any other refusal of the API: unauthenticated, permission denied, invalid argument, conflict, … */
  API_ERROR: 4,
  /** The server could not be reached or is not ready (connection refused, Unavailable). */
  UNAVAILABLE: 5,
  /** Interrupted with Ctrl-C (128 + SIGINT, as shells report it). */
  INTERRUPTED: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit status table as `--help` prints it after every command's help. */
export const EXIT_CODES_HELP = `Exit status:
  0    done
  1    the task ended FAILURE or REVOKED (submit --wait, watch, get --wait)
  2    usage error (unknown command or option, bad value, no password)
  3    not found (unknown task id, or a task this token may not see)
  4    other API error (unauthenticated, permission denied, invalid argument, …)
  5    server unavailable (not reachable, or not ready)
  130  interrupted (Ctrl-C)`;
