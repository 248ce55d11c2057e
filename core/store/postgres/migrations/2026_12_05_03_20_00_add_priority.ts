import { sql, type Kysely } from "kysely";

// Priorities: 1 to 10, 10 highest, 5 by default. A task type declares its
// default (task_types.priority, registered by workers); a submission may
// override it, and the task's row keeps the priority it was queued with
// (tasks.priority), so every later queueing of it (a retry, the outbox
// dispatcher, recovery after a restart) sends it at the same level. Existing
// rows and messages already queued are 5: the level whose queue subject did
// not change. The checks keep a stray write from smuggling in a level no
// consumer reads.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("priority", "int2", (c) => c.notNull().defaultTo(5).check(sql`priority between 1 and 10`))
    .execute();
  await db.schema
    .alterTable("task_types")
    .addColumn("priority", "int2", (c) => c.notNull().defaultTo(5).check(sql`priority between 1 and 10`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("task_types").dropColumn("priority").execute();
  await db.schema.alterTable("tasks").dropColumn("priority").execute();
}
