import { sql, type Kysely } from "kysely";
import { MAX_LOG_LINES_PER_TASK, type NewLogLine } from "../task-record.js";
import type { Database } from "./database.js";
import type { TaskLogRow } from "./task-logs.table.js";

// SQL only, like tasks.repository.ts: one statement per batch.

/**
 * Inserts log lines in one statement, keeping each task under
 * {@link MAX_LOG_LINES_PER_TASK} lines (lines beyond it are skipped, in
 * order). Task ids must be valid UUIDs of existing tasks.
 * @returns `seq` of each inserted line by its position in `lines`.
 */
export async function insertLogRows(db: Kysely<Database>, lines: readonly NewLogLine[]): Promise<Map<number, number>> {
  if (lines.length === 0) return new Map();
  const taskIds = lines.map((l) => l.taskId);
  const { rows } = await sql<{ ord: number; seq: string }>`
    with input as (
      select v.*, row_number() over (partition by v.task_id order by v.ord) as n
      from unnest(
        ${lines.map((_, i) => i)}::int4[],
        ${taskIds}::uuid[],
        ${lines.map((l) => l.attempt)}::int4[],
        ${lines.map((l) => l.level)}::text[],
        ${lines.map((l) => l.message)}::text[],
        ${lines.map((l) => l.at.toISOString())}::timestamptz[]
      ) as v(ord, task_id, attempt, level, message, at)
    ), kept as (
      select i.* from input i
      where i.n + (select count(*) from task_logs l where l.task_id = i.task_id) <= ${MAX_LOG_LINES_PER_TASK}
        -- The tasks that exist, looked up once by id (a semi join could read all of tasks; see deleteOutboxRowsPublished).
        and i.task_id = any(array(select t.id from tasks t where t.id = any(${taskIds}::uuid[])))
      order by i.ord
    ), inserted as (
      insert into task_logs (task_id, attempt, level, message, at)
      select task_id, attempt, level, message, at from kept order by ord
      returning seq, task_id, attempt, message, at
    )
    -- Pair rows back to positions: the nth inserted line of a task is its nth kept line.
    select k.ord, x.seq
    from (select ord, task_id, row_number() over (partition by task_id order by ord) as n from kept) k
    join (select seq, task_id, row_number() over (partition by task_id order by seq) as n from inserted) x
      on x.task_id = k.task_id and x.n = k.n
  `.execute(db);
  return new Map(rows.map((r) => [r.ord, Number(r.seq)]));
}

/** Up to `limit` lines of a task after `afterSeq`, oldest first. */
export async function selectLogRows(db: Kysely<Database>, taskId: string, afterSeq: number, limit: number): Promise<TaskLogRow[]> {
  return db
    .selectFrom("task_logs")
    .selectAll()
    .where("task_id", "=", taskId)
    .where("seq", ">", String(afterSeq))
    .orderBy("seq")
    .limit(limit)
    .execute();
}

/** How many lines a task has. */
export async function countLogRows(db: Kysely<Database>, taskId: string): Promise<number> {
  const row = await db
    .selectFrom("task_logs")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("task_id", "=", taskId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
