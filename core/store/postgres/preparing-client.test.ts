import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { createKyselyForUrl } from "./kysely-for-url.js";

// On a real Postgres server: what the connection has prepared, as
// pg_prepared_statements shows it (protocol-level statements appear there).

const { freshDatabase } = usePrivatePostgres("preparing_client_test");

describe("prepared statements (createKyselyForUrl)", () => {
  test("a parameterized statement is prepared once per connection and reused; one without parameters is not prepared", async () => {
    // One connection, so every query below runs on the same session.
    const db = createKyselyForUrl(await freshDatabase(), { poolSize: 1 });
    try {
      for (let i = 0; i < 3; i++) await sql`select ${i}::int + 1 as n`.execute(db);
      await sql`select ${"x"}::text || 'y' as s`.execute(db);
      await sql`select 42 as plain`.execute(db);
      const { rows } = await sql<{ statement: string; generic_plans: string; custom_plans: string }>`
        select statement, generic_plans, custom_plans from pg_prepared_statements order by statement`.execute(db);
      assert.deepEqual(
        rows.map((r) => r.statement),
        ["select $1::int + 1 as n", "select $1::text || 'y' as s"],
      );
      // Planned once, as a generic plan, and executed three times.
      const first = rows[0]!;
      assert.equal(Number(first.generic_plans), 3);
      assert.equal(Number(first.custom_plans), 0);
      const { rows: mode } = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db);
      assert.equal(mode[0]!.plan_cache_mode, "force_generic_plan");
    } finally {
      await db.destroy();
    }
  });

  test("a generic plan made while a table was small still finds rows through its index once the table has grown", async () => {
    const db = createKyselyForUrl(await freshDatabase(), { poolSize: 1 });
    try {
      await sql`create table grows (id uuid primary key, payload text not null)`.execute(db);
      await sql`insert into grows select gen_random_uuid(), repeat('x', 100) from generate_series(1, 200)`.execute(db);
      await sql`analyze grows`.execute(db);
      const ids = [crypto.randomUUID()];
      // Prepared and planned now, with 200 rows: reading the whole table would be the cheapest plan.
      await sql`select id from grows where id = any(${ids}::uuid[]) order by id for update`.execute(db);
      await sql`insert into grows select gen_random_uuid(), repeat('x', 100) from generate_series(1, 50000)`.execute(db);
      const { rows } = await sql<{ name: string }>`
        select name from pg_prepared_statements where statement like 'select id from grows%'`.execute(db);
      assert.equal(rows.length, 1);
      // The plan the statement keeps using (no analyze since: the table's statistics still say 200 rows).
      const plan = await sql.raw<{ "QUERY PLAN": string }>(`explain (costs off) execute ${rows[0]!.name}('{}')`).execute(db);
      const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
      assert.doesNotMatch(text, /Seq Scan/);
      assert.match(text, /Index/);
      const { rows: setting } = await sql<{ enable_seqscan: string }>`show enable_seqscan`.execute(db);
      assert.equal(setting[0]!.enable_seqscan, "off");
    } finally {
      await db.destroy();
    }
  });

  test("preparedStatements: false leaves every statement unnamed and the plan cache mode as it is", async () => {
    const db = createKyselyForUrl(await freshDatabase(), { poolSize: 1, preparedStatements: false });
    try {
      for (let i = 0; i < 3; i++) await sql`select ${i}::int + 1 as n`.execute(db);
      const { rows } = await sql<{ n: string }>`select count(*) as n from pg_prepared_statements`.execute(db);
      assert.equal(Number(rows[0]!.n), 0);
      const { rows: mode } = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db);
      assert.equal(mode[0]!.plan_cache_mode, "auto");
    } finally {
      await db.destroy();
    }
  });
});
