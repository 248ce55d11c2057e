import { sql, type Kysely, type RawBuilder } from "kysely";
import type { BulkBatchQuery } from "../bulk-action.js";
import type { Database } from "./database.js";
import { TASK_COLUMNS, type TaskRow } from "./tasks.table.js";

// SQL only, like tasks.repository.ts: one batch of a bulk cancel or retry
// (see TaskStore.revokeTaskBatch and requeueTaskBatch), each one statement,
// so one transaction whose locks last as long as that batch only.

/** One row of a bulk batch: every task the page matched, with the updated row when it changed. */
export interface BulkBatchRow {
  page_id: string;
  page_created_at: Date;
  /** True when the batch changed the task; the task columns are then its updated row. */
  changed: boolean;
  /** For a changed task: its status before the batch. */
  was: string | null;
  row: TaskRow | null;
}

/** `t.id, t.type, …` for raw SQL over the tasks table aliased as `alias`. */
function taskColumns(alias: string) {
  return sql.join(TASK_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)));
}

/**
 * The CTEs `page` (up to `limit` tasks matching the filter after the cursor,
 * newest first, through the (…, created_at desc, id desc) indexes as
 * listTasks reads them) and `locked` (those rows locked in id order, as
 * every batch statement of tasks.repository.ts locks, so a bulk batch waits
 * for a worker's batch instead of deadlocking with it). The status filter is
 * checked again on the locked row by the caller's update: a row that moved
 * on between the read and the lock is skipped, not changed.
 */
function pageAndLocked(query: BulkBatchQuery): RawBuilder<unknown> {
  const { filter, after, limit } = query;
  const where: RawBuilder<unknown>[] = [sql`true`];
  if (filter.type !== undefined) where.push(sql`type = ${filter.type}`);
  if (filter.status !== undefined) where.push(sql`status = ${filter.status}`);
  if (filter.owner !== undefined) where.push(sql`owner = ${filter.owner}`);
  if (filter.createdAfter !== undefined) where.push(sql`created_at >= ${filter.createdAfter.toISOString()}::timestamptz`);
  if (filter.createdBefore !== undefined) where.push(sql`created_at < ${filter.createdBefore.toISOString()}::timestamptz`);
  if (filter.groupId !== undefined) where.push(sql`group_id = ${filter.groupId}::uuid`);
  // A row comparison, so Postgres walks the index from the cursor on.
  if (after !== undefined) where.push(sql`(created_at, id) < (${after.createdAt.toISOString()}::timestamptz, ${after.id}::uuid)`);
  return sql`
    page as (
      select id, created_at from tasks
      where ${sql.join(where, sql` and `)}
      order by created_at desc, id desc
      limit ${limit}
    ), locked as (
      -- An array, not "in (subquery)": the page's ids looked up through the primary key.
      select id, status from tasks where id = any(array(select id from page)) order by id for update
    )`;
}

/** The status filter on the locked row (see pageAndLocked); `true` without one. */
function lockedStatusMatches(query: BulkBatchQuery): RawBuilder<unknown> {
  return query.filter.status === undefined ? sql`true` : sql`l.status = ${query.filter.status}`;
}

/** Splits the flat rows of a batch statement into the page position and the changed row. */
function toBatchRows(rows: readonly Record<string, unknown>[]): BulkBatchRow[] {
  return rows.map((r) => {
    const { page_id, page_created_at, changed, was, ...row } = r as Record<string, unknown> & {
      page_id: string;
      page_created_at: Date;
      changed: boolean;
      was: string | null;
    };
    return { page_id, page_created_at, changed, was, row: changed ? (row as unknown as TaskRow) : null };
  });
}

/**
 * In one statement: takes a page of the tasks matching `query` and moves
 * each that is PENDING, RETRY or STARTED (and still in the filter's status)
 * to REVOKED, as revokeTaskRow does one task.
 * @returns every task of the page, newest first, the revoked ones with their updated row.
 */
export async function revokeBatchRows(db: Kysely<Database>, query: BulkBatchQuery): Promise<BulkBatchRow[]> {
  const { rows } = await sql<Record<string, unknown>>`
    with ${pageAndLocked(query)}, revoked as (
      update tasks as t
      set status = 'REVOKED', finished_at = now()
      from locked as l
      where t.id = l.id and l.status in ('PENDING', 'RETRY', 'STARTED') and ${lockedStatusMatches(query)}
      returning l.status as was, ${taskColumns("t")}
    )
    select p.id as page_id, p.created_at as page_created_at, r.id is not null as changed, r.was, ${taskColumns("r")}
    from page as p left join revoked as r on r.id = p.id
    order by p.created_at desc, p.id desc
  `.execute(db);
  return toBatchRows(rows);
}

/**
 * In one statement: takes a page of the tasks matching `query` and puts
 * each that is FAILURE or REVOKED (and still in the filter's status) back to
 * PENDING with an outbox row due now, as requeueTaskRow does one task.
 * @returns every task of the page, newest first, the requeued ones with their updated row.
 */
export async function requeueBatchRows(db: Kysely<Database>, query: BulkBatchQuery): Promise<BulkBatchRow[]> {
  const { rows } = await sql<Record<string, unknown>>`
    with ${pageAndLocked(query)}, requeued as (
      update tasks as t
      set status = 'PENDING', result = null, error = null, finished_at = null, run_at = null, expires_at = null,
          -- A new name for this queueing of the task: see the requeues migration.
          requeues = t.requeues + 1,
          unserved_handbacks = 0, unserved_since = null
      from locked as l
      where t.id = l.id and l.status in ('FAILURE', 'REVOKED') and ${lockedStatusMatches(query)}
      returning l.status as was, ${taskColumns("t")}
    ), queued as (
      -- Published by the bulk retry itself; by the dispatcher if that fails.
      insert into task_outbox (task_id, due_at, held)
      select id, now(), false from requeued
      on conflict (task_id) do update set due_at = excluded.due_at, held = false
    )
    select p.id as page_id, p.created_at as page_created_at, r.id is not null as changed, r.was, ${taskColumns("r")}
    from page as p left join requeued as r on r.id = p.id
    order by p.created_at desc, p.id desc
  `.execute(db);
  return toBatchRows(rows);
}
