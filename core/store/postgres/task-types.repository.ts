import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { Database } from "./database.js";
import type { InsertableTaskTypeRow, TaskTypeRow } from "./task-types.table.js";

// SQL only: functions take the database (or a transaction) first.

/**
 * Inserts or refreshes catalog rows in one statement; `updated_at` becomes
 * now() either way. Names must be distinct (Postgres refuses to update one
 * row twice in one statement).
 */
export async function upsertTaskTypeRows(db: Kysely<Database>, rows: readonly InsertableTaskTypeRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("task_types")
    .values(rows.map((r) => ({ ...r, updated_at: sql<Date>`now()` })))
    .onConflict((oc) =>
      oc.column("name").doUpdateSet((eb) => ({
        queue: eb.ref("excluded.queue"),
        protected: eb.ref("excluded.protected"),
        args_schema: eb.ref("excluded.args_schema"),
        description: eb.ref("excluded.description"),
        pack: eb.ref("excluded.pack"),
        pack_version: eb.ref("excluded.pack_version"),
        priority: eb.ref("excluded.priority"),
        updated_at: eb.ref("excluded.updated_at"),
      })),
    )
    .execute();
}

/** The whole catalog, ordered by name. */
export async function selectTaskTypeRows(db: Kysely<Database>): Promise<TaskTypeRow[]> {
  return db.selectFrom("task_types").selectAll().orderBy("name").execute();
}
