import { sql } from "kysely";
import type { Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

/** Creates `task_types`, the catalog workers register on start. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("task_types")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("queue", "text", (col) => col.notNull())
    .addColumn("protected", "boolean", (col) => col.notNull().defaultTo(false))
    .addColumn("args_schema", "jsonb", (col) => col.notNull())
    .addColumn("description", "text", (col) => col.notNull().defaultTo(""))
    .addColumn("pack", "text", (col) => col.notNull())
    .addColumn("pack_version", "text", (col) => col.notNull())
    .addColumn("updated_at", "timestamptz(3)", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

/** Drops `task_types`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("task_types").execute();
}
