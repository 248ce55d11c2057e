import type { TaskError, TaskInfo } from "./task-info.js";

/**
 * Thrown by `result()` and `run()` when the task ended without a result:
 * `code` is "failed" for FAILURE (`taskError` is the last attempt's error,
 * e.g. `{type: "DeadlineExceeded", …}`) and "revoked" for REVOKED (cancelled).
 * `task` is the final task as the server reported it.
 */
export class TaskFailedError extends Error {
  override readonly name = "TaskFailedError";
  /** The final task. */
  readonly task: TaskInfo;
  /** The task's last error, when it has one (always for FAILURE). */
  readonly taskError?: TaskError;
  /** "failed" for FAILURE, "revoked" for REVOKED. */
  readonly code: "failed" | "revoked";

  /** Builds the error from a final FAILURE or REVOKED task. */
  constructor(task: TaskInfo) {
    const revoked = task.status === "REVOKED";
    super(
      revoked
        ? `task ${task.id} (${task.type}) was revoked`
        : `task ${task.id} (${task.type}) failed` + (task.error ? `: ${task.error.type}: ${task.error.message}` : ""),
    );
    this.task = task;
    this.code = revoked ? "revoked" : "failed";
    if (task.error) this.taskError = task.error;
  }
}
