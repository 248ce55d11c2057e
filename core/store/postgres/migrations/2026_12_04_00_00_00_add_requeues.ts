import type { Kysely } from "kysely";

// A task put back in the queue by hand (retry) is published by the retry
// itself and, if that is slow or fails, by the outbox dispatcher. Both must
// give the message the same deduplication id, so that the queue keeps one
// copy (two copies of a running task make the second claim count a lost
// attempt and run it again); and it must differ from every earlier
// message's id of the same task, or the queue drops the new one as a
// repeat. `requeues` counts the retries, so (id, requeues, handbacks)
// names each queueing of a task once.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("requeues", "int4", (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("tasks").dropColumn("requeues").execute();
}
