import { sql, type Kysely } from "kysely";
import type { NewGroup, NewGroupMember } from "../group-record.js";
import type { JsonObject, JsonValue } from "../../task/json.js";
import type { TaskErrorInfo } from "../../task/task-error.js";
import type { TaskStatus } from "../../task/task-status.js";
import type { Database } from "./database.js";
import { fixedStatement } from "./fixed-statement.js";
import type { TaskGroupRow } from "./task-groups.table.js";

// SQL only, for `task_groups` and the members' side of `tasks` (see the
// create-groups migration). Functions take the database or a transaction first.

/** Inserts the group row; undefined when its (owner, idempotency key) exists already (nothing inserted). */
export async function insertGroupRow(db: Kysely<Database>, group: NewGroup, total: number): Promise<TaskGroupRow | undefined> {
  const g = group.gather;
  const { rows } = await sql<TaskGroupRow>`
    insert into task_groups (id, type, owner, total, remaining, max_retries, timeout_ms, idempotency_key,
                             gather_type, gather_args, gather_queue, gather_permission, gather_max_retries, gather_timeout_ms, gather_priority)
    values (${group.id}::uuid, ${group.type}, ${group.owner}, ${total}::int4, ${total}::int4, ${group.maxRetries}::int4,
            ${group.timeoutMs}::int4, ${group.idempotencyKey}, ${g?.type ?? null}, ${g ? JSON.stringify(g.args) : null}::jsonb,
            ${g?.queue ?? null}, ${g?.permission ?? null}, ${g?.maxRetries ?? null}::int4, ${g?.timeoutMs ?? null}::int4, ${g?.priority ?? null}::int2)
    on conflict ((coalesce(owner, '')), idempotency_key) where idempotency_key is not null do nothing
    returning *
  `.execute(db);
  return rows[0];
}

/** The group holding this (owner, idempotency key). */
export async function selectGroupRowByKey(db: Kysely<Database>, owner: string | null, key: string): Promise<TaskGroupRow | undefined> {
  const { rows } = await sql<TaskGroupRow>`
    select * from task_groups where coalesce(owner, '') = ${owner ?? ""} and idempotency_key = ${key}
  `.execute(db);
  return rows[0];
}

