import { sql, type Kysely } from "kysely";
import type { FiredTask, NewSchedule, ScheduleCursor, ScheduleFiring, ScheduleRecord } from "../schedule-record.js";
import type { Database } from "./database.js";
import type { ScheduleRow } from "./schedules.table.js";
import { insertTaskRows } from "./tasks.repository.js";

// SQL for `schedules` (see the create-schedules migration), and the row ↔ record mapping.

/** A row as the record the store answers with. */
export function scheduleRowToRecord(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    args: r.args,
    cron: r.cron,
    timeZone: r.time_zone,
    intervalMs: r.interval_ms,
    catchUp: r.catch_up,
    paused: r.paused,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    lastTaskId: r.last_task_id,
    owner: r.owner,
    permission: r.permission,
    maxRetries: r.max_retries,
    timeoutMs: r.timeout_ms,
    createdAt: r.created_at,
  };
}

/** Inserts one schedule; returns its row. */
export async function insertScheduleRow(db: Kysely<Database>, s: NewSchedule): Promise<ScheduleRow> {
  return db
    .insertInto("schedules")
    .values({
      id: s.id,
      name: s.name,
      type: s.type,
      args: JSON.stringify(s.args),
      cron: s.cron,
      time_zone: s.timeZone,
      interval_ms: s.intervalMs,
      catch_up: s.catchUp,
      paused: s.paused,
      next_run_at: s.nextRunAt,
      owner: s.owner,
      permission: s.permission,
      max_retries: s.maxRetries,
      timeout_ms: s.timeoutMs,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One schedule row by (valid UUID) id. */
export async function selectScheduleRow(db: Kysely<Database>, id: string): Promise<ScheduleRow | undefined> {
  return db.selectFrom("schedules").selectAll().where("id", "=", id).executeTakeFirst();
}

/** What {@link selectScheduleRows} reads: an owner's rows or all, after a cursor, at most `limit`. */
export interface ScheduleRowsQuery {
  owner?: string;
  /** Rows strictly after this position in oldest-first order. */
  after?: ScheduleCursor;
  limit: number;
}

/** Up to `limit` schedule rows (of `owner` when given), oldest first by (created_at, id). */
export async function selectScheduleRows(db: Kysely<Database>, query: ScheduleRowsQuery): Promise<ScheduleRow[]> {
  let q = db.selectFrom("schedules").selectAll();
  if (query.owner !== undefined) q = q.where("owner", "=", query.owner);
  const after = query.after;
  if (after !== undefined) {
    // A row comparison, so Postgres walks the ([owner,] created_at, id) index from the cursor.
    q = q.where((eb) => eb(eb.refTuple("created_at", "id"), ">", eb.tuple(after.createdAt, after.id)));
  }
  return q.orderBy("created_at").orderBy("id").limit(query.limit).execute();
}

/** Sets `paused` and `next_run_at` of one schedule; the row after, or undefined for an unknown id. */
export async function updateSchedulePaused(db: Kysely<Database>, id: string, paused: boolean, nextRunAt: Date | null): Promise<ScheduleRow | undefined> {
  return db.updateTable("schedules").set({ paused, next_run_at: nextRunAt }).where("id", "=", id).returningAll().executeTakeFirst();
}

/** Deletes one schedule; true when it existed. */
export async function deleteScheduleRow(db: Kysely<Database>, id: string): Promise<boolean> {
  const r = await db.deleteFrom("schedules").where("id", "=", id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/**
 * In one transaction: locks up to `limit` due schedules (not paused,
 * next_run_at at or before the store's now), skipping rows another
 * transaction holds (another server firing them), asks `fire` what to do
 * with them, inserts the tasks it returns through the tasks' insert (with
 * their outbox rows), and moves each schedule to its next tick, recording
 * the task it submitted. A task whose (owner, idempotency key) exists already
 * is not inserted again (a second guard against a double submit). If `fire`
 * or a statement throws, nothing is changed.
 * @returns the tasks inserted, to be published.
 */
export async function fireDueScheduleRows(
  db: Kysely<Database>,
  limit: number,
  fire: (due: ScheduleRecord[], now: Date) => Promise<ScheduleFiring[]>,
): Promise<FiredTask[]> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<ScheduleRow & { now: Date }>`
      select s.*, now() as now from schedules as s
      where not s.paused and s.next_run_at <= now()
      order by s.next_run_at limit ${limit}
      for update skip locked
    `.execute(trx);
    if (rows.length === 0) return [];
    const firings = await fire(rows.map(scheduleRowToRecord), rows[0]!.now);
    const tasks = firings.flatMap((f) => (f.task ? [{ scheduleId: f.id, task: f.task }] : []));
    const inserted = new Map((await insertTaskRows(trx, tasks.map((t) => t.task))).map((r) => [r.id, r.created_at]));
    const fired: FiredTask[] = [];
    for (const t of tasks) {
      const createdAt = inserted.get(t.task.id.toLowerCase());
      if (createdAt) fired.push({ ...t, inserted: { id: t.task.id, createdAt, existing: false } });
    }
    const taskOf = new Map(fired.map((f) => [f.scheduleId, f]));
    await sql`
      update schedules as s
      set next_run_at = v.next_run_at,
          last_run_at = coalesce(v.last_run_at, s.last_run_at),
          last_task_id = coalesce(v.last_task_id, s.last_task_id)
      from unnest(${firings.map((f) => f.id)}::uuid[], ${firings.map((f) => f.nextRunAt.toISOString())}::timestamptz[],
                  ${firings.map((f) => taskOf.get(f.id)?.inserted.createdAt.toISOString() ?? null)}::timestamptz[],
                  ${firings.map((f) => taskOf.get(f.id)?.task.id ?? null)}::uuid[])
           as v(id, next_run_at, last_run_at, last_task_id)
      where s.id = v.id
    `.execute(trx);
    return fired;
  });
}
