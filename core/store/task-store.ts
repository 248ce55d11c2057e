import type { InsertedTask, ListTasksQuery, NewTask, ReleaseAttempt, RequeueResult, RevokeResult, StartAttempt, StartResult, TaskOutcome, TaskPage, TaskRecord } from "./task-record.js";
import type { UnservedPolicy, UnservedResult } from "./task-record.js";
import type { TaskTypeRecord } from "./task-type-record.js";
import type { LogPage, NewLogLine, ProgressUpdate } from "./task-record.js";
import type { QueueStats, QueueStatsQuery, TaskStats, TaskStatsQuery } from "./task-stats.js";
import type { WorkerHeartbeat, WorkerRecord } from "./worker-record.js";
import type { FiredTask, ListSchedulesQuery, NewSchedule, ScheduleFiring, SchedulePage, ScheduleRecord } from "./schedule-record.js";
import type { BulkBatchQuery, BulkBatchResult } from "./bulk-action.js";
import type { GroupStore } from "./group-store.js";
import type { ChainStore } from "./chain-store.js";
import type { LimitStore } from "./limit-store.js";

/**
 * The store of record for tasks and the task-type catalog. Postgres (through
 * Kysely) implements it; the embedded backend implements the same interface.
 *
 * Write methods take arrays so callers can batch many tasks into one round
 * trip; results come back in input order.
 */
export interface TaskStore extends GroupStore, ChainStore, LimitStore {
  /**
   * Inserts new PENDING tasks and reports, in input order, each one's id and
   * `createdAt` (the store's clock). A task whose (owner, idempotency key)
   * was used before is not inserted: its report names the earlier task.
   * Fails as a whole if one id exists already.
   */
  insertTasks(tasks: readonly NewTask[]): Promise<InsertedTask[]>;

  /** One task, or undefined when the id is unknown. */
  getTask(id: string): Promise<TaskRecord | undefined>;

  /** Tasks newest first, filtered. */
  listTasks(query: ListTasksQuery): Promise<TaskPage>;

  /**
   * Claims deliveries for running: a task that is PENDING, RETRY or STARTED
   * (a redelivery after a lost worker) moves to STARTED with its attempt
   * count raised; a final task is left alone and reported as not runnable,
   * and so is a task STARTED with the claim's `runningAttempt`.
   */
  startTasks(attempts: readonly StartAttempt[]): Promise<StartResult[]>;

  /**
   * Records how attempts ended (a FAILURE or RETRY also appends its error,
   * with the attempt number, to the task's `errors`; RETRY leaves the task
   * unfinished). An outcome applies only while the task is
   * STARTED with that same attempt number, so a late or duplicate delivery
   * never overwrites a final result. Returns, per outcome, whether it applied.
   */
  finishTasks(outcomes: readonly TaskOutcome[]): Promise<boolean[]>;

  /**
   * Hands running attempts back without an outcome (a worker shutting down
   * interrupted them): each task that is STARTED with that same attempt
   * number goes back to PENDING, and its queue deadline is dropped (it did
   * start in time). This is not a lost attempt: `lostAttempts` is unchanged,
   * so the next claim does not count one. The attempt keeps its number and
   * the next claim takes the following one; the worker and start time of
   * the released attempt stay on the row, as for RETRY. Returns, per
   * attempt, whether it applied (false: the task moved on meanwhile, e.g.
   * revoked, or is unknown).
   */
  releaseTasks(attempts: readonly ReleaseAttempt[]): Promise<boolean[]>;

  /**
   * Moves a PENDING, RETRY or STARTED task to REVOKED (final): it never runs
   * again, and a running attempt's outcome no longer applies.
   */
  revokeTask(id: string): Promise<RevokeResult>;

  /**
   * Puts a FAILURE or REVOKED task back to PENDING for another attempt
   * (its attempts and errors are kept).
   */
  requeueTask(id: string): Promise<RequeueResult>;

  /**
   * One batch of a bulk cancel: takes up to `limit` tasks matching the
   * filter after the cursor, newest first (created_at, then id), and
   * revokes each as {@link revokeTask} would (PENDING, RETRY or STARTED →
   * REVOKED), all in one transaction. A
   * task that no longer matches the filter's status once locked, or is
   * final, is counted in `matched` but not changed. Pass the result's `next`
   * as the following batch's `after` until it is absent.
   * @throws RangeError when `limit` is not in 1..MAX_BULK_BATCH or a date is invalid.
   */
  revokeTaskBatch(query: BulkBatchQuery): Promise<BulkBatchResult>;

