import { sql, type Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

// Tasks the workflow triggers create (a group's gather task, a chain's later
// steps) took the column default, priority 5, whatever their type's. The
// server now stores each one's priority when the group or chain is submitted
// (its type's, from the catalog): `task_groups.gather_priority`, and a
// `priority` key in each element of `chains.steps`; the two trigger functions
// are replaced by the same functions inserting it. Rows from before have none
// and keep 5.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table task_groups add column gather_priority int2`.execute(db);
  await sql`
    create or replace function task_groups_fan_in() returns trigger language plpgsql as $$
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
        insert into tasks (id, type, queue, status, args, owner, permission, max_retries, timeout_ms, gather_of, priority)
        values (new_gather, g.gather_type, g.gather_queue, 'PENDING', g.gather_args, g.owner, g.gather_permission,
                g.gather_max_retries, g.gather_timeout_ms, g.id, coalesce(g.gather_priority, 5));
        -- Held and due now: the outbox dispatcher (or a worker's kick) queues it once this commits.
        insert into task_outbox (task_id, due_at, held) values (new_gather, now(), true);
      end if;
      return null;
    end
    $$
  `.execute(db);
  await sql`
    create or replace function tstasks_chain_step_changed() returns trigger language plpgsql as $$
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
          insert into tasks (id, type, queue, status, args, owner, permission, max_retries, timeout_ms, chain_id, chain_step, priority)
          values (next_id, next_step ->> 'type', next_step ->> 'queue', 'PENDING',
                  (next_step -> 'args') || jsonb_build_object(next_step ->> 'input_field', new.result),
                  c.owner, next_step ->> 'permission', (next_step ->> 'max_retries')::int4, (next_step ->> 'timeout_ms')::int4,
                  new.chain_id, new.chain_step + 1, coalesce((next_step ->> 'priority')::int2, 5))
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function task_groups_fan_in() returns trigger language plpgsql as $$
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
  await sql`
    create or replace function tstasks_chain_step_changed() returns trigger language plpgsql as $$
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
  await sql`alter table task_groups drop column gather_priority`.execute(db);
}
