import { sql } from "kysely";
import type { Kysely } from "kysely";
import { DuplicateTaskError, InvalidListQueryError, InvalidTaskIdError } from "../store-errors.js";
import type {
  ListTasksQuery,
  NewTask,
  ReleaseAttempt,
  RevokeResult,
  StartAttempt,
  StartResult,
  TaskOutcome,
  TaskPage,
  TaskRecord, InsertedTask, RequeueResult } from "../task-record.js";
import type { TaskStore } from "../task-store.js";
import type { TaskTypeRecord } from "../task-type-record.js";
import type { Database } from "./database.js";
import { createKyselyForUrl } from "./kysely-for-url.js";
import type { Logger } from "../../log/logger.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { retryOnDeadlock } from "./retry-on-deadlock.js";
import { taskRowToRecord, taskTypeRecordToRow, taskTypeRowToRecord } from "./row-to-record.js";
import { selectTaskTypeRows, upsertTaskTypeRows } from "./task-types.repository.js";
import {
  claimTaskRows,
  finishTaskRows,
  insertTaskRows,
  releaseTaskRows,
  revokeTaskRow,
  selectTaskRow,
  selectTaskRows, selectTasksByIdempotencyKey, expireTaskRows, requeueTaskRow, deferUnservedRows } from "./tasks.repository.js";
import type { ClaimInput, FinishInput, ReleaseInput, UnservedInput } from "./tasks.repository.js";
import { isUuid } from "../../task/uuid.js";
import { deleteOutboxRowsPublished, dispatchOutboxRows, selectOutboxTaskIds } from "./task-outbox.repository.js";
import { MAX_LOG_LINES_PER_TASK, type LogPage, type NewLogLine, type ProgressUpdate, type UnservedPolicy, type UnservedResult } from "../task-record.js";
import { countLogRows, insertLogRows, selectLogRows } from "./task-logs.repository.js";
import { updateProgressRows } from "./tasks.repository.js";
import { deleteFinishedTaskRows } from "./retention.repository.js";
import { requeueBatchRows, revokeBatchRows, type BulkBatchRow } from "./bulk-actions.repository.js";
import { MAX_BULK_BATCH, type BulkBatchQuery, type BulkBatchResult } from "../bulk-action.js";
import { MAX_STATS_BUCKETS, MAX_STATS_WINDOW_SECONDS, STATS_LOOKBACK_SECONDS } from "../task-stats.js";
import type { QueueStats, TaskStats, TaskStatsQuery } from "../task-stats.js";
import { WORKER_LIST_HORIZON_MS, type WorkerHeartbeat, type WorkerRecord } from "../worker-record.js";
import { countDueOutboxRows, selectQueueStatsRows, selectTaskStatsRows } from "./task-stats.repository.js";
import { deleteWorkerRow, selectWorkerRows, upsertWorkerRow } from "./workers.repository.js";
import {
  deleteScheduleRow,
  fireDueScheduleRows,
  insertScheduleRow,
  scheduleRowToRecord,
  selectScheduleRow,
  updateSchedulePaused,
} from "./schedules.repository.js";
import { createGroupStoreOnKysely } from "./group-store-on-kysely.js";
import { chainStoreOnKysely } from "./chain-store-on-kysely.js";
import { createLimitStoreOnKysely } from "./limit-store-on-kysely.js";
import { listSchedulePage } from "./list-schedule-page.js";

/** Most tasks {@link TaskStore.deleteFinishedTasks} deletes in one statement (one transaction's locks). */
const MAX_DELETE_BATCH = 100_000;

/** Options of {@link createPostgresTaskStore}. */
export interface PostgresTaskStoreOptions {
  /** `postgres://` or `postgresql://` URL of the database. */
  databaseUrl: string;
  /** Most open connections. Default 10. */
  poolSize?: number;
  /** Queries as prepared statements planned once per connection (see createKyselyForUrl). Default true. */
  preparedStatements?: boolean;
  /** Where broken connections are reported. Default: the process's root logger. */
  log?: Logger;
}

/**
 * A TaskStore over a Kysely database, which it exposes so other stores of
 * the same database (users) share its connections. Its `close()` closes `db`.
 */
