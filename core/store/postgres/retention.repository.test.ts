import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { newTask } from "../task-store-contract.js";
import type { Database } from "./database.js";
import { createKyselyForUrl } from "./kysely-for-url.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { deleteFinishedTaskRows, deleteFinishedTaskRowsStatement } from "./retention.repository.js";
import { insertTaskRows } from "./tasks.repository.js";

// What the contract tests cannot show, on a real Postgres server: the plan
// the deletion gets on a big table (docs/retention.md quotes it), and that
// it skips rows other connections hold instead of waiting for them.

const { freshDatabase } = usePrivatePostgres("retention_test");


/** A migrated, empty database on the private server, for `fn`. */
async function withFreshDb<T>(fn: (db: Kysely<Database>, url: string) => Promise<T>): Promise<T> {
  const url = await freshDatabase();
  const db = createKyselyForUrl(url, { poolSize: 2 });
  try {
    await migrateToLatest(db);
    return await fn(db, url);
  } finally {
    await db.destroy();
  }
}

/** Moves tasks' created_at and finished_at two hours into the past. */
async function backdate(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  await sql`update tasks set created_at = created_at - interval '2 hours', finished_at = finished_at - interval '2 hours'
            where id = any(${ids}::uuid[])`.execute(db);
}

describe("deleteFinishedTaskRows on Postgres", () => {
  test("on 200,000 tasks the plan walks tasks_created_at_id_idx, never a seq scan, and the log cascade its index", async (t) => {
    await withFreshDb(async (db) => {
      // 30 days of tasks, one every 13 s, newest now; every 50th unfinished; one log line each.
      await sql`
        insert into tasks (id, type, queue, status, args, created_at, finished_at)
        select gen_random_uuid(), 'demo.main.add', 'default',
               case when i % 50 = 0 then 'PENDING' else 'SUCCESS' end, '{"x":1,"y":2}',
               now() - i * interval '13 seconds',
               case when i % 50 = 0 then null else now() - i * interval '13 seconds' + interval '1 second' end
        from generate_series(1, 200000) as i`.execute(db);
      await sql`insert into task_logs (task_id, attempt, level, message, at) select id, 1, 'info', 'a line', created_at from tasks`.execute(db);
      await sql`analyze tasks`.execute(db);
      await sql`analyze task_logs`.execute(db);
      // Retentions that leave all, three quarters, a sliver and none of the table to delete.
      for (const days of [0, 7, 29, 60]) {
        const cutoff = new Date(Date.now() - days * 86_400_000);
        const { rows } = await sql<{ "QUERY PLAN": string }>`explain ${deleteFinishedTaskRowsStatement(cutoff, 1000)}`.execute(db);
        const plan = rows.map((r) => r["QUERY PLAN"]);
        if (days === 7) for (const line of plan) t.diagnostic(line);
        const text = plan.join("\n");
        const where = `${days} days:\n${text}`;
        if (days <= 7) {
          // A large range: walked in index order, stopping after `limit` rows, with no sort.
          assert.match(text, /Index Scan Backward using tasks_created_at_id_idx on tasks/, where);
          assert.doesNotMatch(text, /Sort\b/, where);
        } else {
          // A small range: the planner may read it all through the same index (a bitmap scan) and sort that.
          assert.match(text, /Bitmap Index Scan on tasks_created_at_id_idx|Index Scan Backward using tasks_created_at_id_idx on tasks/, where);
        }
        assert.doesNotMatch(text, /Seq Scan on tasks\b/, where);
        assert.doesNotMatch(text, /task_logs/, `${where}\n(log lines are the foreign key's cascade, not a part of the statement)`);
      }
      // The foreign key's cascade deletes each task's lines with this statement (Postgres's RI trigger
      // form), prepared once for any id: its generic plan is what runs.
      await db.connection().execute(async (conn) => {
        await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
        await sql`prepare cascade_delete(uuid) as delete from only task_logs where $1 = task_id`.execute(conn);
        const { rows } = await sql<{ "QUERY PLAN": string }>`explain execute cascade_delete(${sql.lit(newTask().id)})`.execute(conn);
        const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
        t.diagnostic(`the cascade: ${text.replaceAll("\n", " / ")}`);
        assert.match(text, /Index Scan using task_logs_task_idx on task_logs|Bitmap Index Scan on task_logs_task_idx/, text);
        assert.doesNotMatch(text, /Seq Scan/, text);
      });
    });
  });

  test("skips rows another connection holds locked (FOR UPDATE, or a log insert's FOR KEY SHARE) instead of waiting", async () => {
    await withFreshDb(async (db, url) => {
      const [updated, keyShared, free] = [newTask(), newTask(), newTask()];
      const tasks = [updated, keyShared, free];
      await insertTaskRows(db, tasks);
      await sql`update tasks set status = 'REVOKED', finished_at = now() where id = any(${tasks.map((t) => t.id)}::uuid[])`.execute(db);
      await backdate(db, tasks.map((t) => t.id));
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await other.query("begin");
        await other.query("select 1 from tasks where id = $1 for update", [updated.id]);
        await other.query("select 1 from tasks where id = $1 for key share", [keyShared.id]);
        const cutoff = new Date(Date.now() - 3_600_000);
        const deleted = await db.connection().execute(async (conn) => {
          // Waiting for either lock would hold the statement until the other transaction ends: fail fast instead.
          await sql`set lock_timeout = '2s'`.execute(conn);
          return deleteFinishedTaskRows(conn, cutoff, 1000);
        });
        assert.equal(deleted, 1);
        const { rows } = await sql<{ id: string }>`select id from tasks order by id`.execute(db);
        assert.deepEqual(rows.map((r) => r.id).sort(), [updated.id, keyShared.id].sort(), `only the free row (${free.id}) was to go`);
        await other.query("rollback");
        assert.equal(await deleteFinishedTaskRows(db, cutoff, 1000), 2, "once released, the next call takes them");
      } finally {
        await other.end();
      }
    });
  });
});
