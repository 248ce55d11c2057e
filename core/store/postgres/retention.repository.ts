import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "./database.js";

// SQL only, like tasks.repository.ts: result retention, the one statement
// that deletes tasks (see docs/retention.md).

/**
 * The statement of {@link deleteFinishedTaskRows}, unexecuted, so a test
 * can EXPLAIN exactly what runs. Selects `n`, the tasks deleted.
 *
 * Why it reads as it does:
 * - No index on `finished_at`: every finish would pay for one. A task
 *   finishes after it is created, so `created_at < cutoff` holds for every
 *   row it deletes, and the existing `tasks_created_at_id_idx`
 *   (created_at desc, id desc), walked backwards (oldest first, which the
 *   `order by` asks for, so no sort), bounds the scan; `finished_at` and
 *   `status` are checked on the rows it reads. The order also makes
 *   `limit` take the oldest rows, and a seq scan plus top-N sort the
 *   planner's worse choice on any table where the range is large.
 * - `for update skip locked`: a row that a worker's batch, a retry, a log
 *   insert (its foreign key check) or another server's sweep holds is
 *   skipped, not waited for, so sweeps never block them or each other and
 *   cannot deadlock with their id-ordered locks; the next round takes it.
 * - Log lines go by the foreign key's `on delete cascade` (the
 *   add-progress-and-logs migration): in this statement, by task id through
 *   `task_logs_task_idx`. Deleting them here as well only made the cascade
 *   look again for lines already gone, which measured slower (docs/retention.md).
 * - Outbox rows have no foreign key, so they are deleted here. A final task
 *   has one only when it ended before its dispatch (revoked or expired while
 *   held for its run_at, or while the queue was down); one that the
 *   dispatcher holds locked is skipped too, since the dispatcher deletes it.
 */
export function deleteFinishedTaskRowsStatement(cutoff: Date, limit: number): RawBuilder<{ n: number }> {
  const before = cutoff.toISOString();
  return sql<{ n: number }>`
    with doomed as (
      select id from tasks
      where created_at < ${before}::timestamptz
        and finished_at < ${before}::timestamptz
        and status in ('SUCCESS', 'FAILURE', 'REVOKED')
      order by created_at, id
      limit ${limit}
      for update skip locked
    ), outbox as (
      -- An array, not "in (subquery)": a semi join could read the whole outbox (a backlog when the queue is down).
      delete from task_outbox
      where task_id = any(array(select task_id from task_outbox where task_id = any(array(select id from doomed)) for update skip locked))
    ), deleted as (
      -- The same: the doomed ids looked up through the primary key, whatever the plan's statistics say.
      delete from tasks where id = any(array(select id from doomed)) returning 1
    )
    select count(*)::int as n from deleted
  `;
}

/**
 * In one statement (so in one transaction: all or nothing), deletes up to
 * `limit` tasks in a final status (SUCCESS, FAILURE, REVOKED) whose
 * `finished_at` is before `cutoff`, the earliest created first, with their `task_logs`
 * (by the foreign key's cascade) and `task_outbox` rows; rows other
 * transactions hold locked are skipped.
 * `limit` must be a whole number of at least 1.
 * @returns how many tasks it deleted.
 */
export async function deleteFinishedTaskRows(db: Kysely<Database>, cutoff: Date, limit: number): Promise<number> {
  const { rows } = await deleteFinishedTaskRowsStatement(cutoff, limit).execute(db);
  return rows[0]?.n ?? 0;
}
