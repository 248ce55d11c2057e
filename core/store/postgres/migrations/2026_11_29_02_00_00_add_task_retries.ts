import { sql, type Kysely } from "kysely";

// Retries: every failed attempt's error is kept (`errors`, oldest first), and
// a submission may override its type's retry count (`max_retries`; NULL: the
// type's default, which workers know from the task definition).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("errors", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
  await db.schema.alterTable("tasks").addColumn("max_retries", "integer").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").dropColumn("max_retries").execute();
  await db.schema.alterTable("tasks").dropColumn("errors").execute();
}
