import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql, type Kysely, type RawBuilder } from "kysely";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { STATS_LOOKBACK_SECONDS } from "../task-stats.js";
import type { Database } from "./database.js";
import { createKyselyForUrl } from "./kysely-for-url.js";
import { migrateToLatest } from "./migrate-to-latest.js";
import { queueStatsStatement, taskStatsStatement } from "./task-stats.repository.js";

// What the contract tests cannot show: the plans the monitoring reads get on
// a big table. They must read a range of an index (created_at for the
// statistics, status for the queues), never the whole table: a dashboard
// or a Prometheus scrape calls them every few seconds beside the workers.

const { freshDatabase } = usePrivatePostgres("task_stats_test");

async function withFreshDb<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const url = await freshDatabase();
  const db = createKyselyForUrl(url, { poolSize: 1 });
  try {
    await migrateToLatest(db);
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** The plan text of `statement`, as EXPLAIN prints it. */
async function explain(db: Kysely<Database>, statement: RawBuilder<unknown>): Promise<string> {
  const { rows } = await sql<{ "QUERY PLAN": string }>`explain ${statement}`.execute(db);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("the monitoring reads on Postgres", () => {
  test("on 200,000 tasks: statistics read a created_at range, queue depths the status index, both also as generic plans", async (t) => {
    await withFreshDb(async (db) => {
      // 200,000 tasks over about 46 hours, one every 0.83 s, newest now; every 1000th unfinished; a tenth owned by alice.
      await sql`
        insert into tasks (id, type, queue, status, args, owner, created_at, started_at, finished_at)
        select gen_random_uuid(), 'demo.main.add', case when i % 3 = 0 then 'other' else 'default' end,
               case when i % 1000 = 0 then 'PENDING' when i % 1000 = 1 then 'STARTED' when i % 7 = 0 then 'FAILURE' else 'SUCCESS' end,
               '{"x":1,"y":2}', case when i % 10 = 0 then 'alice' end,
               now() - i * interval '830 milliseconds',
               case when i % 1000 <> 0 then now() - i * interval '830 milliseconds' + interval '100 milliseconds' end,
               case when i % 1000 > 1 then now() - i * interval '830 milliseconds' + interval '900 milliseconds' end
        from generate_series(1, 200000) as i`.execute(db);
      await sql`analyze tasks`.execute(db);

      const statements: [string, RawBuilder<unknown>, RegExp][] = [
        ["statistics", taskStatsStatement({ bucketSeconds: 10, buckets: 60, lookbackSeconds: STATS_LOOKBACK_SECONDS }), /tasks_created_at_id_idx/],
        ["statistics of alice", taskStatsStatement({ bucketSeconds: 10, buckets: 60, lookbackSeconds: STATS_LOOKBACK_SECONDS, owner: "alice" }), /tasks_owner_created_idx/],
        ["queues", queueStatsStatement(), /tasks_status_created_at_id_idx/],
        ["queues of alice", queueStatsStatement("alice"), /tasks_(status|owner)_created(_at_id)?_idx/],
      ];
      for (const [what, statement, index] of statements) {
        const text = await explain(db, statement);
        if (what === "statistics") for (const line of text.split("\n")) t.diagnostic(line);
        assert.match(text, index, `${what}:\n${text}`);
        assert.doesNotMatch(text, /Seq Scan on tasks\b/, `${what}:\n${text}`);
      }

      // As the store runs them: prepared, generic plans, no seq scans (kysely-for-url.ts), made before the table grew.
      await db.connection().execute(async (conn) => {
        await sql`set plan_cache_mode = force_generic_plan`.execute(conn);
        await sql`set enable_seqscan = off`.execute(conn);
        for (const [what, statement, index] of statements) {
          const compiled = statement.compile(conn);
          const name = `stats_${what.replaceAll(" ", "_")}`;
          await sql.raw(`prepare ${name} as ${compiled.sql}`).execute(conn);
          const args = compiled.parameters.map(() => "null").join(", ");
          const { rows } = await sql.raw<{ "QUERY PLAN": string }>(`explain execute ${name}${args ? `(${args})` : ""}`).execute(conn);
          const text = rows.map((r) => r["QUERY PLAN"]).join("\n");
          assert.match(text, index, `${what} (generic):\n${text}`);
          assert.doesNotMatch(text, /Seq Scan on tasks\b/, `${what} (generic):\n${text}`);
        }
      });

      // The answer on this table: the tasks of the last ten minutes, about 1.2 a second.
      const started = performance.now();
      const { rows } = await taskStatsStatement({ bucketSeconds: 10, buckets: 60, lookbackSeconds: STATS_LOOKBACK_SECONDS }).execute(db);
      t.diagnostic(`statistics over 10 minutes + ${STATS_LOOKBACK_SECONDS} s of lookback read in ${(performance.now() - started).toFixed(0)} ms`);
      const submitted = rows.reduce((n, r) => n + Number(r.submitted), 0);
      assert.ok(submitted >= 700 && submitted <= 740, `submitted ${submitted}`);
    });
  });
});
