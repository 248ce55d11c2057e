import { sql, type Kysely } from "kysely";

// A message of a task type that the worker receiving it does not have is not
// handed back to JetStream with a delay (a delayed nak keeps the message
// pending, and enough of them fill the consumer's max_ack_pending, starving
// every task the workers can run). The worker parks the row instead: it is
// unpublished again with `dispatch_after` set, so the outbox dispatcher
// queues it anew after a growing delay, and it ends FAILURE NoWorkerForType
// once `unserved_handbacks` or the time since `unserved_since` passes the bound.
// A delayed task (run_at) waits the same way: its row is held unpublished
// with `dispatch_after` = run_at, instead of its message going round as
// delayed naks until it is due (which held those slots just the same).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("unserved_handbacks", "int4", (c) => c.notNull().defaultTo(0))
    .addColumn("unserved_since", sql`timestamptz(3)`)
    .addColumn("dispatch_after", sql`timestamptz(3)`)
    .execute();
  // The dispatcher's two kinds of rows, each with its own index: submits left
  // unpublished (by age), and rows held until a time (by that time), so a
  // million tasks held for tomorrow cost nothing to skip today.
  await sql`drop index if exists tasks_unpublished_idx`.execute(db);
  await sql`create index tasks_unpublished_idx on tasks (created_at) where published_at is null and dispatch_after is null`.execute(db);
  await sql`create index tasks_dispatch_due_idx on tasks (dispatch_after) where published_at is null and dispatch_after is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists tasks_dispatch_due_idx`.execute(db);
  await sql`drop index if exists tasks_unpublished_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("dispatch_after").dropColumn("unserved_since").dropColumn("unserved_handbacks").execute();
  await sql`create index tasks_unpublished_idx on tasks (created_at) where published_at is null`.execute(db);
}
