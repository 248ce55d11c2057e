import { createBatcher } from "../core/batch/batcher.js";
import type { TaskEventBus } from "../core/events/task-event-bus.js";
import type { LogLevel } from "../core/task/log-level.js";
import { isLogLevel } from "../core/task/log-level.js";
import { MAX_LOG_LINES_PER_TASK, type NewLogLine, type ProgressUpdate } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";
import { defaultLogger } from "../core/log/default-logger.js";
import type { Logger } from "../core/log/logger.js";
import { taskFields } from "../core/log/task-fields.js";

/** What one running attempt reports through `ctx.progress` and `ctx.log`. */
export interface AttemptReport {
  progress(fraction: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  /**
   * Stops reporting and writes what is pending (the latest progress, every
   * accepted log line), so it is stored before the attempt's outcome.
   * Never throws.
   */
  close(): Promise<void>;
}

/** Options of {@link createAttemptReporter}. */
export interface AttemptReporterOptions {
  store: TaskStore;
  events: TaskEventBus;
  /** Least time between two progress events of one attempt. Default 100 ms. */
  progressEventMs?: number;
  /** Least time between two progress writes to the store of one attempt. Default 1000 ms. */
  progressWriteMs?: number;
  /** Where failures to store are told (warn, with the task's fields). Default: the process's root logger. */
  log?: Logger;
}

/** Longer messages are cut here. */
const MAX_MESSAGE_CHARS = 4000;

/**
 * Creates the reporting side of a worker: per attempt, progress is published
 * at most every `progressEventMs` and written to the row at most every
 * `progressWriteMs` (always the latest value, the last one included); log
 * lines are stored in batches and published with their `seq` once stored.
 * A task's report never throws into it and never waits for the network.
 * `type` (the task's type) only labels log lines.
 */
export function createAttemptReporter(options: AttemptReporterOptions): (taskId: string, attempt: number, type?: string) => AttemptReport {
  const { store, events } = options;
  const progressEventMs = options.progressEventMs ?? 100;
  const progressWriteMs = options.progressWriteMs ?? 1000;
  const log = options.log ?? defaultLogger().child({ component: "worker" });
  const writeProgress = createBatcher<ProgressUpdate, undefined>(async (items) => {
    await store.recordProgress(items);
    return items.map(() => undefined);
  });
  // One batch at a time keeps lines (and their events) in the order they were written.
  const appendLog = createBatcher<NewLogLine, number | null>((lines) => store.appendLogs(lines), { maxConcurrent: 1 });

  return (taskId, attempt, type) => {
    let latest: { fraction: number; message: string } | undefined;
    let lastEventAt = 0;
    let lastWriteAt = 0;
    let eventTimer: NodeJS.Timeout | undefined;
    let writeTimer: NodeJS.Timeout | undefined;
    let lines = 0;
    let closed = false;
    const pending = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      const settled = p.catch((e: unknown) => log.warn({ ...taskFields(taskId, type, attempt), err: e }, "could not store a progress report or log line of the task"));
      pending.add(settled);
      void settled.finally(() => pending.delete(settled));
    };

    const publishProgress = () => {
      eventTimer = undefined;
      if (!latest) return;
      lastEventAt = Date.now();
      events.publishEvents([{ kind: "progress", taskId, attempt, ...latest }]);
    };
    const storeProgress = () => {
      writeTimer = undefined;
      if (!latest) return;
      lastWriteAt = Date.now();
      track(writeProgress({ id: taskId, attempt, ...latest }));
    };

    return {
      progress(fraction, message = "") {
        if (closed || typeof fraction !== "number" || Number.isNaN(fraction)) return;
        latest = { fraction: Math.min(1, Math.max(0, fraction)), message: clean(String(message)) };
        const now = Date.now();
        if (!eventTimer) eventTimer = setTimeout(publishProgress, Math.max(0, lastEventAt + progressEventMs - now));
        if (!writeTimer) writeTimer = setTimeout(storeProgress, Math.max(0, lastWriteAt + progressWriteMs - now));
      },
      log(level, message) {
        // More than the task keeps would only be dropped by the store.
        if (closed || lines >= MAX_LOG_LINES_PER_TASK) return;
        lines++;
        const line: NewLogLine = { taskId, attempt, level: isLogLevel(level) ? level : "info", message: clean(String(message)), at: new Date() };
        track(
          appendLog(line).then((seq) => {
            if (seq !== null) events.publishEvents([{ kind: "log", taskId, attempt, seq, level: line.level, message: line.message, at: line.at.getTime() }]);
          }),
        );
      },
      async close() {
        if (closed) return;
        closed = true;
        if (eventTimer) {
          clearTimeout(eventTimer);
          publishProgress();
        }
        if (writeTimer) {
          clearTimeout(writeTimer);
          storeProgress();
        }
        while (pending.size > 0) await Promise.all([...pending]);
      },
    };
  };
}

/** Cuts long messages and replaces NUL (which Postgres text cannot hold). */
function clean(message: string): string {
  const cut = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
  return cut.replaceAll("\u0000", "\uFFFD");
}
