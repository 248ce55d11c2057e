import type { BulkFilter, CancelManyResult, RetryManyResult } from "./bulk-filter.js";
import type { LogLine } from "./log-line.js";
import type { SubmitManyResult } from "./submit-many-result.js";
import type { TaskEvent } from "./task-event.js";
import type { TaskInfo, TaskStatus } from "./task-info.js";
import type { TaskTypeInfo } from "./task-type-info.js";
import type { TaskStatsInfo } from "./task-stats-info.js";
import type { WorkerInfo } from "./worker-info.js";
import type { SchedulesClient } from "./schedules-client.js";
import type { GroupsClient } from "./groups-client.js";
import type { ChainsClient } from "./chains-client.js";
import type { ArgsOf, ResultOf } from "./typed-task.js";

/** Options of a submission (`POST /task` fields); every one is optional. */
export interface SubmitOptions {
  /** Retries after a failed attempt (0..25); default: the task type's. */
  maxRetries?: number;
  /** Do not start before this time. */
  runAt?: Date;
  /** Do not start before this many ms from now. */
  delayMs?: number;
  /**
   * Submitting the same key again (as the same user) returns the first task
   * instead of a new one. With a key, a submit that failed `Unavailable` is
   * retried (it cannot run twice). At most 200 characters.
   */
  idempotencyKey?: string;
  /** Time limit of one attempt in ms: past it the task ends FAILURE DeadlineExceeded. Default: the type's. */
  timeoutMs?: number;
  /** The task must start within this many ms (from `runAt`), else it ends FAILURE Expired. */
  queueTimeoutMs?: number;
  /**
   * 1 to 10, 10 highest: within its queue a worker starts higher ones first
   * (one that has waited long moves up). Default: the task type's (5 unless
   * its definition says otherwise). Anything else is refused `InvalidArgument`.
   */
  priority?: number;
  /** Aborts the call (ConnectError `Canceled`). */
  signal?: AbortSignal;
}

/**
 * One task of `submitMany`: what `submit` takes, as one object. Each task
 * has its own options; `idempotencyKey` is what makes `submitMany` retry a
 * call that failed `Unavailable`.
 */
export interface TaskSubmission extends Omit<SubmitOptions, "signal"> {
  /** Task type, e.g. "test.main.add". */
  type: string;
  /** The argument object; default `{}`. */
  args?: Record<string, unknown>;
}

/** Options of `submitMany`. */
export interface SubmitManyOptions {
  /** Aborts the calls not answered yet (ConnectError `Canceled`); calls answered before were submitted. */
  signal?: AbortSignal;
}

/** Options of `get`. */
export interface GetOptions {
  /**
   * Long polling: the server answers as soon as the task is final, or after
   * this many ms with its state either way (at most 60_000; more is capped).
   */
  waitMs?: number;
  signal?: AbortSignal;
}

