import { sql, type Kysely } from "kysely";

// Delayed runs (`run_at`: not before this time) and idempotency keys: a key
// names one task per submitter (owner; '' for anonymous), so a client that
// repeats a submit gets the same task back.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("run_at", sql`timestamptz(3)`).execute();
  await db.schema.alterTable("tasks").addColumn("idempotency_key", "text").execute();
  await sql`create unique index tasks_idempotency_idx on tasks ((coalesce(owner, '')), idempotency_key)
            where idempotency_key is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_idempotency_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("idempotency_key").execute();
  await db.schema.alterTable("tasks").dropColumn("run_at").execute();
}
