import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { sql } from "kysely";
import { usePrivatePostgres } from "../../test/harness/private-postgres.js";
import { freshPgliteDataDir } from "../../test/support/pglite-template.js";
import { describeLimitStoreContract } from "./limit-store-contract.js";
import { openPgliteDatabase } from "./pglite/pglite-database.js";
import { createTaskStoreOnPglite } from "./pglite/pglite-task-store.js";
import { createKyselyForUrl } from "./postgres/kysely-for-url.js";
import { createPostgresTaskStore } from "./postgres/postgres-task-store.js";

// Concurrency leases and token buckets on both stores. On Postgres, three
// stores with their own pools stand in for three processes; PGlite has one
// session (another process cannot open its folder), so its calls only
// interleave between transactions.

const { freshDatabase } = usePrivatePostgres("limits_test");

describeLimitStoreContract("Postgres store: concurrency leases and rate limits", async () => {
  const url = await freshDatabase();
  const store = await createPostgresTaskStore({ databaseUrl: url });
  const others = await Promise.all([1, 2].map(() => createPostgresTaskStore({ databaseUrl: url, poolSize: 4 })));
  return {
    store,
    others,
    withDb: async (fn) => {
      const db = createKyselyForUrl(url, { poolSize: 1 });
      try {
        return await fn(db);
      } finally {
        await db.destroy();
      }
    },
    cleanup: async () => {},
  };
});

describeLimitStoreContract("PGlite store: concurrency leases and rate limits", async () => {
  const dataDir = await freshPgliteDataDir();
  const database = await openPgliteDatabase({ dataDir });
  return {
    store: await createTaskStoreOnPglite(database),
    others: [],
    withDb: (fn) => fn(database.db),
    cleanup: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

/** Scans of the limit tables that read them whole (the sessions run with enable_seqscan off, so one costs 1e10 and JIT). */
function fullScans(node: PlanNode, out: string[] = []): string[] {
  const relation = node["Relation Name"];
  if (relation === "concurrency_leases" || relation === "rate_limits") {
    if (node["Node Type"] === "Seq Scan") out.push(`Seq Scan on ${relation}`);
    if (node["Node Type"].startsWith("Index") && node["Index Cond"] === undefined) out.push(`${node["Node Type"]} on ${relation} without a condition`);
  }
  for (const child of node.Plans ?? []) fullScans(child, out);
  return out;
}

test("every limit statement, planned generic on small tables, looks its rows up through an index", async () => {
  const store = await createPostgresTaskStore({ databaseUrl: await freshDatabase(), poolSize: 1 });
  try {
    const taskId = randomUUID();
    await store.acquireLeases([{ type: "t", key: "k", taskId, max: 2, holder: "w", ttlMs: 1000 }]);
    await store.renewLeases([{ taskId, holder: "w" }], 1000);
    await store.releaseLeases([{ taskId, holder: "w" }]);
    await store.takeTokens([{ type: "t", perSecond: 1, burst: 1 }]);
    await store.takeTokens([{ type: "t", perSecond: 1, burst: 1 }]);
    const { rows } = await sql<{ name: string; statement: string }>`
      select name, statement from pg_prepared_statements where statement ~ '(concurrency_leases|rate_limits)'`.execute(store.db);
    assert.ok(rows.length >= 6, `only ${rows.length} limit statements were prepared`);
    const found: string[] = [];
    for (const row of rows) {
      const params = (row.statement.match(/\$\d+/g) ?? []).reduce((n, p) => Math.max(n, Number(p.slice(1))), 0);
      const args = Array.from({ length: params }, () => "null").join(", ");
      const plan = await sql.raw<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`explain (format json) execute ${row.name}(${args})`).execute(store.db);
      for (const scan of fullScans(plan.rows[0]!["QUERY PLAN"][0].Plan)) found.push(`${scan} in: ${row.statement.replace(/\s+/g, " ").trim().slice(0, 120)}…`);
    }
    assert.deepEqual(found, []);
  } finally {
    await store.close();
  }
});
