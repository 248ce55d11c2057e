/**
 * Where a task is in its life, with pytasks' names. Stored as text in the
 * `tasks.status` column and rendered without a prefix over plain HTTP.
 */
export type TaskStatus = "PENDING" | "STARTED" | "SUCCESS" | "FAILURE" | "RETRY" | "REVOKED";

/** Every status, in life order. */
export const TASK_STATUSES: readonly TaskStatus[] = ["PENDING", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"];

/** Statuses after which nothing changes: the task will never run again. */
export const FINAL_STATUSES: readonly TaskStatus[] = ["SUCCESS", "FAILURE", "REVOKED"];

/** True for SUCCESS, FAILURE and REVOKED. */
export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
