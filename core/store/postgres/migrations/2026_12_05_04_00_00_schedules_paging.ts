import type { Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// ListSchedules pages oldest first by (created_at, id) from a cursor. A
// user's listing walks (owner, created_at, id), which replaces the old
// (owner, created_at) index (its prefix serves whatever that one served);
// an admin's listing has no owner filter and walks (created_at, id). Both
// let one query start at the cursor and stop after a page, however many
// schedules there are.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("schedules_owner_page_idx").on("schedules").columns(["owner", "created_at", "id"]).execute();
  await db.schema.dropIndex("schedules_owner_idx").execute();
  await db.schema.createIndex("schedules_page_idx").on("schedules").columns(["created_at", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("schedules_page_idx").execute();
  await db.schema.createIndex("schedules_owner_idx").on("schedules").columns(["owner", "created_at"]).execute();
  await db.schema.dropIndex("schedules_owner_page_idx").execute();
}
