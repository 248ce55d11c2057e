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