export interface KyselyTaskStore extends TaskStore {
  readonly db: Kysely<Database>;
}

/**
 * A percentile in ms to the microsecond, 0 for none: the SQL works on epoch
 * seconds as float8, which turns a whole 43 ms into 42.99998….
 */
function roundMs(ms: number | null): number {
  return ms === null ? 0 : Math.round(ms * 1000) / 1000;
}

/** SQLSTATE of a unique violation: on insert into tasks, only the primary key can raise it. */
const UNIQUE_VIOLATION = "23505";

/**
 * Connects to Postgres, applies pending migrations (safe when several
 * processes start at once) and returns the store. `close()` ends the pool.
 * @throws MigrationError when a migration fails; the pool is closed then.
 */
export async function createPostgresTaskStore(options: PostgresTaskStoreOptions): Promise<KyselyTaskStore> {
  const db = createKyselyForUrl(options.databaseUrl, {
    poolSize: options.poolSize ?? 10,
    preparedStatements: options.preparedStatements,
    log: options.log,
  });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createTaskStoreOnKysely(db);
}

/**
 * The TaskStore over an already migrated database. Any Kysely Postgres
 * dialect fits; `close()` destroys `db`.
 *
 * Beyond the interface's contract:
 * - an id that is not a UUID is unknown to lookups (getTask: undefined,
 *   startTasks: not_found, finishTasks and releaseTasks: false, revokeTask: not_found) and
 *   rejected by insertTasks (InvalidTaskIdError);
 * - insertTasks throws DuplicateTaskError on an existing or repeated id;
 * - when one startTasks batch names an id twice, only the first claims; the
 *   repeats get `{ run: false, reason: "final", status: "STARTED" }`, i.e.
 *   "do not run this copy: another copy is running";
 * - in one finishTasks batch a repeated (id, attempt) applies at most once,
 *   at its first position, as if the outcomes were recorded in order;
 *   likewise a repeated (id, attempt) in one releaseTasks batch.
 */
