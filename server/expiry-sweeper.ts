import type { TaskEventBus } from "../core/events/task-event-bus.js";
import type { TaskStore } from "../core/store/task-store.js";

/**
 * Ends queued tasks whose queue deadline passed, every `intervalMs` (default
 * 1000), even when no worker would ever take them, and tells their watchers.
 * Safe to run in every server at once (the update is conditional). Returns a
 * stop function.
 */
export function startExpirySweeper(store: TaskStore, events: TaskEventBus, intervalMs = 1000): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    store
      .expireTasks(1000)
      .then((ended) => events.publishEvents(ended.map((e) => ({ kind: "status", taskId: e.id, status: "FAILURE", attempt: e.attempt }))))
      .catch((e: unknown) => console.error("[server] expiring overdue tasks failed:", e instanceof Error ? e.message : e))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
