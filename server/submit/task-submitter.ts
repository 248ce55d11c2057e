import { randomUUID } from "node:crypto";
import { createBatcher } from "../../core/batch/batcher.js";
import type { TaskQueue } from "../../core/queue/task-queue.js";
import type { InsertedTask, NewTask, TaskRecord } from "../../core/store/task-record.js";
import { toTaskMessage, type MessageSource } from "../../core/queue/to-task-message.js";
import type { TaskStore } from "../../core/store/task-store.js";

/** Stores and queues accepted tasks. */
export interface TaskSubmitter {
  /**
   * Commits the task row, then publishes its message. Resolves once both are
   * durable, with the stored id and creation time (for a repeated idempotency
   * key: the earlier task's, and nothing is stored or queued). If publishing fails, the row is marked FAILURE (so it never
   * sits PENDING with no message) and the error is rethrown.
   */
  submit(task: NewTask): Promise<InsertedTask>;

  /**
   * Publishes the message of a task the store already moved back to PENDING
   * (a retry). If publishing fails the task is marked FAILURE again and the
   * error rethrown.
   */
  requeue(task: TaskRecord): Promise<void>;
}

/**
 * Creates a submitter that batches concurrent submissions: one multi-row
 * insert and one pipelined publish per batch instead of a round trip each.
 */
export function createTaskSubmitter(store: TaskStore, queue: TaskQueue): TaskSubmitter {
  const insert = createBatcher<NewTask, InsertedTask>((tasks) => store.insertTasks(tasks));
  const publish = createBatcher<MessageSource, void>(async (tasks) => {
    await queue.publish(tasks.map(toTaskMessage));
    return tasks.map(() => undefined);
  });
  /** A stored task that could not be queued must not sit PENDING with no message. */
  const markUnqueued = async (id: string, error: unknown): Promise<void> => {
    const message = error instanceof Error ? error.message : String(error);
    await store
      .abandonTasks([id], { type: "QueueUnavailable", message: `the task could not be queued: ${message}` })
      .catch((e: unknown) => console.error(`[server] could not mark task ${id} as failed:`, e));
  };

  return {
    async submit(task) {
      const inserted = await insert(task);
      // A repeated idempotency key: the earlier task was queued when it was submitted.
      if (inserted.existing) return inserted;
      try {
        await publish(task);
        return inserted;
      } catch (error) {
        await markUnqueued(task.id, error);
        throw error;
      }
    },
    async requeue(task) {
      try {
        await publish({ ...task, dedupId: `${task.id}#retry-${randomUUID()}` });
      } catch (error) {
        await markUnqueued(task.id, error);
        throw error;
      }
    },
  };
}
