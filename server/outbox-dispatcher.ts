import type { TaskQueue } from "../core/queue/task-queue.js";
import { toTaskMessage } from "../core/queue/to-task-message.js";
import type { TaskRecord } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";
import { queueingDedupId } from "./submit/queueing-dedup-id.js";

/** Options of {@link startOutboxDispatcher}. */
export interface OutboxDispatcherOptions {
  /** How often to look for unpublished tasks. Default 1000 ms. */
  intervalMs?: number;
  /** Only rows unpublished for longer than this (a submit in flight publishes its own). Default 3000 ms. */
  olderThanMs?: number;
}

/**
 * The transactional outbox's dispatcher: publishes PENDING tasks whose row
 * was committed but whose message never reached the queue (the queue was
 * down at submit time, or the server died between commit and publish), and
 * tasks a worker without their type parked, once their delay is over.
 * Every server runs one; rows are locked while they are dispatched, so two
 * dispatchers never take the same row. Returns a stop function.
 */
export function startOutboxDispatcher(store: TaskStore, queue: TaskQueue, options: OutboxDispatcherOptions = {}): () => void {
  const olderThanMs = options.olderThanMs ?? 3000;
  let busy = false;
  const round = async (): Promise<void> => {
    // Drain in pages while there is a backlog.
    while ((await store.dispatchUnpublished(500, olderThanMs, (tasks) => queue.publish(tasks.map(messageOf)))) === 500);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round()
      .catch((e: unknown) => console.error("[server] outbox dispatch failed, will retry:", e instanceof Error ? e.message : e))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The message for a row, under the deduplication id its submit or retry gave it too. */
function messageOf(task: TaskRecord) {
  return toTaskMessage({ ...task, dedupId: queueingDedupId(task) });
}