  /**
   * One batch of a bulk retry, paged as {@link revokeTaskBatch}: each
   * FAILURE or REVOKED task goes back to PENDING as requeueTask would (with
   * its outbox row due now, so the dispatcher queues it if the caller's
   * publish does not).
   * @throws RangeError as revokeTaskBatch.
   */
  requeueTaskBatch(query: BulkBatchQuery): Promise<BulkBatchResult>;

  /**
   * Records that the queue has these tasks' messages (transactional outbox),
   * after a submit or a retry published them. A held task (see
   * {@link NewTask.hold}), or one a worker has parked since (see
   * {@link deferUnservedTasks}), stays unpublished.
   */
  markPublished(ids: readonly string[]): Promise<void>;

  /** Which of these tasks the outbox still has to queue (not published yet, held or parked). */
  awaitingDispatch(ids: readonly string[]): Promise<Set<string>>;

  /**
   * A worker received these tasks' messages but has not got their task type
   * (a rolling deploy, a pack removed). Per id, in input order:
   * - a PENDING or RETRY task within `policy`'s bound is parked: marked
   *   unpublished, to be dispatched again after a delay that doubles with
   *   every handback (`deferred`); the caller then acks its message, which
   *   holds no slot of the queue meanwhile;
   * - past the bound (`maxHandbacks` handbacks, or `maxAgeMs` since the first),
   *   it ends FAILURE NoWorkerForType (`failed`);
   * - a STARTED task is left alone (`started`: another worker runs it, or
   *   ran it and vanished), a final one too (`final`);
   * - an unknown id is `not_found`.
   */
  deferUnservedTasks(ids: readonly string[], policy: UnservedPolicy): Promise<UnservedResult[]>;

  /**
   * The outbox dispatcher's round: takes up to `limit` PENDING tasks left
   * unpublished for longer than `olderThanMs`, and PENDING or RETRY tasks
   * parked by {@link deferUnservedTasks} whose delay is over (rows another
   * dispatcher is handling are skipped), calls `publish` with them, and
   * marks them published once it resolves; if it throws, they wait for the
   * next round. Returns how many were published.
   */
  dispatchUnpublished(limit: number, olderThanMs: number, publish: (tasks: TaskRecord[]) => Promise<void>): Promise<number>;

  /**
   * Ends PENDING tasks whose queue deadline passed (FAILURE, error type
   * "Expired"), at most `limit` per call. Returns the ones it ended, each
   * with its attempt count (for the status event).
   */
  expireTasks(limit: number): Promise<{ id: string; attempt: number }[]>;

  /**
   * Result retention: deletes up to `limit` tasks in a final status (SUCCESS,
   * FAILURE, REVOKED) that finished before `finishedBefore`, the earliest
   * created first, together with their log lines and outbox entries, all or
   * nothing. Tasks in any other status (PENDING, STARTED, RETRY) are never
   * deleted, however old. A deleted task is unknown from then on (getTask: undefined), and its
   * idempotency key is free: a submit repeating it creates a new task.
   * Safe to call from several processes at once and beside workers: a task
   * another transaction holds is skipped (left for a later call), never
   * waited for. Returns how many tasks it deleted: fewer than `limit` means
   * none are left (bar such skipped ones).
   * @throws RangeError when `limit` is not a whole number in 1..100 000, or
   *   `finishedBefore` is an invalid Date.
   */
  deleteFinishedTasks(finishedBefore: Date, limit: number): Promise<number>;

  /**
   * Keeps each running attempt's latest progress on its task; reports of an
   * attempt that is no longer the running one are ignored.
   */
  recordProgress(updates: readonly ProgressUpdate[]): Promise<void>;

  /**
   * Stores log lines, at most 1000 per task (later lines are dropped, as are
   * lines of unknown tasks). Returns, in input order, each stored line's
   * `seq`, or null for a dropped line.
   */
  appendLogs(lines: readonly NewLogLine[]): Promise<(number | null)[]>;

