import { sql, type Kysely } from "kysely";

// A message of a task type that the worker receiving it does not have is not
// handed back to JetStream with a delay (a delayed nak keeps the message
// pending, and enough of them fill the consumer's max_ack_pending, starving
// every task the workers can run). The worker parks the row instead: it is
// unpublished again with `dispatch_after` set, so the outbox dispatcher
// queues it anew after a growing delay, and it ends FAILURE NoWorkerForType
// once `unserved_handbacks` or the time since `unserved_since` passes the bound.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("unserved_handbacks", "int4", (c) => c.notNull().defaultTo(0))
    .addColumn("unserved_since", sql`timestamptz(3)`)
    .addColumn("dispatch_after", sql`timestamptz(3)`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").dropColumn("dispatch_after").dropColumn("unserved_since").dropColumn("unserved_handbacks").execute();
}
