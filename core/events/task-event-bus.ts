import type { TaskEvent } from "./task-event.js";

/**
 * Live task events between processes: workers and servers publish,
 * watchers subscribe per task. Core NATS carries them on the JetStream
 * backend, an in-process fan-out on the embedded one.
 *
 * Delivery is at most once and not stored: a watcher that must not miss
 * the end of a task subscribes first, then reads the store, and reads it
 * again on every status event (see server/watch).
 */
export interface TaskEventBus {
  /**
   * Publishes events, best effort: never throws, never waits for a
   * server; events published while disconnected may be dropped.
   */
  publishEvents(events: readonly TaskEvent[]): void;

  /**
   * Calls `handler` with every event of task `taskId` published from now
   * on (after `ready` resolves for remote buses); returns how to stop.
   */
  subscribeEvents(taskId: string, handler: (event: TaskEvent) => void): EventSubscription;
}

/** A subscription made by {@link TaskEventBus.subscribeEvents}. */
export interface EventSubscription {
  /** Resolves once the bus will deliver events published from now on. */
  readonly ready: Promise<void>;
  /** Stops delivery; safe to call twice. */
  unsubscribe(): void;
}
