import type { JsonObject, JsonValue } from "../task/json.js";
import type { AttemptError, TaskErrorInfo } from "../task/task-error.js";
import type { TaskStatus } from "../task/task-status.js";
import type { LogLevel } from "../task/log-level.js";

/** A task as the store knows it. */
export interface TaskRecord {
  id: string;
  type: string;
  queue: string;
  status: TaskStatus;
  args: JsonObject;
  /** Set when status is SUCCESS (may itself be JSON null). */
  result: JsonValue | null;
  /** Set when status is FAILURE. */
  error: TaskErrorInfo | null;
  /**
   * Attempts started so far, i.e. the number of the latest attempt. Every
   * claim takes the next number, also after a lost or released attempt, so a
   * number is never reused and a late outcome of an older attempt never
   * applies. It is not the count of failures: see `errors` and `lostAttempts`.
   */
  attempts: number;
  /** Worker of the latest attempt. */
  worker: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** `sub` of the token that submitted it; null for anonymous tasks. */
  owner: string | null;
  /** The permission the submitter held for a protected type; null otherwise. */
  permission: string | null;
  /** Every failed attempt's error, oldest first. */
  errors: AttemptError[];
  /** Retries allowed for this task; null: the task type's default. */
  maxRetries: number | null;
  /** Not to run before this time; null: at once. */
  runAt: Date | null;
  /** The submitter's idempotency key, if any. */
  idempotencyKey: string | null;
  /** One attempt's time limit in ms; null: the task type's default. */
  timeoutMs: number | null;
  /** Queue deadline: not started by then, it ends FAILURE Expired. */
  expiresAt: Date | null;
  /** Attempts whose worker vanished (crash, kill, lost connection) without recording an outcome. */
  lostAttempts: number;
  /** The latest attempt's progress, 0 to 1 (1 once SUCCESS). */
  progress: number;
  /** The message of the latest progress report; empty if none. */
  progressMessage: string;
  /** Times a worker that lacks the task type handed it back (see {@link TaskStore.deferUnservedTasks}). */
  unservedHandbacks: number;
  /** When a worker first handed it back for lack of its type; null: never. */
  unservedSince: Date | null;
  /** Times a retry put it back in the queue. */
  requeues: number;
  /** The group it is a member of (see GroupStore); null: none. */
  groupId: string | null;
  /** Its index among the group's members, from 0; null when not a member. */
  groupIndex: number | null;
  /** The group whose results it gathers (a gather task); null otherwise. */
  gatherOf: string | null;
  /** The chain this task is a step of; null: none. */
  chainId: string | null;
  /** Its step's index in that chain (0: the first); null: none. */
  chainStep: number | null;
  /** 1 to 10, 10 highest: the level it is queued at (see core/task/priority.ts). */
  priority: number;
}

/** A running attempt's progress report, for {@link TaskStore.recordProgress}. */
export interface ProgressUpdate {
  id: string;
  attempt: number;
  /** 0 to 1. */
  fraction: number;
  message: string;
}

/**
 * Lines the store keeps per task (later ones are dropped, so a chatty task
 * cannot fill the disk); also the largest page {@link TaskStore.getLogs}
 * returns, so one read gets them all.
 */
export const MAX_LOG_LINES_PER_TASK = 1000;

/** A line a running task wrote, for {@link TaskStore.appendLogs}. */
export interface NewLogLine {
  taskId: string;
  attempt: number;
  level: LogLevel;
  message: string;
  at: Date;
}

/** A stored log line. */
export interface LogLine extends NewLogLine {
  /** Increases with every stored line: a cursor. */
  seq: number;
}

/** One page of {@link TaskStore.getLogs}. */
export interface LogPage {
  lines: LogLine[];
  /** True when the task reached its line limit, so later lines were dropped. */
  truncated: boolean;
}