/** Options of `list`. */
export interface ListOptions {
  /** Only tasks of this type. */
  type?: string;
  /** Only tasks in this status. */
  status?: TaskStatus;
  /** Only tasks created at or after this time. */
  createdAfter?: Date;
  /** Only tasks created before this time. */
  createdBefore?: Date;
  /** Tasks per request (the iterator fetches the next page when needed). Default: the server's (50). */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Options of `stats`. */
export interface StatsOptions {
  /** How far back, in seconds (at most 3600). Default: the server's (600). */
  windowSeconds?: number;
  /** Width of one bucket in seconds (the window holds at most 720). Default: the server's (10). */
  bucketSeconds?: number;
  signal?: AbortSignal;
}

/** Options of `logs`. */
export interface LogsOptions {
  /** Only lines with a larger `seq` (read on from the last line you have). Default 0: from the first. */
  afterSeq?: number;
  /** Most lines in the answer. Default: the server's. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Options of `watch`. */
export interface WatchOptions {
  /** Ends the iteration (it throws ConnectError `Canceled`). */
  signal?: AbortSignal;
}

/** Options of `result`. */
export interface ResultOptions {
  signal?: AbortSignal;
  /** Give up waiting after this many ms (ConnectError `DeadlineExceeded`; the task keeps running). Default: wait as long as it takes. */
  timeoutMs?: number;
}

/** Options of `run`: those of a submission, plus how long to wait for the result. */
export interface RunOptions extends SubmitOptions {
  /**
   * Give up waiting for the result after this many ms (ConnectError
   * `DeadlineExceeded`; the task keeps running). Not to be confused with
   * `timeoutMs`, which is the task's own time limit, as in `submit`.
   * Default: wait as long as it takes.
   */
  resultTimeoutMs?: number;
}

/**
 * A client of one tstasks server. Every method throws `ConnectError`s with
 * the server's code (see the `is…` helpers); `result` and `run` also throw
 * `TaskFailedError` when the task ends FAILURE or REVOKED.
 */
export interface TasksClient {
  /**
   * Submits a task; resolves with it as stored (PENDING). Retried on
   * `Unavailable` only when `options.idempotencyKey` is set. Pass a task
   * definition type (`submit<typeof add>(…)`) to check `args` at compile time.
   */
  submit<T = unknown>(type: string, args?: ArgsOf<T>, options?: SubmitOptions): Promise<TaskInfo>;
  /**
   * Submits many tasks with few calls (`SubmitTasks`, at most 1000 tasks a
   * call, sent one call after the other). Resolves with one result per task,
   * in order: `{ ok: true, task }` (PENDING), or `{ ok: false, error }` with
   * the ConnectError `submit` would have thrown for that task alone (its code
   * for `isInvalidArgument` and the other predicates, `argumentErrors(error)`);
   * a refused task does not stop the others. A repeated `idempotencyKey`
   * answers with the task stored first, within one list as across calls.
   * An empty list resolves to `[]` without a call.
   *
   * Throws a call's ConnectError when the call fails as a whole (Unauthenticated
   * token, ResourceExhausted: each call counts as one submission, Unavailable…);
   * tasks of the calls before it are submitted. A call is retried on
   * `Unavailable` only when every task in it has an `idempotencyKey`, so that
   * none can be stored twice; with keys, submitting the same list again after
   * a failure is safe too.
   */
  submitMany(tasks: readonly TaskSubmission[], options?: SubmitManyOptions): Promise<SubmitManyResult[]>;
  /** The task now, or (with `waitMs`) once it is final. NotFound for an unknown id or someone else's task. */
  get(id: string, options?: GetOptions): Promise<TaskInfo>;
  /** The caller's tasks, newest first (admins: everyone's), fetched page by page as you iterate. Needs a token. */
  list(options?: ListOptions): AsyncIterable<TaskInfo>;
  /** Cancels an unfinished task (it ends REVOKED); FailedPrecondition for a finished one. Not retried. */
  cancel(id: string): Promise<TaskInfo>;
  /** Runs a FAILURE or REVOKED task again as a new attempt; FailedPrecondition otherwise. Not retried. */
  retry(id: string): Promise<TaskInfo>;
  /**
   * Cancels every task matching `filter` as `cancel` would (`POST /task:cancel`): unfinished ones end
   * REVOKED, running ones have their signal aborted, final ones are skipped. The server works in batches;
   * if one fails the call throws (Unavailable) and earlier batches stay cancelled. Retried on
   * `Unavailable` (safe: a repeat skips what is final). Needs a token; InvalidArgument for an empty
   * filter without `all: true`.
   */
  cancelMany(filter: BulkFilter): Promise<CancelManyResult>;
  /**
   * Retries every FAILURE or REVOKED task matching `filter` as `retry` would (`POST /task:retry`);
   * tasks in other statuses are skipped. Batches, token and empty filter as for `cancelMany`. Not
   * retried: a repeat would retry again tasks that have failed again since.
   */
  retryMany(filter: BulkFilter): Promise<RetryManyResult>;
  /** Task types the server accepts, keyed by name. */
  types(): Promise<Record<string, TaskTypeInfo>>;
  /** The task's log lines (`ctx.log`), oldest first; `truncated` when the server holds more than it returned. */
  logs(id: string, options?: LogsOptions): Promise<{ lines: LogLine[]; truncated: boolean }>;
  /**
   * The task's events as they happen: a `task` snapshot first, then progress,
   * log lines and a `task` event on each status change; the iteration ends
   * after the `task` event with a final status (also at once for a task that
   * is final already). When the stream breaks (`Unavailable`, a connection
   * dropped mid-stream, a server closing it before the end) it re-subscribes,
   * up to `retries` times in a row, starting again with a snapshot; progress
   * and log events of the gap are not replayed (read `logs` for those).
   */
  watch(id: string, options?: WatchOptions): AsyncIterable<TaskEvent>;
  /**
   * Waits until the task is final (via `watch`; long polling against a server
   * without it), then returns its result (SUCCESS) or throws
   * `TaskFailedError` (FAILURE, REVOKED). Type the result with `R`.
   */
  result<R = unknown>(id: string, options?: ResultOptions): Promise<R>;
  /**
   * `submit` then `result`. Without `idempotencyKey` it makes one up (a
   * random "run-…" key), so its submit is retried safely on `Unavailable`.
   * `run<typeof add>("test.main.add", { x: 1, y: 2 })` checks the arguments
   * and types the result (`number`) from the task definition's type.
   */
  run<T = unknown>(type: string, args: ArgsOf<T>, options?: RunOptions): Promise<ResultOf<T>>;
  /**
   * The worker processes registered with the server's store (`GET /workers`):
   * alive ones first, with their queues, task types, concurrency, in-flight
   * count and heartbeat age. Needs a token.
   */
  workers(options?: { signal?: AbortSignal }): Promise<WorkerInfo[]>;
  /**
   * Tasks submitted, succeeded and failed per time bucket over the last
   * minutes, with latency and wait percentiles, and each queue's depth now
   * (`GET /stats`): the caller's tasks, an admin's all. Needs a token;
   * InvalidArgument for a window over an hour or of more than 720 buckets.
   */
  stats(options?: StatsOptions): Promise<TaskStatsInfo>;
  /** Schedules (`POST /schedules`, …): create, list, get, pause, resume, delete. Needs a token. */
  schedules: SchedulesClient;
  /** Groups (`POST /groups`, …): submit, get, watch, results, cancel, retry. */
  groups: GroupsClient;
  /** Chains (`POST /chains`, …): submit, get, watch, cancel, retry. */
  chains: ChainsClient;
  /** A token for a user of the server's credential store (Unauthenticated for wrong credentials). Not retried. */
  createToken(user: string, password: string): Promise<{ token: string; expiresAt?: Date }>;
}
