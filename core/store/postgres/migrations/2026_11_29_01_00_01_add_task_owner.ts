import { sql, type Kysely } from "kysely";

// Who submitted a task and with which permission: the server enforces
// ownership with `owner`, and a worker refuses a protected task whose row
// lacks `permission` (so a message published by hand cannot bypass the API).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("owner", "text").execute();
  await db.schema.alterTable("tasks").addColumn("permission", "text").execute();
  await sql`create index tasks_owner_created_idx on tasks (owner, created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_owner_created_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("permission").execute();
  await db.schema.alterTable("tasks").dropColumn("owner").execute();
}
