import { type Kysely } from "kysely";

// Attempts whose worker vanished (claimed again while still STARTED: the
// worker crashed, was killed, or lost its connections). A task that keeps
// killing its workers is failed instead of being redelivered forever.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").addColumn("lost_attempts", "integer", (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").dropColumn("lost_attempts").execute();
}
