import assert from "node:assert/strict";
import { test } from "node:test";
import { sql } from "kysely";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { newTask } from "../task-store-contract.js";
import { createPostgresTaskStore } from "./postgres-task-store.js";

// The store's statements are prepared once per connection and keep their
// generic plan until the table's statistics change (kysely-for-url.ts). A
// plan made while a table is small must still find rows through an index
// once it has grown: a soak on a fresh database once read all of `tasks`
// in every claim (a join planned as a full scan at 100 rows), and finished
// 760 tasks/s instead of 1,000 with a backlog of 7,000 until autovacuum's
// next analyze. This test plans every batch statement on a small table
// that was never analyzed, as a fresh install does, and reads the plans.

const { freshDatabase } = usePrivatePostgres("generic_plans_test");

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Plans?: PlanNode[];
}

/** Every scan in `node` that reads a whole table or index of the store instead of looking rows up. */
function fullScans(node: PlanNode, out: string[] = []): string[] {
  const type = node["Node Type"];
  const relation = node["Relation Name"];
  if (relation !== undefined && /^task/.test(relation)) {
    if (type === "Seq Scan") out.push(`Seq Scan on ${relation}`);
    if ((type === "Index Scan" || type === "Index Only Scan") && node["Index Cond"] === undefined) out.push(`${type} on ${relation} without a condition`);
    if (type === "Bitmap Heap Scan" && node["Recheck Cond"] === undefined) out.push(`Bitmap Heap Scan on ${relation} without a condition`);
  }
  for (const child of node.Plans ?? []) fullScans(child, out);
  return out;
}

test("every batch statement, planned while tasks was small, looks its rows up through an index", async () => {
  // One connection: every statement below is prepared on it, and pg_prepared_statements shows that session's.
  const store = await createPostgresTaskStore({ databaseUrl: await freshDatabase(), poolSize: 1 });
  try {
    const tasks = Array.from({ length: 60 }, () => newTask());
    await store.insertTasks(tasks);
    const [a, b, c, d] = tasks;
    await store.markPublished(tasks.map((t) => t.id));
    await store.startTasks([a!, b!, c!].map((t) => ({ id: t.id, worker: "w1" })));
    await store.recordProgress([{ id: a!.id, attempt: 1, fraction: 0.5, message: "half" }]);
    await store.appendLogs([{ taskId: a!.id, attempt: 1, level: "info", message: "hello", at: new Date() }]);
    await store.finishTasks([{ id: a!.id, attempt: 1, status: "SUCCESS", result: { ok: true } }]);
    await store.releaseTasks([{ id: b!.id, attempt: 1 }]);
    await store.deferUnservedTasks([d!.id], { firstDelayMs: 1000, maxDelayMs: 60_000, maxHandbacks: 5, maxAgeMs: 3_600_000 });
    await store.awaitingDispatch([c!.id]);
    await store.getTask(c!.id);
    await store.expireTasks(100);
    await store.deleteFinishedTasks(new Date(), 100);
    await store.dispatchUnpublished(100, 0, async () => {});

    const { rows } = await sql<{ name: string; statement: string }>`
      select name, statement from pg_prepared_statements
      where statement ~ '(unnest|any|array)\\(' and statement ~ '\\mtask'`.execute(store.db);
    // claim, finish, release, unserved, progress, logs, outbox delete, awaiting dispatch, insert, expiry, retention at least.
    assert.ok(rows.length >= 10, `only ${rows.length} batch statements were prepared`);
    const found: string[] = [];
    for (const row of rows) {
      const params = (row.statement.match(/\$\d+/g) ?? []).reduce((n, p) => Math.max(n, Number(p.slice(1))), 0);
      const args = Array.from({ length: params }, () => "null").join(", ");
      const plan = await sql.raw<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`explain (format json) execute ${row.name}(${args})`).execute(store.db);
      for (const scan of fullScans(plan.rows[0]!["QUERY PLAN"][0].Plan)) {
        found.push(`${scan} in: ${row.statement.replace(/\s+/g, " ").trim().slice(0, 120)}…`);
      }
    }
    assert.deepEqual(found, []);
  } finally {
    await store.close();
  }
});

test("the monitoring reads (statistics, queue depths, task lists by time), planned while tasks was small, use an index too", async () => {
  const store = await createPostgresTaskStore({ databaseUrl: await freshDatabase(), poolSize: 1 });
  try {
    const tasks = Array.from({ length: 60 }, (_, i) => newTask({ owner: i % 2 === 0 ? "alice" : null }));
    await store.insertTasks(tasks);
    await store.startTasks(tasks.slice(0, 5).map((t) => ({ id: t.id, worker: "w1" })));
    await store.taskStats({ windowSeconds: 600, bucketSeconds: 10 });
    await store.taskStats({ windowSeconds: 600, bucketSeconds: 10, owner: "alice" });
    await store.queueStats({ owner: "alice" });
    await store.listTasks({ limit: 10, createdAfter: new Date(Date.now() - 60_000), createdBefore: new Date() });
    await store.listTasks({ limit: 10, owner: "alice", createdAfter: new Date(Date.now() - 60_000) });

    const { rows } = await sql<{ name: string; statement: string }>`
      select name, statement from pg_prepared_statements
      where statement ~ 'percentile_cont|oldest_waiting_seconds|"created_at" >= '`.execute(store.db);
    // Statistics (all, one owner), queues of one owner, two task lists.
    assert.equal(rows.length, 5, rows.map((r) => r.statement).join("\n---\n"));
    const found: string[] = [];
    for (const row of rows) {
      const params = (row.statement.match(/\$\d+/g) ?? []).reduce((n, p) => Math.max(n, Number(p.slice(1))), 0);
      const args = Array.from({ length: params }, () => "null").join(", ");
      const plan = await sql.raw<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`explain (format json) execute ${row.name}(${args})`).execute(store.db);
      for (const scan of fullScans(plan.rows[0]!["QUERY PLAN"][0].Plan)) {
        found.push(`${scan} in: ${row.statement.replace(/\s+/g, " ").trim().slice(0, 120)}…`);
      }
    }
    assert.deepEqual(found, []);
  } finally {
    await store.close();
  }
});
