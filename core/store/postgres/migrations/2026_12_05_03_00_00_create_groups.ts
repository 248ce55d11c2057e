import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// Groups (fan-out / fan-in): a `task_groups` row per group, and on `tasks`
// the member's group and index, and the group a gather task gathers.
//
// The fan-in is a trigger, not application code, because every path that
// moves a task into or out of a final status (a worker's outcome, a cancel,
// a bulk action, expiry, a retry, an unserved handback that gives up, and
// whatever is added later) must keep the group's counters right, in the
// same transaction. Its WHEN clause keeps it off the hot path: for a task
// that is not a member (group_id null) the function is never called.
//
// `remaining` counts members not final; `failed` those final but not
// SUCCESS. When `remaining` reaches 0 the group is final, and if it has a
// gather spec the gather task is inserted (PENDING, with a held outbox row
// due now, so the outbox dispatcher queues it) and named in gather_task_id:
// the group row is locked by the counter's update, so this happens exactly
// once per time the group becomes final (again after a RetryGroup).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("task_groups")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("owner", "text")
    .addColumn("total", "int4", (c) => c.notNull())
    .addColumn("remaining", "int4", (c) => c.notNull())
    .addColumn("failed", "int4", (c) => c.notNull().defaultTo(0))
    .addColumn("cancelled", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("RUNNING"))
    .addColumn("max_retries", "int4")
    .addColumn("timeout_ms", "int4")
    .addColumn("idempotency_key", "text")
    .addColumn("gather_type", "text")
    .addColumn("gather_args", "jsonb")
    .addColumn("gather_queue", "text")
    .addColumn("gather_permission", "text")
    .addColumn("gather_max_retries", "int4")
    .addColumn("gather_timeout_ms", "int4")
    .addColumn("gather_task_id", "uuid")
    .addColumn("created_at", sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", sql`timestamptz(3)`)
    .addCheckConstraint("task_groups_status_check", sql`status in ('RUNNING', 'SUCCESS', 'FAILURE', 'REVOKED')`)
    .addCheckConstraint("task_groups_counts_check", sql`remaining between 0 and total and failed between 0 and total`)
    .addCheckConstraint("task_groups_gather_check", sql`(gather_type is null) = (gather_queue is null)`)
    .execute();
  await sql`
    create unique index task_groups_idempotency_idx on task_groups ((coalesce(owner, '')), idempotency_key)
    where idempotency_key is not null
  `.execute(db);

  await sql`alter table tasks add column group_id uuid, add column group_index int4, add column gather_of uuid`.execute(db);
  // Members in index order (GetGroup's pages, the gather's input) and per group by status (counts).
  await sql`create unique index tasks_group_member_idx on tasks (group_id, group_index) where group_id is not null`.execute(db);
  // A group's members in the order bulk batches page (created_at desc, id desc): CancelGroup and RetryGroup.
  await sql`create index tasks_group_page_idx on tasks (group_id, created_at desc, id desc) where group_id is not null`.execute(db);

  await sql`
    create function task_groups_fan_in() returns trigger language plpgsql as $$
    declare
      was_final boolean := old.status in ('SUCCESS', 'FAILURE', 'REVOKED');
      is_final boolean := new.status in ('SUCCESS', 'FAILURE', 'REVOKED');
      d_remaining int4 := (case when was_final then 1 else 0 end) - (case when is_final then 1 else 0 end);
      d_failed int4 := (case when new.status in ('FAILURE', 'REVOKED') then 1 else 0 end)
                     - (case when old.status in ('FAILURE', 'REVOKED') then 1 else 0 end);
      new_gather uuid := gen_random_uuid();
      g task_groups%rowtype;
    begin
      update task_groups as tg
      set remaining = tg.remaining + d_remaining,
          failed = tg.failed + d_failed,
          status = case when tg.remaining + d_remaining > 0 then 'RUNNING'
                        when tg.cancelled then 'REVOKED'
                        when tg.failed + d_failed = 0 then 'SUCCESS'
                        else 'FAILURE' end,
          finished_at = case when tg.remaining + d_remaining > 0 then null
                             when tg.remaining > 0 then now()
                             else tg.finished_at end,
          -- Final just now, with a gather and not cancelled: this transaction inserts the gather task.
          gather_task_id = case when tg.remaining > 0 and tg.remaining + d_remaining = 0
                                     and tg.gather_type is not null and not tg.cancelled then new_gather
                                else tg.gather_task_id end
      where tg.id = new.group_id
      returning tg.* into g;
      if found and g.gather_task_id = new_gather then
        insert into tasks (id, type, queue, status, args, owner, permission, max_retries, timeout_ms, gather_of)
        values (new_gather, g.gather_type, g.gather_queue, 'PENDING', g.gather_args, g.owner, g.gather_permission,
                g.gather_max_retries, g.gather_timeout_ms, g.id);
        -- Held and due now: the outbox dispatcher (or a worker's kick) queues it once this commits.
        insert into task_outbox (task_id, due_at, held) values (new_gather, now(), true);
      end if;
      return null;
    end
    $$
  `.execute(db);
  // Only transitions that change a counter call the function: a member into or out of SUCCESS, or into or
  // out of FAILURE/REVOKED. PENDING → STARTED → RETRY and every non-member row stop at the WHEN clause.
  await sql`
    create trigger tasks_group_fan_in
    after update of status on tasks
    for each row
    when (new.group_id is not null and (
      (old.status = 'SUCCESS') <> (new.status = 'SUCCESS')
      or (old.status in ('FAILURE', 'REVOKED')) <> (new.status in ('FAILURE', 'REVOKED'))))
    execute function task_groups_fan_in()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger tasks_group_fan_in on tasks`.execute(db);
  await sql`drop function task_groups_fan_in()`.execute(db);
  await sql`drop index tasks_group_page_idx`.execute(db);
  await sql`drop index tasks_group_member_idx`.execute(db);
  await sql`alter table tasks drop column group_id, drop column group_index, drop column gather_of`.execute(db);
  await db.schema.dropTable("task_groups").execute();
}
