import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// Concurrency keys and rate limits, shared by every worker.
// - concurrency_leases: one row per task holding a slot of its (type, key);
//   a row past expires_at no longer counts (its worker died) and is dropped
//   by the next acquire of that key. task_id is text, not uuid: the queue may
//   carry any id, and the claim (not this table) decides whether it is known.
// - rate_limits: one token bucket per task type, refilled by the store's clock.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("concurrency_leases")
    .addColumn("task_id", "text", (c) => c.primaryKey())
    .addColumn("task_type", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("holder", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("concurrency_leases_key_idx").on("concurrency_leases").columns(["task_type", "key", "expires_at"]).execute();
  await db.schema
    .createTable("rate_limits")
    .addColumn("task_type", "text", (c) => c.primaryKey())
    .addColumn("tokens", "float8", (c) => c.notNull())
    .addColumn("refilled_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limits").execute();
  await db.schema.dropTable("concurrency_leases").execute();
}