export function createTaskStoreOnKysely(db: Kysely<Database>): KyselyTaskStore {
  let closing: Promise<void> | undefined;
  return {
    db,
    ...createGroupStoreOnKysely(db),
    ...createLimitStoreOnKysely(db),
    async insertTasks(tasks: readonly NewTask[]): Promise<InsertedTask[]> {
      for (const t of tasks) if (!isUuid(t.id)) throw new InvalidTaskIdError(t.id);
      try {
        const results: (InsertedTask | undefined)[] = new Array(tasks.length);
        let left = tasks.map((task, ord) => ({ task, ord }));
        // A task skipped for its key whose earlier task is gone by the lookup (result retention
        // deleted it in between) is inserted again: its key is free now. Twice is plenty.
        for (let round = 0; left.length > 0; round++) {
          if (round === 3) throw new Error(`task ${left[0]!.task.id} was neither inserted nor found by its idempotency key`);
          const inserted = new Map((await insertTaskRows(db, left.map((l) => l.task))).map((r) => [r.id, r.created_at]));
          // Tasks not inserted were skipped for a repeated idempotency key: report the earlier task.
          const skipped = left.filter((l) => !inserted.has(l.task.id.toLowerCase()) && l.task.idempotencyKey);
          const earlier = await selectTasksByIdempotencyKey(
            db,
            skipped.map(({ task: t }) => ({ owner: t.owner ?? null, key: t.idempotencyKey! })),
          );
          const byKey = new Map(earlier.map((r) => [`${r.owner ?? ""}\u0000${r.idempotency_key}`, r]));
          const again: typeof left = [];
          for (const l of left) {
            const createdAt = inserted.get(l.task.id.toLowerCase());
            const found = createdAt ? undefined : byKey.get(`${l.task.owner ?? ""}\u0000${l.task.idempotencyKey ?? ""}`);
            if (createdAt) results[l.ord] = { id: l.task.id, createdAt, existing: false };
            else if (found) results[l.ord] = { id: found.id, createdAt: found.created_at, existing: true };
            else again.push(l);
          }
          left = again;
        }
        return results as InsertedTask[];
      } catch (err) {
        if ((err as { code?: unknown })?.code === UNIQUE_VIOLATION) {
          const detail = (err as { detail?: unknown }).detail;
          throw new DuplicateTaskError(`task id exists already${typeof detail === "string" ? `: ${detail}` : ""}`, {
            cause: err,
          });
        }
        throw err;
      }
    },

    async getTask(id: string): Promise<TaskRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const row = await selectTaskRow(db, id);
      return row && taskRowToRecord(row);
    },

    async listTasks(query: ListTasksQuery): Promise<TaskPage> {
      const { limit, after } = query;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new InvalidListQueryError(`limit must be an integer in 1..1000, got ${limit}`);
      }
      if (after !== undefined && (!isUuid(after.id) || Number.isNaN(after.createdAt.getTime()))) {
        throw new InvalidListQueryError("the list cursor is not valid");
      }
      for (const [name, bound] of [["createdAfter", query.createdAfter], ["createdBefore", query.createdBefore]] as const) {
        if (bound !== undefined && Number.isNaN(bound.getTime())) throw new InvalidListQueryError(`${name} is an invalid Date`);
      }
      // One row more than asked tells whether another page exists.
      const rows = await selectTaskRows(db, { ...query, limit: limit + 1 });
      const tasks = rows.slice(0, limit).map(taskRowToRecord);
      const last = tasks.at(-1);
      return rows.length > limit && last ? { tasks, next: { createdAt: last.createdAt, id: last.id } } : { tasks };
    },

    async startTasks(attempts: readonly StartAttempt[]): Promise<StartResult[]> {
      const results: (StartResult | undefined)[] = new Array(attempts.length);
      const claims: ClaimInput[] = [];
      const seen = new Set<string>();
      attempts.forEach((a, ord) => {
        const key = a.id.toLowerCase();
        if (!isUuid(a.id)) results[ord] = { run: false, reason: "not_found" };
        else if (seen.has(key)) results[ord] = { run: false, reason: "final", status: "STARTED" };
        else {
          seen.add(key);
          claims.push({ ord, id: a.id, worker: a.worker, runningAttempt: a.runningAttempt ?? null });
        }
      });
      const rows = await retryOnDeadlock(() => claimTaskRows(db, claims));
      for (const r of rows) {
        if (r.claimed) {
          const record = taskRowToRecord(r.row);
          results[r.ord] = { run: true, attempt: record.attempts, record };
        } else if (r.currentStatus === null) {
          results[r.ord] = { run: false, reason: "not_found" };
        } else {
          results[r.ord] = { run: false, reason: "final", status: r.currentStatus };
        }
      }
      return results.map((r, i) => {
        if (r === undefined) throw new Error(`startTasks: no answer for position ${i}`);
        return r;
      });
    },

    async finishTasks(outcomes: readonly TaskOutcome[]): Promise<boolean[]> {
      const inputs: FinishInput[] = [];
      const seen = new Set<string>();
      outcomes.forEach((outcome, ord) => {
        // The type rules other statuses out; this guards callers fed by the wire.
        const status: unknown = outcome.status;
        if (status !== "SUCCESS" && status !== "FAILURE" && status !== "RETRY") {
          throw new TypeError(`finishTasks: status must be SUCCESS, FAILURE or RETRY, got ${String(status)}`);
        }
        const key = `${outcome.id.toLowerCase()}#${outcome.attempt}`;
        if (!isUuid(outcome.id) || seen.has(key)) return;
        seen.add(key);
        inputs.push({ ord, outcome });
      });
      const applied = await retryOnDeadlock(() => finishTaskRows(db, inputs));
      return outcomes.map((_, ord) => applied.has(ord));
    },

    async releaseTasks(attempts: readonly ReleaseAttempt[]): Promise<boolean[]> {
      const inputs: ReleaseInput[] = [];
      const seen = new Set<string>();
      attempts.forEach(({ id, attempt }, ord) => {
        const key = `${id.toLowerCase()}#${attempt}`;
        // An attempt outside 1..int4 max matches no row; keeping it out spares the int4[] cast an error.
        const validAttempt = Number.isInteger(attempt) && attempt >= 1 && attempt <= 2_147_483_647;
        if (!isUuid(id) || !validAttempt || seen.has(key)) return;
        seen.add(key);
        inputs.push({ ord, id, attempt });
      });
      const released = await retryOnDeadlock(() => releaseTaskRows(db, inputs));
      return attempts.map((_, ord) => released.has(ord));
    },

    async requeueTask(id: string): Promise<RequeueResult> {
      if (!isUuid(id)) return { outcome: "not_found" };
      const row = await requeueTaskRow(db, id);
      if (row) return { outcome: "requeued", record: taskRowToRecord(row) };
      const current = await selectTaskRow(db, id);
      return current ? { outcome: "not_requeueable", record: taskRowToRecord(current) } : { outcome: "not_found" };
    },

    async markPublished(ids: readonly string[]): Promise<void> {
      await retryOnDeadlock(() => deleteOutboxRowsPublished(db, ids.filter(isUuid)));
    },

    async awaitingDispatch(ids: readonly string[]): Promise<Set<string>> {
      return new Set(await selectOutboxTaskIds(db, ids.filter(isUuid)));
    },

    async deferUnservedTasks(ids: readonly string[], policy: UnservedPolicy): Promise<UnservedResult[]> {
      const results: (UnservedResult | undefined)[] = new Array(ids.length);
      const inputs: UnservedInput[] = [];
      const seen = new Set<string>();
      ids.forEach((id, ord) => {
        const key = id.toLowerCase();
        if (!isUuid(id)) results[ord] = { outcome: "not_found" };
        // A repeat in one batch is another copy of a message handled right beside it: leave it be.
        else if (seen.has(key)) results[ord] = { outcome: "started" };
        else {
          seen.add(key);
          inputs.push({ ord, id });
        }
      });
      const rows = await retryOnDeadlock(() => deferUnservedRows(db, inputs, policy));
      for (const r of rows) {
        if (r.changed && r.gave_up) results[r.ord] = { outcome: "failed", attempt: r.attempts ?? 0, handbacks: r.handbacks ?? 0 };
        else if (r.changed) results[r.ord] = { outcome: "deferred", handbacks: r.handbacks ?? 0, delayMs: r.delay_ms ?? 0 };
        else if (r.current_status === null) results[r.ord] = { outcome: "not_found" };
        else if (r.current_status === "STARTED") results[r.ord] = { outcome: "started" };
        else results[r.ord] = { outcome: "final", status: r.current_status };
      }
      return results.map((r, i) => {
        if (r === undefined) throw new Error(`deferUnservedTasks: no answer for position ${i}`);
        return r;
      });
    },

    async dispatchUnpublished(limit, olderThanMs, publish): Promise<number> {
      return dispatchOutboxRows(db, limit, olderThanMs, (rows) => publish(rows.map(taskRowToRecord)));
    },

    async expireTasks(limit: number): Promise<{ id: string; attempt: number }[]> {
      const rows = await retryOnDeadlock(() => expireTaskRows(db, limit));
      return rows.map((r) => ({ id: r.id, attempt: r.attempts }));
    },

    async revokeTask(id: string): Promise<RevokeResult> {
      if (!isUuid(id)) return { outcome: "not_found" };
      const revoked = await revokeTaskRow(db, id);
      if (revoked) return { outcome: "revoked", record: taskRowToRecord(revoked) };
      const current = await selectTaskRow(db, id);
      return current ? { outcome: "not_revocable", record: taskRowToRecord(current) } : { outcome: "not_found" };
    },

    async revokeTaskBatch(query: BulkBatchQuery): Promise<BulkBatchResult> {
      checkBulkBatchQuery(query);
      return bulkBatchResult(await retryOnDeadlock(() => revokeBatchRows(db, query)), query.limit, true);
    },

    async requeueTaskBatch(query: BulkBatchQuery): Promise<BulkBatchResult> {
      checkBulkBatchQuery(query);
      return bulkBatchResult(await retryOnDeadlock(() => requeueBatchRows(db, query)), query.limit, false);
    },

    async deleteFinishedTasks(finishedBefore: Date, limit: number): Promise<number> {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_DELETE_BATCH) {
        throw new RangeError(`deleteFinishedTasks: limit must be a whole number in 1..${MAX_DELETE_BATCH}, got ${limit}`);
      }
      if (Number.isNaN(finishedBefore.getTime())) throw new RangeError("deleteFinishedTasks: finishedBefore is an invalid Date");
      return deleteFinishedTaskRows(db, finishedBefore, limit);
    },

    async recordProgress(updates: readonly ProgressUpdate[]): Promise<void> {
      const valid = updates.filter((u) => isUuid(u.id) && Number.isFinite(u.fraction));
      await retryOnDeadlock(() => updateProgressRows(db, valid.map((u) => ({ ...u, fraction: Math.min(1, Math.max(0, u.fraction)) }))));
    },

    async appendLogs(lines: readonly NewLogLine[]): Promise<(number | null)[]> {
      const valid = lines.flatMap((line, ord) => (isUuid(line.taskId) ? [{ line, ord }] : []));
      const seqs = await insertLogRows(db, valid.map((v) => v.line));
      const byOrd = new Map(valid.map((v, i) => [v.ord, seqs.get(i) ?? null]));
      return lines.map((_, ord) => byOrd.get(ord) ?? null);
    },

    async getLogs(taskId: string, afterSeq: number, limit: number): Promise<LogPage> {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_LINES_PER_TASK) {
        throw new InvalidListQueryError(`limit must be an integer in 1..${MAX_LOG_LINES_PER_TASK}, got ${limit}`);
      }
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new InvalidListQueryError(`afterSeq must be a whole number >= 0, got ${afterSeq}`);
      if (!isUuid(taskId)) return { lines: [], truncated: false };
      const [rows, count] = await Promise.all([selectLogRows(db, taskId, afterSeq, limit), countLogRows(db, taskId)]);
      return {
        lines: rows.map((r) => ({ seq: Number(r.seq), taskId: r.task_id, attempt: r.attempt, level: r.level, message: r.message, at: r.at })),
        truncated: count >= MAX_LOG_LINES_PER_TASK,
      };
    },

    async registerTaskTypes(types: readonly TaskTypeRecord[]): Promise<void> {
      // The last entry of a repeated name wins, as if registered one by one.
      const byName = new Map(types.map((t) => [t.name, t]));
      await upsertTaskTypeRows(db, [...byName.values()].map(taskTypeRecordToRow));
    },

    async listTaskTypes(): Promise<TaskTypeRecord[]> {
      return (await selectTaskTypeRows(db)).map(taskTypeRowToRecord);
    },

    async upsertWorker(worker: WorkerHeartbeat): Promise<void> {
      for (const [name, value, min] of [["pid", worker.pid, 0], ["concurrency", worker.concurrency, 0], ["inFlight", worker.inFlight, 0], ["heartbeatMs", worker.heartbeatMs, 1]] as const) {
        if (!Number.isInteger(value) || value < min || value > 2_147_483_647) throw new RangeError(`upsertWorker: ${name} must be a whole number >= ${min}, got ${value}`);
      }
      if (Number.isNaN(worker.startedAt.getTime())) throw new RangeError("upsertWorker: startedAt is an invalid Date");
      await upsertWorkerRow(db, worker, WORKER_LIST_HORIZON_MS);
    },

    async removeWorker(id: string): Promise<void> {
      await deleteWorkerRow(db, id);
    },

    async listWorkers(): Promise<WorkerRecord[]> {
      const rows = await selectWorkerRows(db, WORKER_LIST_HORIZON_MS);
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        hostname: r.hostname,
        pid: r.pid,
        queues: r.queues,
        taskTypes: r.task_types,
        concurrency: r.concurrency,
        inFlight: r.in_flight,
        heartbeatMs: r.heartbeat_ms,
        startedAt: r.started_at,
        heartbeatAt: r.heartbeat_at,
        heartbeatAgeSeconds: Number(r.age_seconds),
        alive: r.alive,
      }));
    },

    async taskStats(query: TaskStatsQuery): Promise<TaskStats> {
      const { windowSeconds, bucketSeconds } = query;
      if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_STATS_WINDOW_SECONDS) {
        throw new RangeError(`taskStats: windowSeconds must be a whole number in 1..${MAX_STATS_WINDOW_SECONDS}, got ${windowSeconds}`);
      }
      if (!Number.isInteger(bucketSeconds) || bucketSeconds < 1) throw new RangeError(`taskStats: bucketSeconds must be a whole number >= 1, got ${bucketSeconds}`);
      const buckets = Math.ceil(windowSeconds / bucketSeconds);
      if (buckets > MAX_STATS_BUCKETS) {
        throw new RangeError(`taskStats: ${windowSeconds} s in buckets of ${bucketSeconds} s makes ${buckets} buckets; at most ${MAX_STATS_BUCKETS}`);
      }
      const rows = await selectTaskStatsRows(db, { bucketSeconds, buckets, lookbackSeconds: STATS_LOOKBACK_SECONDS, owner: query.owner });
      return {
        windowSeconds,
        bucketSeconds,
        buckets: rows.map((r) => ({
          start: r.start,
          submitted: Number(r.submitted),
          succeeded: Number(r.succeeded),
          failed: Number(r.failed),
          latencyP50Ms: roundMs(r.latency_p50),
          latencyP95Ms: roundMs(r.latency_p95),
          waitP50Ms: roundMs(r.wait_p50),
        })),
      };
    },

    async queueStats(query = {}): Promise<QueueStats[]> {
      const rows = await selectQueueStatsRows(db, query.owner);
      return rows.map((r) => ({
        queue: r.queue,
        waiting: Number(r.waiting),
        running: Number(r.running),
        oldestWaitingSeconds: Number(r.oldest_waiting_seconds),
      }));
    },

    async outboxBacklog(): Promise<number> {
      return countDueOutboxRows(db);
    },

    async insertSchedule(schedule) {
      if (!isUuid(schedule.id)) throw new InvalidTaskIdError(schedule.id);
      return scheduleRowToRecord(await insertScheduleRow(db, schedule));
    },

    async getSchedule(id) {
      if (!isUuid(id)) return undefined;
      const row = await selectScheduleRow(db, id);
      return row && scheduleRowToRecord(row);
    },

    async listSchedules(query) {
      return listSchedulePage(db, query);
    },

    async setSchedulePaused(id, paused, nextRunAt) {
      if (!isUuid(id)) return undefined;
      const row = await updateSchedulePaused(db, id, paused, nextRunAt);
      return row && scheduleRowToRecord(row);
    },

    async deleteSchedule(id) {
      return isUuid(id) && deleteScheduleRow(db, id);
    },

    async fireDueSchedules(limit, fire) {
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new RangeError(`limit must be a whole number in 1..10000, got ${limit}`);
      return fireDueScheduleRows(db, limit, fire);
    },

    async ping(): Promise<void> {
      await sql`select 1`.execute(db);
    },

    close(): Promise<void> {
      closing ??= db.destroy();
      return closing;
    },

    ...chainStoreOnKysely(db),
  };
}

