import { sql, type Kysely } from "kysely";

// The transactional outbox moves out of the tasks table. A row there said
// "not published yet" with `published_at` null, so every submit wrote its
// task row twice: the insert, then an update once the message was out — a
// whole new version of the row (args and all) and an entry in every index,
// since published_at sits in the partial indexes' predicates. Now the
// insert also puts the task's id in `task_outbox` (one narrow row), and
// the publish deletes it: a delete marks a tuple, it writes no index.
// The table holds only tasks waiting to be queued: in flight from a submit,
// held for a later run_at, parked by a worker that lacked their type, or
// left behind by a server that died between commit and publish.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("task_outbox")
    .addColumn("task_id", "uuid", (c) => c.primaryKey())
    // When the dispatcher may queue it: a held row at this time, a submit's once this is `olderThanMs` past.
    .addColumn("due_at", sql`timestamptz(3)`, (c) => c.notNull())
    // Held (a later run_at, or parked): the submit does not publish it, and its publish does not delete it.
    .addColumn("held", "boolean", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("task_outbox_due_idx").on("task_outbox").column("due_at").execute();
  await sql`
    insert into task_outbox (task_id, due_at, held)
    select id, coalesce(dispatch_after, created_at), dispatch_after is not null
    from tasks where published_at is null and status in ('PENDING', 'RETRY')
  `.execute(db);
  await sql`drop index if exists tasks_unpublished_idx`.execute(db);
  await sql`drop index if exists tasks_dispatch_due_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("published_at").dropColumn("dispatch_after").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("tasks")
    .addColumn("published_at", sql`timestamptz(3)`)
    .addColumn("dispatch_after", sql`timestamptz(3)`)
    .execute();
  await sql`update tasks set published_at = now() where id not in (select task_id from task_outbox)`.execute(db);
  await sql`update tasks t set dispatch_after = o.due_at from task_outbox o where o.task_id = t.id and o.held`.execute(db);
  await sql`create index tasks_unpublished_idx on tasks (created_at) where published_at is null and dispatch_after is null`.execute(db);
  await sql`create index tasks_dispatch_due_idx on tasks (dispatch_after) where published_at is null and dispatch_after is not null`.execute(db);
  await db.schema.dropTable("task_outbox").execute();
}
