import type { TaskEvent, TaskInfo } from "../../index.js";

/**
 * A display of one task's live events (`watch`, `submit --wait`). The
 * caller feeds every event in order, then calls `close` exactly once.
 */
export interface WatchView {
  /** Shows one event of the stream. */
  event(event: TaskEvent): void;
  /**
   * Ends the display: with the final task, shows how it ended; with
   * undefined (interrupted, or an error) just restores the terminal.
   */
  close(final?: TaskInfo): void;
}

/** `RETRY Error: attempt 1 fails on purpose`: a status, with the error for RETRY and FAILURE. */
export function statusText(task: TaskInfo): string {
  const withError = (task.status === "RETRY" || task.status === "FAILURE") && task.error;
  return withError ? `${task.status} ${task.error!.type}: ${task.error!.message}` : task.status;
}

/** What a {@link statusChanges} tracker says about one task event. */
export interface StatusChange {
  /** The task's {@link statusText}. */
  text: string;
  /** The text differs from the previous task event's (always true on the first). */
  changed: boolean;
  /** This is the stream's first task event. */
  first: boolean;
}

/**
 * A tracker to feed every task event of one stream, in order. Views use it
 * to show a status once: the stream may repeat a task's state unchanged.
 */
export function statusChanges(): (task: TaskInfo) => StatusChange {
  let previous: string | undefined;
  return (task) => {
    const text = statusText(task);
    const change = { text, changed: text !== previous, first: previous === undefined };
    previous = text;
    return change;
  };
}