/** What the server stores when a task is accepted (status PENDING). */
export interface NewTask {
  id: string;
  type: string;
  queue: string;
  args: JsonObject;
  /** `sub` of the submitting token (omit for anonymous). */
  owner?: string | null;
  /** For protected types: the permission the submitter held (the type name). */
  permission?: string | null;
  /** Retries allowed for this task; omit or null for the type's default. */
  maxRetries?: number | null;
  /** Not to run before this time; omit or null for at once. */
  runAt?: Date | null;
  /**
   * With a key, a second insert with the same (owner, key) stores nothing
   * and reports the first task's id instead.
   */
  idempotencyKey?: string | null;
  /** One attempt's time limit in ms; omit or null for the type's default. */
  timeoutMs?: number | null;
  /** Queue deadline; omit or null for none. */
  expiresAt?: Date | null;
  /**
   * True when its submitter will not publish it (a run_at far enough ahead):
   * the outbox dispatcher queues it when `runAt` comes, and
   * {@link TaskStore.markPublished} leaves it be. Default false: the
   * submitter publishes it at once, the dispatcher only if it did not.
   */
  hold?: boolean;
  /** 1 to 10, 10 highest; omit for 5 (see core/task/priority.ts). */
  priority?: number;
}

/** What {@link TaskStore.insertTasks} reports per task. */
export interface InsertedTask {
  /** The stored task's id: the new one, or the earlier task's for a repeated idempotency key. */
  id: string;
  createdAt: Date;
  /** True when an earlier task with the same idempotency key was found. */
  existing: boolean;
}

/** A worker's claim on one delivery of a task. */
export interface StartAttempt {
  id: string;
  worker: string;
  /**
   * The attempt of this task that the claiming worker is running right now,
   * if any. A task STARTED with that attempt is not claimed (the delivery is
   * a duplicate of the running one's message, not a redelivery after a lost
   * worker) and is reported `{ run: false, reason: "final", status: "STARTED" }`.
   */
  runningAttempt?: number;
}

/** The answer to a claim: the attempt number to run, or why not to run. */
export type StartResult =
  | { run: true; attempt: number; record: TaskRecord }
  | { run: false; reason: "not_found" | "final"; status?: TaskStatus };

/**
 * How one attempt ended: SUCCESS and FAILURE are final; RETRY records the
 * attempt's error and leaves the task waiting for its next attempt.
 */
export type TaskOutcome =
  | { id: string; attempt: number; status: "SUCCESS"; result: JsonValue }
  | { id: string; attempt: number; status: "FAILURE"; error: TaskErrorInfo }
  | { id: string; attempt: number; status: "RETRY"; error: TaskErrorInfo };

/** How long tasks of a type no worker has are handed back before they fail; see {@link TaskStore.deferUnservedTasks}. */
export interface UnservedPolicy {
  /** Delay before the first handback's task is queued again; it doubles with every handback. */
  firstDelayMs: number;
  /** Longest delay between two handbacks. */
  maxDelayMs: number;
  /** Handbacks allowed; the delivery after the last one fails the task (0: the first delivery does). */
  maxHandbacks: number;
  /** Time since the first handback after which the next delivery fails the task. */
  maxAgeMs: number;
}

/** What {@link TaskStore.deferUnservedTasks} did with one task. */
export type UnservedResult =
  | { outcome: "deferred"; handbacks: number; delayMs: number }
  | { outcome: "failed"; attempt: number; handbacks: number }
  | { outcome: "started" }
  | { outcome: "final"; status: TaskStatus }
  | { outcome: "not_found" };

/**
 * One running attempt a worker hands back without an outcome (it is shutting
 * down): see {@link TaskStore.releaseTasks}.
 */
export interface ReleaseAttempt {
  id: string;
  /** The attempt number the claim gave. */
  attempt: number;
}

/** Filter and page of {@link TaskStore.listTasks}. */
export interface ListTasksQuery {
  type?: string;
  status?: TaskStatus;
  /** Only tasks submitted by this `sub`. */
  owner?: string;
  /** Only tasks created at or after this time. */
  createdAfter?: Date;
  /** Only tasks created before this time. */
  createdBefore?: Date;
  /** 1..1000. */
  limit: number;
  /** Opaque cursor from a previous page. */
  after?: TaskCursor;
}

/** Position in the newest-first task order. */
export interface TaskCursor {
  createdAt: Date;
  id: string;
}

/** One page of tasks, newest first. */
export interface TaskPage {
  tasks: TaskRecord[];
  /** Where the next page starts; absent on the last page. */
  next?: TaskCursor;
}

/** Result of a revoke request. */
export type RevokeResult =
  | { outcome: "revoked"; record: TaskRecord }
  | { outcome: "not_found" }
  | { outcome: "not_revocable"; record: TaskRecord };

/** Result of a requeue (retry) request. */
export type RequeueResult =
  | { outcome: "requeued"; record: TaskRecord }
  | { outcome: "not_found" }
  | { outcome: "not_requeueable"; record: TaskRecord };
