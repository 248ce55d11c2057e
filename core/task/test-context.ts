import type { LogLevel } from "./log-level.js";
import type { TaskContext } from "./task-context.js";

/** A {@link TaskContext} for unit tests of a task, recording what it reported. */
export interface TestContext extends TaskContext {
  /** Every `ctx.progress` call, in order. */
  readonly progressReports: { fraction: number; message: string }[];
  /** Every `ctx.log` call, in order. */
  readonly logLines: { level: LogLevel; message: string }[];
}

/**
 * Makes a context to call a definition's `run` directly in a pack's unit
 * tests, without a worker. Defaults: a fixed task id, attempt 1, a signal
 * that never aborts, worker "test".
 */
export function createTestContext(overrides: Partial<Pick<TaskContext, "taskId" | "type" | "attempt" | "signal" | "worker">> = {}): TestContext {
  const progressReports: { fraction: number; message: string }[] = [];
  const logLines: { level: LogLevel; message: string }[] = [];
  return {
    taskId: "00000000-0000-0000-0000-000000000000",
    type: "test.task",
    attempt: 1,
    signal: new AbortController().signal,
    worker: "test",
    ...overrides,
    progressReports,
    logLines,
    progress: (fraction, message = "") => void progressReports.push({ fraction, message }),
    log: (level, message) => void logLines.push({ level, message }),
  };
}
