import { createBatcher } from "../../core/batch/batcher.js";
import type { TaskQueue } from "../../core/queue/task-queue.js";
import type { NewTask } from "../../core/store/task-record.js";
import type { TaskStore } from "../../core/store/task-store.js";

/** Stores and queues accepted tasks. */
export interface TaskSubmitter {
  /**
   * Commits the task row, then publishes its message. Resolves once both are
   * durable, with the stored creation time. If publishing fails, the row is marked FAILURE (so it never
   * sits PENDING with no message) and the error is rethrown.
   */
  submit(task: NewTask): Promise<{ createdAt: Date }>;
}

/**
 * Creates a submitter that batches concurrent submissions: one multi-row
 * insert and one pipelined publish per batch instead of a round trip each.
 */
export function createTaskSubmitter(store: TaskStore, queue: TaskQueue): TaskSubmitter {
  const insert = createBatcher<NewTask, Date>((tasks) => store.insertTasks(tasks));
  const publish = createBatcher<NewTask, void>(async (tasks) => {
    await queue.publish(tasks.map(({ id, type, queue, args }) => ({ id, type, queue, args })));
    return tasks.map(() => undefined);
  });
  return {
    async submit(task) {
      const createdAt = await insert(task);
      try {
        await publish(task);
        return { createdAt };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await store
          .abandonTasks([task.id], { type: "QueueUnavailable", message: `the task could not be queued: ${message}` })
          .catch((e: unknown) => console.error(`[server] could not mark task ${task.id} as failed:`, e));
        throw error;
      }
    },
  };
}
