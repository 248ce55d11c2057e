import type { TaskEventBus } from "../../core/events/task-event-bus.js";
import type { TaskEvent } from "../../core/events/task-event.js";
import { MAX_LOG_LINES_PER_TASK, type LogLine, type TaskRecord } from "../../core/store/task-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { isFinalStatus } from "../../core/task/task-status.js";
import { TaskNotFoundError } from "../errors/domain-errors.js";

/** What a watcher of one task is told, in order (see {@link watchTaskEvents}). */
export type WatchEvent =
  | { kind: "task"; task: TaskRecord }
  | { kind: "progress"; fraction: number; message: string; attempt: number }
  | { kind: "log"; line: LogLine };

/** Where a watch reads the truth (the store) and hears about changes (the event bus). */
export interface WatchSources {
  store: Pick<TaskStore, "getTask" | "getLogs">;
  events: Pick<TaskEventBus, "subscribeEvents">;
}

/** Options of {@link watchTaskEvents}. */
export interface WatchOptions {
  /** Ends the watch (client gone, long poll over, server shutting down). Required. */
  signal: AbortSignal;
  /**
   * Re-read the row this often even without a status event, in ms. Default 1000.
   * The bus is at most once, and some changes publish nothing (the expiry
   * sweeper, a worker that died between its write and its publish).
   */
  rereadMs?: number;
  /** Longest wait for the subscription to be registered before reading the row, in ms. Default 2000. */
  readyTimeoutMs?: number;
  /** Only task snapshots: no progress, no log lines (long polling). Default false. */
  tasksOnly?: boolean;
}


/**
 * The events of task `taskId` from now until it is final:
 *
 * 1. the task as it is now (read AFTER the event subscription is live, so a
 *    change between the read and the subscription cannot be missed);
 *    if it is final already, that is the only event;
 * 2. the log lines it stored so far, then live progress reports and log
 *    lines as they are published (log lines deduplicated by `seq`);
 * 3. the task again whenever its status or attempt number changed, found by
 *    re-reading the row on each status event and every `rereadMs`;
 * 4. last, the final task, preceded by any stored log line the bus lost.
 *
 * Ends right after the final task, or quietly (no error) when `signal`
 * aborts. Throws TaskNotFoundError when the row does not exist. Always
 * unsubscribes. Progress reports the caller has not taken yet are
 * coalesced to the latest one, so a slow reader never makes it grow.
 * Ownership is NOT checked here: callers check it first.
 */
export async function* watchTaskEvents(sources: WatchSources, taskId: string, options: WatchOptions): AsyncGenerator<WatchEvent, void, undefined> {
  const { store, events } = sources;
  const { signal } = options;
  const tasksOnly = options.tasksOnly ?? false;
  const pending: WatchEvent[] = [];
  let rereadDue = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const onEvent = (e: TaskEvent): void => {
    if (e.kind === "status") {
      rereadDue = true;
    } else if (tasksOnly) {
      return;
    } else if (e.kind === "progress") {
      const progress: WatchEvent = { kind: "progress", fraction: e.fraction, message: e.message, attempt: e.attempt };
      if (pending.at(-1)?.kind === "progress") pending[pending.length - 1] = progress;
      else pending.push(progress);
    } else {
      pending.push({
        kind: "log",
        line: { taskId: e.taskId, attempt: e.attempt, seq: e.seq, level: e.level, message: e.message, at: new Date(e.at) },
      });
    }
    poke();
  };

  const subscription = events.subscribeEvents(taskId, onEvent);
  signal.addEventListener("abort", poke);
  let timer: NodeJS.Timeout | undefined;
  try {
    // Correctness never depends on `ready` (the periodic re-read finds every
    // change); it only makes the first events prompt, so do not wait forever.
    await firstOf(subscription.ready, options.readyTimeoutMs ?? 2000, signal);
    if (signal.aborted) return;

    let shown = await store.getTask(taskId);
    if (!shown) throw new TaskNotFoundError(taskId);
    yield { kind: "task", task: shown };
    if (isFinalStatus(shown.status)) return;

    // Log lines can reach us twice (from the store and live): pass each seq once.
    const seen = new Set<number>();
    const isNew = (event: WatchEvent): boolean => {
      if (event.kind !== "log") return true;
      if (seen.has(event.line.seq)) return false;
      seen.add(event.line.seq);
      return true;
    };
    let storedUpTo = 0;
    if (!tasksOnly) {
      const page = await store.getLogs(taskId, 0, MAX_LOG_LINES_PER_TASK);
      for (const line of page.lines) {
        seen.add(line.seq);
        storedUpTo = line.seq;
        yield { kind: "log", line };
      }
    }

    timer = setInterval(() => {
      rereadDue = true;
      poke();
    }, options.rereadMs ?? 1000);
    timer.unref();

    while (!signal.aborted) {
      while (pending.length > 0 && !signal.aborted) {
        const event = pending.shift()!;
        if (isNew(event)) yield event;
      }
      if (signal.aborted) return;
      if (rereadDue) {
        rereadDue = false;
        const row = await store.getTask(taskId);
        if (!row) throw new TaskNotFoundError(taskId);
        if (row.status === shown.status && row.attempts === shown.attempts) continue;
        if (isFinalStatus(row.status)) {
          // Events that arrived during the read come first; then lines the bus
          // dropped (a worker stores every line before it publishes it).
          for (const event of pending.splice(0)) {
            if (isNew(event)) yield event;
          }
          if (!tasksOnly) {
            const page = await store.getLogs(taskId, storedUpTo, MAX_LOG_LINES_PER_TASK);
            for (const line of page.lines) {
              const event: WatchEvent = { kind: "log", line };
              if (isNew(event)) yield event;
            }
          }
          yield { kind: "task", task: row };
          return;
        }
        shown = row;
        yield { kind: "task", task: row };
        continue;
      }
      // Nothing to do: sleep until an event, the re-read timer or the abort.
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    clearInterval(timer);
    signal.removeEventListener("abort", poke);
    subscription.unsubscribe();
  }
}

/** Resolves when `promise` settles, `ms` pass or `signal` aborts, whichever is first. */
async function firstOf(promise: Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      promise.catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
        onAbort = resolve;
        signal.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
