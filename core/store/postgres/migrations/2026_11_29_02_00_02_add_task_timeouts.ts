import { sql, type Kysely } from "kysely";

// Timeouts: `timeout_ms` limits one attempt's run time (NULL: the type's
// default); `expires_at` is the queue deadline: a task not started by then
// ends FAILURE Expired instead of running late.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("timeout_ms", "integer").execute();
  await db.schema.alterTable("tasks").addColumn("expires_at", sql`timestamptz(3)`).execute();
  await sql`create index tasks_expiring_idx on tasks (expires_at) where status = 'PENDING' and expires_at is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_expiring_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("expires_at").execute();
  await db.schema.alterTable("tasks").dropColumn("timeout_ms").execute();
}