/** One group row by (valid UUID) id. */
export async function selectGroupRow(db: Kysely<Database>, id: string): Promise<TaskGroupRow | undefined> {
  return db.selectFrom("task_groups").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One statement's worth of members of {@link insertGroupMemberRows}. */
export interface MemberChunk {
  groupId: string;
  /** Group index of the chunk's first member. */
  firstIndex: number;
  members: readonly NewGroupMember[];
}

/**
 * Inserts one chunk of a group's members (PENDING, group index = firstIndex
 * + position) with their outbox rows, due now (the submit publishes them; the
 * dispatcher if it dies), in one multi-row statement. The members share their
 * type, queue, owner, permission and limits: those of the chunk's first.
 * @returns how many rows it inserted.
 */
export async function insertGroupMemberRows(db: Kysely<Database>, chunk: MemberChunk): Promise<number> {
  if (chunk.members.length === 0) return 0;
  const { rows } = await insertMembersStatement(db, chunk);
  return rows[0]?.n ?? 0;
}

const insertMembersStatement = fixedStatement(
  (chunk: MemberChunk) => {
    const first = chunk.members[0]!;
    return [
      chunk.members.map((m) => m.id),
      chunk.members.map((m) => JSON.stringify(m.args)),
      first.type,
      first.queue,
      first.owner ?? null,
      first.permission ?? null,
      first.maxRetries ?? null,
      first.timeoutMs ?? null,
      chunk.groupId,
      chunk.firstIndex,
    ];
  },
  ([ids, args, type, queue, owner, permission, maxRetries, timeoutMs, groupId, firstIndex]) => sql<{ n: number }>`
    with v as (
      select * from unnest(${ids}::uuid[], ${args}::jsonb[]) with ordinality as v(id, args, n)
    ), inserted as (
      insert into tasks (id, type, queue, status, args, owner, permission, max_retries, timeout_ms, group_id, group_index)
      select v.id, ${type}::text, ${queue}::text, 'PENDING', v.args, ${owner}::text, ${permission}::text, ${maxRetries}::int4,
             ${timeoutMs}::int4, ${groupId}::uuid, ${firstIndex}::int4 + v.n::int4 - 1
      from v
      returning id, created_at
    ), queued as (
      insert into task_outbox (task_id, due_at, held)
      select i.id, i.created_at, false from inserted as i
    )
    select count(*)::int4 as n from inserted
  `,
);

/** Members per status of a group (statuses without members are absent). */
export async function countGroupMemberRows(db: Kysely<Database>, groupId: string): Promise<{ status: TaskStatus; n: number }[]> {
  const { rows } = await sql<{ status: TaskStatus; n: number }>`
    select status, count(*)::int4 as n from tasks where group_id = ${groupId}::uuid group by status
  `.execute(db);
  return rows;
}

/** A member row as GetGroup pages them. */
export interface GroupMemberRow {
  group_index: number;
  id: string;
  status: TaskStatus;
  result: JsonValue | null;
  error: TaskErrorInfo | null;
}

/** Up to `limit` members after `afterIndex`, in index order (through tasks_group_member_idx). */
export async function selectGroupMemberRows(db: Kysely<Database>, groupId: string, afterIndex: number, limit: number): Promise<GroupMemberRow[]> {
  const { rows } = await sql<GroupMemberRow>`
    select group_index, id, status, result, error from tasks
    where group_id = ${groupId}::uuid and group_index > ${afterIndex}::int4
    order by group_index
    limit ${limit}::int4
  `.execute(db);
  return rows;
}

/**
 * A gather task's input in one statement: results (null unless SUCCESS) in
 * index order over 0..total-1, so a member deleted by retention is a null
 * with a "Deleted" error, and the errors of members that did not succeed.
 */
export async function selectGatherInputRow(db: Kysely<Database>, groupId: string): Promise<{ results: JsonValue[]; errors: JsonObject[] } | undefined> {
  const { rows } = await sql<{ results: JsonValue[]; errors: JsonObject[] }>`
    select coalesce(jsonb_agg(case when t.status = 'SUCCESS' then t.result else 'null'::jsonb end order by i), '[]'::jsonb) as results,
           coalesce(jsonb_agg(jsonb_build_object(
               'index', i,
               'type', coalesce(t.error ->> 'type', case when t.id is null then 'Deleted' when t.status = 'REVOKED' then 'Revoked' else t.status end),
               'message', coalesce(t.error ->> 'message', case when t.id is null then 'the member was deleted (result retention)'
                                                               when t.status = 'REVOKED' then 'the member was cancelled'
                                                               else 'the member did not succeed' end))
             order by i) filter (where t.status is distinct from 'SUCCESS'), '[]'::jsonb) as errors
    from task_groups as g
    cross join lateral generate_series(0, g.total - 1) as i
    left join tasks as t on t.group_id = g.id and t.group_index = i
    where g.id = ${groupId}::uuid
    group by g.id
  `.execute(db);
  return rows[0];
}

/**
 * Sets the group's cancelled mark: a cancel only while it runs (a final
 * group stays as it ended), a retry's clear always. Returns the row after,
 * or undefined when no row changed.
 */
export async function updateGroupCancelled(db: Kysely<Database>, id: string, cancelled: boolean): Promise<TaskGroupRow | undefined> {
  const { rows } = await sql<TaskGroupRow>`
    update task_groups set cancelled = ${cancelled}
    where id = ${id}::uuid and (not ${cancelled} or remaining > 0)
    returning *
  `.execute(db);
  return rows[0];
}
