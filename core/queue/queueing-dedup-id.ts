import type { TaskRecord } from "../store/task-record.js";

/**
 * The queue's deduplication id for the message that queues `task` now.
 * A first submission keeps the task id (undefined here: the queue's
 * default), so a message the submit published before it died is not queued
 * twice by the outbox dispatcher. A retry and a task parked by a worker that
 * lacked its type get a new id per queueing, since the earlier message's id
 * may still be in the duplicate window — the same id whoever publishes it (the
 * retry itself or the dispatcher), so that two publishers of one queueing
 * leave one message.
 */
export function queueingDedupId(task: Pick<TaskRecord, "id" | "requeues" | "unservedHandbacks">): string | undefined {
  if (task.requeues === 0 && task.unservedHandbacks === 0) return undefined;
  return `${task.id}#q${task.requeues}-h${task.unservedHandbacks}`;
}
