import type { TaskQueue } from "../queue/task-queue.js";
import { toTaskMessage } from "../queue/to-task-message.js";
import type { TaskCursor } from "../store/task-record.js";
import type { TaskStore } from "../store/task-store.js";
import type { TaskStatus } from "../task/task-status.js";

/** Statuses of tasks that still have to run (STARTED: its worker died with the process). */
const UNFINISHED: readonly TaskStatus[] = ["PENDING", "RETRY", "STARTED"];
const PAGE = 1000;

/**
 * Publishes every unfinished task in the store to `queue`, oldest pages
 * first within each status, and returns how many. For a queue that lost its
 * messages (the in-process queue after a restart): the store is the source of
 * truth. Do not use it with a durable queue: with JetStream the messages
 * survive and a second copy of a running task could run twice.
 */
export async function republishUnfinished(store: TaskStore, queue: TaskQueue): Promise<number> {
  let count = 0;
  for (const status of UNFINISHED) {
    let after: TaskCursor | undefined;
    do {
      const page = await store.listTasks({ status, limit: PAGE, after });
      if (page.tasks.length > 0) {
        await queue.publish(page.tasks.map(toTaskMessage));
        count += page.tasks.length;
      }
      after = page.next;
    } while (after);
  }
  return count;
}
