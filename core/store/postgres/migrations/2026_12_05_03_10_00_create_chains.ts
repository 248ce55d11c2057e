import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// Chains: a list of steps, each a task whose result becomes one argument
// (`input_field`) of the next step's args. The `chains` row holds what is
// needed to create every later step (type, queue, fixed args, input_field,
// permission, retries, timeout: taken from the catalog at submit) and the
// chain's state; its steps are ordinary tasks marked with (chain_id,
// chain_step). The unique index on those two is what guarantees that no
// step is ever created twice, whatever runs twice.
//
// Progress is a row trigger on `tasks`, so it happens in the transaction of
// the step's final transition, whichever path made it (a worker's outcome, a
// cancel, expiry, a bulk action, an unserved type's failure): a crash
// between two steps cannot lose the next one. Its WHEN clause keeps it off
// every other task's path: Postgres evaluates it without calling the function.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("chains")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("owner", "text")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("RUNNING"))
    // RUNNING: the step that waits or runs; FAILURE/REVOKED: the step that did; SUCCESS: the last.
    .addColumn("current_step", "int4", (c) => c.notNull().defaultTo(0))
    .addColumn("step_count", "int4", (c) => c.notNull())
    // [{type, queue, args, input_field, permission, max_retries, timeout_ms}, …], in step order.
    .addColumn("steps", "jsonb", (c) => c.notNull())
    .addColumn("idempotency_key", "text")
    .addColumn("result", "jsonb")
    .addColumn("error", "jsonb")
    .addColumn("created_at", sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", sql`timestamptz(3)`)
    .addCheckConstraint("chains_status_check", sql`status in ('RUNNING', 'SUCCESS', 'FAILURE', 'REVOKED')`)
    .addCheckConstraint("chains_steps_check", sql`jsonb_typeof(steps) = 'array' and jsonb_array_length(steps) = step_count`)
    .execute();
  await sql`create unique index chains_idempotency_idx on chains ((coalesce(owner, '')), idempotency_key) where idempotency_key is not null`.execute(db);

  await db.schema.alterTable("tasks").addColumn("chain_id", "uuid").addColumn("chain_step", "int4").execute();
  // Partial: tasks outside chains (nearly all) are not in it.
  await sql`create unique index tasks_chain_step_idx on tasks (chain_id, chain_step) where chain_id is not null`.execute(db);

  await sql`
    create function tstasks_chain_step_changed() returns trigger language plpgsql as $$
    declare
      c record;
      next_step jsonb;
      next_id uuid;
    begin
      -- Locks the chain after the step's row (every path locks in this order: task, then chain).
      select id, owner, step_count, steps into c from chains where id = new.chain_id for update;
      if not found then
        return null;
      end if;
      if new.status = 'SUCCESS' then
        if new.chain_step + 1 < c.step_count then
          next_step := c.steps -> (new.chain_step + 1);
          next_id := gen_random_uuid();
          insert into tasks (id, type, queue, status, args, owner, permission, max_retries, timeout_ms, chain_id, chain_step)
          values (next_id, next_step ->> 'type', next_step ->> 'queue', 'PENDING',
                  (next_step -> 'args') || jsonb_build_object(next_step ->> 'input_field', new.result),
                  c.owner, next_step ->> 'permission', (next_step ->> 'max_retries')::int4, (next_step ->> 'timeout_ms')::int4,
                  new.chain_id, new.chain_step + 1)
          on conflict (chain_id, chain_step) where chain_id is not null do nothing;
          if found then
            -- Held and due now: no submit publishes it, the outbox dispatcher does (within its interval).
            insert into task_outbox (task_id, due_at, held) values (next_id, now(), true);
          end if;
          update chains set current_step = new.chain_step + 1 where id = c.id;
        else
          update chains set status = 'SUCCESS', current_step = new.chain_step, result = new.result, error = null, finished_at = now()
          where id = c.id;
        end if;
      elsif new.status in ('FAILURE', 'REVOKED') then
        update chains
        set status = new.status, current_step = new.chain_step, result = null, finished_at = now(),
            error = coalesce(new.error, jsonb_build_object('type', 'Revoked', 'message', 'step ' || new.chain_step || ' was cancelled'))
        where id = c.id;
      else
        -- Back to PENDING from FAILURE or REVOKED (the WHEN clause lets nothing else through): a retry of the step.
        update chains set status = 'RUNNING', current_step = new.chain_step, result = null, error = null, finished_at = null
        where id = c.id;
      end if;
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create trigger tasks_chain_progress
    after update of status on tasks
    for each row
    when (new.chain_id is not null and new.status is distinct from old.status
          and (new.status in ('SUCCESS', 'FAILURE', 'REVOKED') or old.status in ('FAILURE', 'REVOKED')))
    execute function tstasks_chain_step_changed()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists tasks_chain_progress on tasks`.execute(db);
  await sql`drop function if exists tstasks_chain_step_changed()`.execute(db);
  await sql`drop index if exists tasks_chain_step_idx`.execute(db);
  await db.schema.alterTable("tasks").dropColumn("chain_id").dropColumn("chain_step").execute();
  await db.schema.dropTable("chains").execute();
}
