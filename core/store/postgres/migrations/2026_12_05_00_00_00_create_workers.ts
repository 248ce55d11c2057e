import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// The worker registry: every worker process upserts its row at start and at
// each registry heartbeat (in-flight count, heartbeat_at = the store's now),
// and deletes it when it stops cleanly; a row whose heartbeats stopped
// belongs to a worker that died. A few rows, written every few seconds:
// no index beyond the key, and nothing on the tasks table's hot path.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("workers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("hostname", "text", (c) => c.notNull())
    .addColumn("pid", "int4", (c) => c.notNull())
    .addColumn("queues", "jsonb", (c) => c.notNull())
    .addColumn("task_types", "jsonb", (c) => c.notNull())
    .addColumn("concurrency", "int4", (c) => c.notNull())
    .addColumn("in_flight", "int4", (c) => c.notNull())
    // Its own heartbeat interval: alive while the last heartbeat is younger than three of them.
    .addColumn("heartbeat_ms", "int4", (c) => c.notNull())
    .addColumn("started_at", sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn("heartbeat_at", sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("workers_queues_array_check", sql`jsonb_typeof(queues) = 'array'`)
    .addCheckConstraint("workers_task_types_array_check", sql`jsonb_typeof(task_types) = 'array'`)
    .addCheckConstraint("workers_heartbeat_ms_check", sql`heartbeat_ms > 0`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("workers").execute();
}
