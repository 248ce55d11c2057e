import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// Schedules: each submits a task type with fixed args on a cron expression or
// an interval. Servers claim due rows with FOR UPDATE SKIP LOCKED; the partial
// index holds only the rows that can become due (not paused), by next tick.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("schedules")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("args", "jsonb", (c) => c.notNull())
    .addColumn("cron", "text")
    .addColumn("time_zone", "text", (c) => c.notNull().defaultTo("UTC"))
    .addColumn("interval_ms", "int4")
    .addColumn("catch_up", "text", (c) => c.notNull().defaultTo("ONE"))
    .addColumn("paused", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("next_run_at", sql`timestamptz(3)`)
    .addColumn("last_run_at", sql`timestamptz(3)`)
    .addColumn("last_task_id", "uuid")
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("permission", "text")
    .addColumn("max_retries", "int4")
    .addColumn("timeout_ms", "int4")
    .addColumn("created_at", sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint("schedules_timing_check", sql`(cron is null) <> (interval_ms is null)`)
    .addCheckConstraint("schedules_interval_check", sql`interval_ms is null or interval_ms >= 1000`)
    .addCheckConstraint("schedules_catch_up_check", sql`catch_up in ('ONE', 'NONE')`)
    .addCheckConstraint("schedules_args_object_check", sql`jsonb_typeof(args) = 'object'`)
    .execute();
  await sql`create index schedules_due_idx on schedules (next_run_at) where not paused`.execute(db);
  await db.schema.createIndex("schedules_owner_idx").on("schedules").columns(["owner", "created_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("schedules").execute();
}
