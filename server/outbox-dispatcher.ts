import type { TaskQueue } from "../core/queue/task-queue.js";
import type { MessageSource } from "../core/queue/to-task-message.js";
import { publishWithSpans } from "../core/telemetry/task-spans.js";
import type { TaskRecord } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";
import { queueingDedupId } from "../core/queue/queueing-dedup-id.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";

/** Options of {@link startOutboxDispatcher}. */
export interface OutboxDispatcherOptions {
  /** How often to look for unpublished tasks. Default 1000 ms. */
  intervalMs?: number;
  /** Only rows unpublished for longer than this (a submit in flight publishes its own). Default 3000 ms. */
  olderThanMs?: number;
  /** Where a failed round is reported (warn). Default: the process's root logger. */
  log?: Logger;
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
  const log = options.log ?? defaultLogger().child({ component: "outbox" });
  let busy = false;
  const round = async (): Promise<void> => {
    // Drain in pages while there is a backlog.
    while ((await store.dispatchUnpublished(500, olderThanMs, (tasks) => publishWithSpans(queue, tasks.map(sourceOf)))) === 500);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round()
      .catch((e: unknown) => log.warn({ err: e }, "outbox dispatch failed; will retry"))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The message source for a row, under the deduplication id its submit or
 * retry gave it too. It names no trace parent: the submit's context is long
 * gone, so with tracing on its publish span starts a new trace (marked
 * `tstasks.outbox.republished`), which the worker's run span then joins.
 */
function sourceOf(task: TaskRecord): MessageSource {
  return { ...task, dedupId: queueingDedupId(task) };
}
