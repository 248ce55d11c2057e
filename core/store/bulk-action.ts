import type { TaskStatus } from "../task/task-status.js";
import type { TaskCursor, TaskRecord } from "./task-record.js";

/**
 * Which tasks a bulk action (see {@link TaskStore.revokeTaskBatch} and
 * {@link TaskStore.requeueTaskBatch}) acts on: the filter of listTasks. An
 * empty filter matches every task; refusing one is the caller's business.
 */
export interface BulkTaskFilter {
  type?: string;
  status?: TaskStatus;
  /** Only tasks submitted by this `sub`. */
  owner?: string;
  /** Only tasks created at or after this time. */
  createdAfter?: Date;
  /** Only tasks created before this time. */
  createdBefore?: Date;
  /** Only the members of this group (a valid UUID): CancelGroup and RetryGroup. */
  groupId?: string;
}

/** One batch of a bulk action: which tasks, from where, how many. */
export interface BulkBatchQuery {
  filter: BulkTaskFilter;
  /** Only tasks strictly after this position in newest-first order (the previous batch's `next`). */
  after?: TaskCursor;
  /** Most tasks the batch looks at: 1..10 000. */
  limit: number;
}

/** What one batch of a bulk action did. */
export interface BulkBatchResult {
  /** Tasks matching the filter that the batch looked at (up to the query's `limit`). */
  matched: number;
  /** The tasks it changed, as they are now, in newest-first order. */
  changed: TaskRecord[];
  /**
   * Of `changed`, the ids of tasks that were STARTED (running) before a
   * revoke; empty for a requeue.
   */
  wereRunning: string[];
  /** Where the next batch starts; absent when no matching task is left after this one. */
  next?: TaskCursor;
}

/** Most tasks one batch of a bulk action may look at (one statement's locks). */
export const MAX_BULK_BATCH = 10_000;