/** @throws RangeError when a bulk batch's limit, dates, cursor or owner cannot be queried. */
function checkBulkBatchQuery(query: BulkBatchQuery): void {
  const { limit, after, filter } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BULK_BATCH) {
    throw new RangeError(`bulk batch: limit must be a whole number in 1..${MAX_BULK_BATCH}, got ${limit}`);
  }
  for (const [name, bound] of [["createdAfter", filter.createdAfter], ["createdBefore", filter.createdBefore], ["after", after?.createdAt]] as const) {
    if (bound !== undefined && Number.isNaN(bound.getTime())) throw new RangeError(`bulk batch: ${name} is an invalid Date`);
  }
  if (after !== undefined && !isUuid(after.id)) throw new RangeError("bulk batch: the cursor's id is not a UUID");
}

/** A bulk batch's rows as its result: the page's count, the changed tasks, and the cursor when the page was full. */
function bulkBatchResult(rows: readonly BulkBatchRow[], limit: number, revoke: boolean): BulkBatchResult {
  const changed = rows.flatMap((r) => (r.changed && r.row ? [{ record: taskRowToRecord(r.row), was: r.was }] : []));
  const last = rows.at(-1);
  return {
    matched: rows.length,
    changed: changed.map((c) => c.record),
    wereRunning: revoke ? changed.filter((c) => c.was === "STARTED").map((c) => c.record.id) : [],
    ...(rows.length === limit && last ? { next: { createdAt: last.page_created_at, id: last.page_id } } : {}),
  };
}
