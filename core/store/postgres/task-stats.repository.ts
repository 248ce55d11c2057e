import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "./database.js";

// SQL only: the monitoring reads of the tasks table (TaskStore.taskStats,
// queueStats and outboxBacklog). None of them adds an index: like result
// retention (retention.repository.ts), they read through the indexes the
// table has, so that the claims and results, thousands of row updates a
// second, pay nothing for them.

/** One bucket as {@link taskStatsStatement} selects it. */
export interface TaskStatsRow {
  /** Bucket number, 0 = the oldest. */
  i: number;
  start: Date;
  submitted: string | number;
  succeeded: string | number;
  failed: string | number;
  latency_p50: number | null;
  latency_p95: number | null;
  wait_p50: number | null;
}

/** Input of {@link taskStatsStatement}. */
export interface TaskStatsSql {
  bucketSeconds: number;
  /** How many buckets; the last one holds now(). */
  buckets: number;
  /** Tasks created this long before the first bucket are read too (they may end or start in the window). */
  lookbackSeconds: number;
  owner?: string;
}

/**
 * The statement of {@link selectTaskStatsRows}, unexecuted, so a test can
 * EXPLAIN exactly what runs. One row per bucket, oldest first.
 *
 * Why it reads as it does:
 * - Buckets are aligned to multiples of their width since the epoch, by the
 *   database's clock, so consecutive calls (a chart refreshing) share their
 *   bucket boundaries and only the last, current bucket grows.
 * - There is no index on `finished_at` or `started_at` (every claim and
 *   result would pay for one: see docs/retention.md). A task ends and starts
 *   after it was created, so the rows to read are those created since the
 *   window's start minus the lookback: one range of `tasks_created_at_id_idx`
 *   (or of `tasks_owner_created_idx` for one owner), read three times (the
 *   blocks are cached after the first): tasks created in the window, those
 *   that ended in it, those that started in it; each counted in the bucket
 *   of that time.
 * - `finished_at` is set for SUCCESS, FAILURE and REVOKED only (RETRY clears
 *   it); `started_at` is the latest attempt's start.
 */
export function taskStatsStatement(q: TaskStatsSql): RawBuilder<TaskStatsRow> {
  const width = q.bucketSeconds;
  const ownerFilter = q.owner === undefined ? sql`` : sql`and t.owner = ${q.owner}`;
  // Epoch seconds as float8 (date_part), not numeric (extract): numeric arithmetic on every row costs several times more.
  const since = (lookback: number) =>
    sql`t.created_at >= to_timestamp((select start from w) - ${lookback}::float8) ${ownerFilter}`;
  return sql<TaskStatsRow>`
    with w as (
      select (floor(date_part('epoch', now()) / ${width}::float8) + 1 - ${q.buckets}::int4) * ${width}::float8 as start
    ), ev as (
      select date_part('epoch', t.created_at) as at, 0 as kind, null::float8 as ms
      from tasks as t where ${since(0)}
      union all
      select date_part('epoch', t.finished_at), case when t.status = 'SUCCESS' then 1 else 2 end,
             (date_part('epoch', t.finished_at) - date_part('epoch', t.created_at)) * 1000
      from tasks as t
      where ${since(q.lookbackSeconds)} and t.status in ('SUCCESS', 'FAILURE', 'REVOKED')
        and t.finished_at >= to_timestamp((select start from w))
      union all
      select date_part('epoch', t.started_at), 3,
             greatest(0, date_part('epoch', t.started_at) - date_part('epoch', greatest(t.created_at, t.run_at))) * 1000
      from tasks as t
      where ${since(q.lookbackSeconds)} and t.started_at >= to_timestamp((select start from w))
    ), agg as (
      select floor((ev.at - w.start) / ${width}::float8)::int4 as i,
             count(*) filter (where ev.kind = 0) as submitted,
             count(*) filter (where ev.kind = 1) as succeeded,
             count(*) filter (where ev.kind = 2) as failed,
             percentile_cont(0.5) within group (order by ev.ms) filter (where ev.kind in (1, 2)) as latency_p50,
             percentile_cont(0.95) within group (order by ev.ms) filter (where ev.kind in (1, 2)) as latency_p95,
             percentile_cont(0.5) within group (order by ev.ms) filter (where ev.kind = 3) as wait_p50
      from ev cross join w
      group by 1
    )
    select g.i, to_timestamp(w.start + g.i * ${width}::float8) as start,
           coalesce(a.submitted, 0) as submitted, coalesce(a.succeeded, 0) as succeeded, coalesce(a.failed, 0) as failed,
           a.latency_p50, a.latency_p95, a.wait_p50
    from w cross join generate_series(0, ${q.buckets}::int4 - 1) as g(i)
    left join agg as a on a.i = g.i
    order by g.i
  `;
}

/** Runs {@link taskStatsStatement}. */
export async function selectTaskStatsRows(db: Kysely<Database>, q: TaskStatsSql): Promise<TaskStatsRow[]> {
  return (await taskStatsStatement(q).execute(db)).rows;
}

/** One queue as {@link queueStatsStatement} selects it. */
export interface QueueStatsRow {
  queue: string;
  waiting: string | number;
  running: string | number;
  oldest_waiting_seconds: number;
}

/**
 * The statement of {@link selectQueueStatsRows}, unexecuted (for EXPLAIN).
 * Reads the unfinished tasks through `tasks_status_created_at_id_idx`
 * (status = PENDING, RETRY or STARTED), so finished tasks, however many, are
 * never read. Waiting: PENDING whose run_at (if any) has come, and RETRY
 * (its backoff lives in the queue, not in the row); a task waits since the
 * later of its creation and run_at, a RETRY since its failed attempt started.
 */
export function queueStatsStatement(owner?: string): RawBuilder<QueueStatsRow> {
  const ownerFilter = owner === undefined ? sql`` : sql`and t.owner = ${owner}`;
  return sql<QueueStatsRow>`
    with u as (
      select t.queue, t.status,
             t.status = 'RETRY' or (t.status = 'PENDING' and (t.run_at is null or t.run_at <= now())) as waiting,
             greatest(t.created_at, t.run_at, case when t.status = 'RETRY' then t.started_at end) as since
      from tasks as t
      where t.status in ('PENDING', 'RETRY', 'STARTED') ${ownerFilter}
    )
    select u.queue,
           count(*) filter (where u.waiting) as waiting,
           count(*) filter (where u.status = 'STARTED') as running,
           coalesce(greatest(0, extract(epoch from now() - min(u.since) filter (where u.waiting))::float8), 0)::float8 as oldest_waiting_seconds
    from u
    group by u.queue
    having count(*) filter (where u.waiting or u.status = 'STARTED') > 0
    order by u.queue
  `;
}

/** Runs {@link queueStatsStatement}. */
export async function selectQueueStatsRows(db: Kysely<Database>, owner?: string): Promise<QueueStatsRow[]> {
  return (await queueStatsStatement(owner).execute(db)).rows;
}

/**
 * Outbox rows due now: every submit's row (due at its creation) and held
 * rows whose time has come, counted on `task_outbox_due_idx`.
 */
export async function countDueOutboxRows(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`select count(*) as n from task_outbox where due_at <= now()`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
