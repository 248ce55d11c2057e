import type { TaskStatus } from "../task/task-status.js";
import type { LogLevel } from "../task/log-level.js";

/** A task's status changed (the store has the new row already). */
export interface TaskStatusEvent {
  kind: "status";
  taskId: string;
  status: TaskStatus;
  /** The attempt the change belongs to (0 before any). */
  attempt: number;
}

/** A running task reported progress with `ctx.progress`. */
export interface TaskProgressEvent {
  kind: "progress";
  taskId: string;
  attempt: number;
  /** 0 to 1. */
  fraction: number;
  /** Empty when the task gave none. */
  message: string;
}

/** A running task wrote a log line with `ctx.log` (stored before it is published). */
export interface TaskLogEvent {
  kind: "log";
  taskId: string;
  attempt: number;
  /** The line's cursor in the store. */
  seq: number;
  level: LogLevel;
  message: string;
  /** When the task wrote it, in ms since the epoch. */
  at: number;
}

/**
 * Something that happened to one task, told to whoever watches it. Events
 * are live notices, not the record: the store holds the truth, and a
 * watcher re-reads it on a status event and now and then on its own.
 */
export type TaskEvent = TaskStatusEvent | TaskProgressEvent | TaskLogEvent;
