import type { LogLevel } from "./log-level.js";

/**
 * What a running task gets besides its arguments.
 */
export interface TaskContext {
  /** The task's id (a UUID). */
  readonly taskId: string;
  /** The task's type, e.g. "test.main.add". */
  readonly type: string;
  /** 1 on the first attempt, 2 on the first retry, and so on. */
  readonly attempt: number;
  /**
   * Aborted when the task should stop: the worker shuts down, or (later)
   * the task is cancelled or times out. Long tasks should check it.
   */
  readonly signal: AbortSignal;
  /** Name of the worker running the task. */
  readonly worker: string;
  /**
   * Reports progress: `fraction` from 0 to 1 (clamped), with an optional
   * message. Watchers see it at once; the task row keeps the latest (written
   * at most about once a second). Never throws, never blocks.
   */
  progress(fraction: number, message?: string): void;
  /**
   * Writes a log line, kept with the task (at most 1000 lines per task) and
   * streamed to watchers. Never throws, never blocks.
   */
  log(level: LogLevel, message: string): void;
}