  /**
   * A task's log lines after `afterSeq` (0: from the first), oldest first,
   * at most `limit` (1 to 1000). An unknown task has none.
   */
  getLogs(taskId: string, afterSeq: number, limit: number): Promise<LogPage>;

  /** Inserts or refreshes catalog entries (a worker calls this on start). */
  registerTaskTypes(types: readonly TaskTypeRecord[]): Promise<void>;

  /** The whole catalog, ordered by name. */
  listTaskTypes(): Promise<TaskTypeRecord[]>;

  /**
   * A worker's registry heartbeat: inserts or refreshes its row (by id),
   * stamped with the store's now; rows of workers silent for longer than
   * WORKER_LIST_HORIZON_MS are deleted on the way.
   * @throws RangeError when pid, concurrency, inFlight or heartbeatMs is not a whole number (heartbeatMs at least 1, the others at least 0).
   */
  upsertWorker(worker: WorkerHeartbeat): Promise<void>;

  /** Deletes a worker's row (it stops cleanly); an unknown id is no error. */
  removeWorker(id: string): Promise<void>;

  /**
   * Registered workers whose last heartbeat is younger than
   * WORKER_LIST_HORIZON_MS, with their heartbeat age by the store's clock;
   * alive ones first, then by id.
   */
  listWorkers(): Promise<WorkerRecord[]>;

  /**
   * Tasks submitted and ended per time bucket over the last
   * `windowSeconds`, by the store's clock, with latency and wait
   * percentiles (see {@link TaskStats}). Reads the tasks created in the
   * window and in the STATS_LOOKBACK_SECONDS before it, through the
   * created_at indexes: a task that ended or started in the window but was
   * submitted before that is not counted.
   * @throws RangeError when the query is outside its bounds (see {@link TaskStatsQuery}).
   */
  taskStats(query: TaskStatsQuery): Promise<TaskStats>;

  /** Per queue with waiting or running tasks, by name: how many wait, how many run, the oldest wait. */
  queueStats(query?: QueueStatsQuery): Promise<QueueStats[]>;

  /**
   * Tasks the outbox still has to queue and may queue now: rows of submits
   * not yet published (in flight, or left by a queue outage or a dead
   * server) and held rows whose time has come (not those held for a later
   * run_at).
   */
  outboxBacklog(): Promise<number>;

  /** Stores a new schedule (its id a UUID); returns it as stored, with `createdAt`. */
  insertSchedule(schedule: NewSchedule): Promise<ScheduleRecord>;

  /** One schedule, or undefined when the id is unknown (or not a UUID). */
  getSchedule(id: string): Promise<ScheduleRecord | undefined>;

  /**
   * One page of the schedules (of `owner` when given), oldest first by
   * (createdAt, id), in one indexed query; `next` is set when more follow.
   * InvalidListQueryError for a limit outside 1..1000 or a malformed cursor.
   */
  listSchedules(query: ListSchedulesQuery): Promise<SchedulePage>;

  /**
   * Pauses (`paused` true, `nextRunAt` null) or resumes (false, its next
   * tick) a schedule; returns it after, or undefined for an unknown id.
   */
  setSchedulePaused(id: string, paused: boolean, nextRunAt: Date | null): Promise<ScheduleRecord | undefined>;

  /** Deletes a schedule (its tasks stay); false for an unknown id. */
  deleteSchedule(id: string): Promise<boolean>;

  /**
   * The scheduler's round, in one transaction: locks up to `limit` due
   * schedules (not paused, `nextRunAt` at or before the store's now),
   * skipping those another caller holds, so several servers never fire one
   * tick twice; calls `fire` with them and that now; inserts the tasks it
   * returns as insertTasks does (PENDING, with their outbox rows: published
   * by the caller, else by the outbox dispatcher), a task whose (owner,
   * idempotency key) exists being skipped; and moves each schedule to the
   * `nextRunAt` given, with `lastRunAt`/`lastTaskId` of its inserted task.
   * All or nothing: if `fire` throws, nothing changes. Returns the tasks inserted.
   */
  fireDueSchedules(limit: number, fire: (due: ScheduleRecord[], now: Date) => Promise<ScheduleFiring[]>): Promise<FiredTask[]>;

  /** Resolves when the store answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;

  /** Releases connections. */
  close(): Promise<void>;
}
