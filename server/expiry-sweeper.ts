import type { TaskEventBus } from "../core/events/task-event-bus.js";
import type { TaskStore } from "../core/store/task-store.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";

/**
 * Ends queued tasks whose queue deadline passed, every `intervalMs` (default
 * 1000), even when no worker would ever take them, and tells their watchers.
 * Safe to run in every server at once (the update is conditional). A failed
 * round is logged on `log` (default: the process's root logger) and the next
 * one tries again. Returns a stop function.
 */
export function startExpirySweeper(store: TaskStore, events: TaskEventBus, intervalMs = 1000, log?: Logger): () => void {
  const logger = log ?? defaultLogger().child({ component: "expiry" });
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    store
      .expireTasks(1000)
      .then((ended) => events.publishEvents(ended.map((e) => ({ kind: "status", taskId: e.id, status: "FAILURE", attempt: e.attempt }))))
      .catch((e: unknown) => logger.warn({ err: e }, "expiring overdue tasks failed; will retry"))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
