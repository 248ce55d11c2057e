import { sql, type Kysely } from "kysely";
import type { Database } from "./database.js";
import { fixedStatement } from "./fixed-statement.js";
import { TASK_COLUMNS, type TaskRow } from "./tasks.table.js";

// SQL only, for `task_outbox` (see the create-task-outbox migration). Rows
// are put there by the statements that make a task wait for the queue
// (insert, requeue, park: tasks.repository.ts) and taken out here.

/**
 * Deletes the outbox rows of tasks whose message a submit or a retry has
 * published, in id order (every batch statement locks in that order). Held
 * rows stay: the submit did not publish a held task, and a row a worker
 * parked after the publish (it is held then) must still be queued again.
 */
export async function deleteOutboxRowsPublished(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await deletePublishedStatement(db, ids);
}

const deletePublishedStatement = fixedStatement(
  (ids: readonly string[]) => [ids],
  ([ids]) => sql`
    -- An array, not "in (subquery)": the locked ids are collected once, then looked up. A semi join's
    -- generic plan, made while the outbox was nearly empty, ran the locking subquery again for every row
    -- of the outbox: 6 to 13 s per batch in a soak once 50,000 dead rows had piled up.
    delete from task_outbox
    where task_id = any(array(select task_id from task_outbox where task_id = any(${ids}::uuid[]) order by task_id for update))
      and not held
  `,
);

/** Which of these tasks have an outbox row. */
export async function selectOutboxTaskIds(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom("task_outbox").select("task_id").where("task_id", "=", sql<string>`any(${ids}::uuid[])`).execute();
  return rows.map((r) => r.task_id);
}

/**
 * In one transaction: locks up to `limit` outbox rows that are due — held
 * rows whose time has come, and the others once they are `olderThanMs` old
 * (their submit publishes them itself unless it died) — skipping rows another
 * dispatcher holds, hands the tasks that still wait for a run (PENDING or
 * RETRY) to `publish`, and deletes the rows when it resolves (rows of tasks
 * that moved on, or were deleted, are deleted at once). If `publish` throws,
 * nothing is deleted and the rows wait for the next round.
 * @returns how many rows were taken.
 */
export async function dispatchOutboxRows(
  db: Kysely<Database>,
  limit: number,
  olderThanMs: number,
  publish: (rows: TaskRow[]) => Promise<void>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The due_at index bounds both scans to rows due by now: tasks held for tomorrow are never read.
    const { rows: held } = await sql<{ task_id: string }>`
      select task_id from task_outbox where held and due_at <= now()
      order by due_at limit ${limit} for update skip locked
    `.execute(trx);
    const { rows: stale } = held.length >= limit ? { rows: [] } : await sql<{ task_id: string }>`
      select task_id from task_outbox where not held and due_at <= now() - make_interval(secs => ${olderThanMs / 1000})
      order by due_at limit ${limit - held.length} for update skip locked
    `.execute(trx);
    const ids = [...held, ...stale].map((r) => r.task_id);
    if (ids.length === 0) return 0;
    const { rows } = await sql<TaskRow>`
      select ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))} from tasks
      where id = any(${ids}::uuid[]) and status in ('PENDING', 'RETRY')
    `.execute(trx);
    if (rows.length > 0) await publish(rows);
    await sql`delete from task_outbox where task_id = any(${ids}::uuid[])`.execute(trx);
    return ids.length;
  });
}
