import { sql } from "kysely";
import type { Kysely } from "kysely";

// Frozen in time: this file must not import app code (statuses, types), and
// must stay plain SQL so it also runs on PGlite. Ids come from the app, so
// there is no uuid-generating default.

/** Creates `tasks` with its status check and the indexes that listTasks pages over. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tasks")
    .addColumn("id", "uuid", (col) => col.primaryKey())
    .addColumn("type", "text", (col) => col.notNull())
    .addColumn("queue", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("args", "jsonb", (col) => col.notNull())
    .addColumn("result", "jsonb")
    .addColumn("error", "jsonb")
    .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
    .addColumn("worker", "text")
    // Millisecond precision, like a JS Date: a list cursor made from a
    // returned Date then matches the stored value exactly.
    .addColumn("created_at", "timestamptz(3)", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("started_at", "timestamptz(3)")
    .addColumn("finished_at", "timestamptz(3)")
    .addCheckConstraint(
      "tasks_status_check",
      sql`status in ('PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED')`,
    )
    .addCheckConstraint("tasks_args_object_check", sql`jsonb_typeof(args) = 'object'`)
    .addCheckConstraint("tasks_attempts_check", sql`attempts >= 0`)
    .execute();

  // Newest-first keyset pagination, unfiltered and filtered by type or status.
  await db.schema.createIndex("tasks_created_at_id_idx").on("tasks").columns(["created_at desc", "id desc"]).execute();
  await db.schema
    .createIndex("tasks_type_created_at_id_idx")
    .on("tasks")
    .columns(["type", "created_at desc", "id desc"])
    .execute();
  await db.schema
    .createIndex("tasks_status_created_at_id_idx")
    .on("tasks")
    .columns(["status", "created_at desc", "id desc"])
    .execute();
}

/** Drops `tasks` and its indexes. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("tasks").execute();
}
