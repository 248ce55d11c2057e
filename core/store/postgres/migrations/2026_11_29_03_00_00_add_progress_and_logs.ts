import { sql, type Kysely } from "kysely";

// Live progress: the latest `ctx.progress` of the running attempt is kept on
// the row, so a reader who was not watching sees it too. Log lines written
// with `ctx.log` go to their own table, at most 1000 per task; `seq` is a
// global cursor, so "lines after N" works across attempts and workers.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("progress", "float8", (c) => c.notNull().defaultTo(0))
    .addColumn("progress_message", "text", (c) => c.notNull().defaultTo(""))
    .execute();
  await db.schema
    .createTable("task_logs")
    .addColumn("seq", "bigserial", (c) => c.primaryKey())
    .addColumn("task_id", "uuid", (c) => c.notNull().references("tasks.id").onDelete("cascade"))
    .addColumn("attempt", "int4", (c) => c.notNull())
    .addColumn("level", "text", (c) => c.notNull())
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("at", sql`timestamptz(3)`, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("task_logs_task_idx").on("task_logs").columns(["task_id", "seq"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("task_logs").execute();
  await db.schema.alterTable("tasks").dropColumn("progress").dropColumn("progress_message").execute();
}
