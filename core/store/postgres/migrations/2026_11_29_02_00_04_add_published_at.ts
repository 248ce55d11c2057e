import { sql, type Kysely } from "kysely";

// Transactional outbox: a task row is committed first, its message published
// after; `published_at` stays NULL until the queue has the message, so a
// dispatcher can publish rows left behind (queue down at submit time, or the
// server killed between commit and publish).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("published_at", sql`timestamptz(3)`).execute();
  // Rows from before the outbox were published when they were submitted.
  await sql`update tasks set published_at = created_at`.execute(db);
  await sql`create index tasks_unpublished_idx on tasks (created_at) where published_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_unpublished_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("published_at").execute();
}
