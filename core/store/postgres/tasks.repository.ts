import { sql, type RawBuilder } from "kysely";
import type { Kysely } from "kysely";
import type { TaskStatus } from "../../task/task-status.js";
import type { NewTask, ProgressUpdate, TaskCursor, TaskOutcome, UnservedPolicy } from "../task-record.js";
import type { Database } from "./database.js";
import { TASK_COLUMNS } from "./tasks.table.js";
import type { TaskRow } from "./tasks.table.js";
import { fixedStatement } from "./fixed-statement.js";
import { DEFAULT_PRIORITY } from "../../task/priority.js";

// SQL only. Every function takes the database (or a transaction) first and
// returns snake_case rows. Batch statements pass one array parameter per
// column and unnest them: one statement per batch, a constant SQL text, and
// no 65,535-parameter ceiling on the batch size.

/** `t.id, t.type, …` for raw SQL over the tasks table aliased as `alias`. */
function taskColumns(alias: string) {
  return sql.join(TASK_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)));
}

/**
 * Inserts PENDING tasks in one multi-row statement, each with its outbox
 * row (see the create-task-outbox migration): a held task's is due at its
 * `run_at`, the others' now (their submit publishes them). A task whose
 * (owner, idempotency key) exists already is skipped. Returns the rows inserted.
 * @throws the driver's unique violation (23505) when an id exists already.
 */
export async function insertTaskRows(db: Kysely<Database>, tasks: readonly NewTask[]): Promise<{ id: string; created_at: Date }[]> {
  if (tasks.length === 0) return [];
  return (await insertStatement(db, tasks)).rows;
}

const insertStatement = fixedStatement(
  (tasks: readonly NewTask[]) => [
    tasks.map((t) => t.id),
    tasks.map((t) => t.type),
    tasks.map((t) => t.queue),
    tasks.map((t) => JSON.stringify(t.args)),
    tasks.map((t) => t.owner ?? null),
    tasks.map((t) => t.permission ?? null),
    tasks.map((t) => t.maxRetries ?? null),
    tasks.map((t) => t.runAt?.toISOString() ?? null),
    tasks.map((t) => t.idempotencyKey ?? null),
    tasks.map((t) => t.timeoutMs ?? null),
    tasks.map((t) => t.expiresAt?.toISOString() ?? null),
    tasks.map((t) => (t.hold ?? false) && t.runAt != null),
    tasks.map((t) => t.priority ?? DEFAULT_PRIORITY),
  ],
  ([ids, types, queues, args, owners, permissions, maxRetries, runAts, keys, timeouts, expiresAts, holds, priorities]) => sql<{ id: string; created_at: Date }>`
    with v as (
      select * from unnest(
      ${ids}::uuid[], ${types}::text[], ${queues}::text[], ${args}::jsonb[], ${owners}::text[], ${permissions}::text[],
      ${maxRetries}::int4[], ${runAts}::timestamptz[], ${keys}::text[], ${timeouts}::int4[], ${expiresAts}::timestamptz[],
      ${holds}::bool[], ${priorities}::int2[]
      ) as v(id, type, queue, args, owner, permission, max_retries, run_at, idempotency_key, timeout_ms, expires_at, hold,
             priority)
    ), inserted as (
      insert into tasks (id, type, queue, status, args, owner, permission, max_retries, run_at, idempotency_key, timeout_ms,
                         expires_at, priority)
      select v.id, v.type, v.queue, 'PENDING', v.args, v.owner, v.permission, v.max_retries, v.run_at, v.idempotency_key,
             v.timeout_ms, v.expires_at, v.priority
      from v
      on conflict ((coalesce(owner, '')), idempotency_key) where idempotency_key is not null do nothing
      returning id, created_at
    ), queued as (
      insert into task_outbox (task_id, due_at, held)
      select i.id, case when v.hold then v.run_at else i.created_at end, v.hold
      from inserted as i join v on v.id = i.id
    )
    select id, created_at from inserted
  `,
);

/** The tasks holding these (owner, idempotency key) pairs. */
export async function selectTasksByIdempotencyKey(
  db: Kysely<Database>,
  keys: readonly { owner: string | null; key: string }[],
): Promise<{ id: string; owner: string | null; idempotency_key: string; created_at: Date }[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ id: string; owner: string | null; idempotency_key: string; created_at: Date }>`
    select t.id, t.owner, t.idempotency_key, t.created_at
    from tasks t
    join unnest(${keys.map((k) => k.owner ?? "")}::text[], ${keys.map((k) => k.key)}::text[]) as v(owner, key)
      on coalesce(t.owner, '') = v.owner and t.idempotency_key = v.key
  `.execute(db);
  return rows;
}

/** One task row by (valid UUID) id. */
export async function selectTaskRow(db: Kysely<Database>, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom("tasks").select(TASK_COLUMNS).where("id", "=", id).executeTakeFirst();
}

/** Filter and keyset position of {@link selectTaskRows}. */
export interface TaskRowsQuery {
  type?: string;
  status?: TaskStatus;
  /** Only rows of this owner (`sub`). */
  owner?: string;
  /** Only rows created at or after this time. */
  createdAfter?: Date;
  /** Only rows created before this time. */
  createdBefore?: Date;
  /** Rows strictly after this position in newest-first order. */
  after?: TaskCursor;
  limit: number;
}

/** Up to `limit` task rows, newest first by (created_at, id). */
export async function selectTaskRows(db: Kysely<Database>, query: TaskRowsQuery): Promise<TaskRow[]> {
  let q = db.selectFrom("tasks").select(TASK_COLUMNS);
  if (query.type !== undefined) q = q.where("type", "=", query.type);
  if (query.status !== undefined) q = q.where("status", "=", query.status);
  if (query.owner !== undefined) q = q.where("owner", "=", query.owner);
  // Bounds on created_at, the column every listing index orders by after its filter column.
  if (query.createdAfter !== undefined) q = q.where("created_at", ">=", query.createdAfter);
  if (query.createdBefore !== undefined) q = q.where("created_at", "<", query.createdBefore);
  const after = query.after;
  if (after !== undefined) {
    // A row comparison, so Postgres walks the (…, created_at desc, id desc) index.
    q = q.where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(after.createdAt, after.id)));
  }
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(query.limit).execute();
}

/**
 * A CTE body that locks the task rows of `ids` in id order and returns the
 * columns batch updates filter on. Batched updates join it (`from locked l
 * … where t.id = l.id and l.status …`), so every batch statement takes its
 * row locks in one global order, whatever order its input and its join plan
 * have: two batches that share rows (a redelivered message in two workers'
 * batches, a claim beside a submit's markPublished) then wait for each other
 * instead of deadlocking. And the filters read the locked rows, not `t`: a
 * filter on `t.status` let the planner scan the status index, and with
 * statistics taken when nothing was PENDING it did, reading every PENDING row
 * (20,000 of a backlog) per batch of 500 — the drain halved after an autoanalyze.
 */
function lockedInIdOrder(ids: readonly string[]) {
  return sql`select id, status, attempts, expires_at from tasks where id = any(${ids}::uuid[]) order by id for update`;
}

/** One claim of {@link claimTaskRows}, by position `ord`. */
export interface ClaimInput {
  ord: number;
  id: string;
  worker: string;
  /** Not claimed while STARTED with this attempt (it runs in the claiming worker); null: none. */
  runningAttempt: number | null;
}

/** The answer to one claim: the updated row when claimed, else the current status (null: no such task). */
export type ClaimRow =
  | { ord: number; claimed: true; row: TaskRow }
  | { ord: number; claimed: false; currentStatus: TaskStatus | null };

/**
 * In one statement, moves every PENDING, RETRY or STARTED task of `claims`
 * to STARTED (attempts + 1, worker, started_at) — except one STARTED with
 * the claim's `runningAttempt` — and reports, for the others, their current
 * status. Ids must be distinct valid UUIDs.
 * @returns one entry per claim, ordered by `ord`.
 */
export async function claimTaskRows(db: Kysely<Database>, claims: readonly ClaimInput[]): Promise<ClaimRow[]> {
  if (claims.length === 0) return [];
  const { rows } = await claimStatement(db, claims);
  return rows.map(({ ord, claimed, current_status, ...row }) =>
    claimed ? { ord, claimed: true, row } : { ord, claimed: false, currentStatus: current_status },
  );
}

const claimStatement = fixedStatement(
  (claims: readonly ClaimInput[]) => {
    const ids = claims.map((c) => c.id);
    // The ids twice: once to unnest beside the other columns, once for the locking CTE.
    return [claims.map((c) => c.ord), ids, claims.map((c) => c.worker), claims.map((c) => c.runningAttempt), ids];
  },
  ([ords, ids, workers, runningAttempts, lockIds]) => sql<TaskRow & { ord: number; claimed: boolean; current_status: TaskStatus | null }>`
    with v as (
      select * from unnest(
        ${ords}::int4[],
        ${ids}::uuid[],
        ${workers}::text[],
        ${runningAttempts}::int4[]
      ) as v(ord, id, worker, running_attempt)
    ), locked as (${lockedInIdOrder(lockIds as string[])}
    ), claimed as (
      update tasks as t
      set status = 'STARTED', attempts = t.attempts + 1, worker = v.worker, started_at = now(),
          progress = 0, progress_message = '',
          -- Claimed again while STARTED: the previous attempt's worker vanished.
          lost_attempts = t.lost_attempts + case when t.status = 'STARTED' then 1 else 0 end
      from v join locked as l on l.id = v.id
      where t.id = l.id and l.status in ('PENDING', 'RETRY', 'STARTED')
        -- Past its queue deadline, a task is expired (see expireTaskRows), not started late.
        and not (l.status = 'PENDING' and l.expires_at is not null and l.expires_at <= now())
        -- A duplicate message of the attempt that runs in the claiming worker: not lost, leave it be.
        and not (l.status = 'STARTED' and v.running_attempt is not null and l.attempts = v.running_attempt)
      returning v.ord, ${taskColumns("t")}
    )
    select v.ord, c.ord is not null as claimed, s.status as current_status, ${taskColumns("c")}
    from v
    left join claimed as c on c.ord = v.ord
    -- The locked rows as the update found them: for those it left alone,
    -- their current status. Not a second read of tasks: a generic plan made
    -- while the table was small joined it by reading all of it, every batch.
    left join locked as s on c.ord is null and s.id = v.id
    order by v.ord
  `,
);

/** One outcome of {@link finishTaskRows}, by position `ord`. */
export interface FinishInput {
  ord: number;
  outcome: TaskOutcome;
}

/**
 * In one statement, stores each outcome whose task is STARTED with the same
 * attempt number (status, result or error, finished_at). Ids must be valid
 * UUIDs and no (id, attempt) pair may repeat.
 * @returns the `ord` of every outcome that applied.
 */
export async function finishTaskRows(db: Kysely<Database>, inputs: readonly FinishInput[]): Promise<Set<number>> {
  if (inputs.length === 0) return new Set();
  const { rows } = await finishStatement(db, inputs);
  return new Set(rows.map((r) => r.ord));
}

const finishStatement = fixedStatement(
  (inputs: readonly FinishInput[]) => {
    const ids = inputs.map((i) => i.outcome.id);
    // The ids twice: once for the locking CTE, once to unnest beside the other columns.
    return [
      ids,
      inputs.map((i) => i.ord),
      ids,
      inputs.map((i) => i.outcome.attempt),
      inputs.map((i) => i.outcome.status),
      // JSON text per element; SQL NULL (JS null) where the outcome has no
      // result or no error. A JSON-null result is the text "null", i.e. jsonb null.
      inputs.map(({ outcome: o }) => (o.status === "SUCCESS" ? JSON.stringify(o.result ?? null) : null)),
      inputs.map(({ outcome: o }) => (o.status === "SUCCESS" ? null : JSON.stringify(o.error))),
    ];
  },
  ([lockIds, ords, ids, attempts, statuses, results, errors]) => sql<{ ord: number }>`
    with locked as (${lockedInIdOrder(lockIds as string[])})
    update tasks as t
    set status = v.status, result = v.result, error = v.error,
        errors = case when v.error is null then t.errors
                      else t.errors || jsonb_build_array(jsonb_build_object('attempt', v.attempt) || v.error) end,
        finished_at = case when v.status = 'RETRY' then null else now() end,
        progress = case when v.status = 'SUCCESS' then 1 else t.progress end
    from unnest(
      ${ords}::int4[],
      ${ids}::uuid[],
      ${attempts}::int4[],
      ${statuses}::text[],
      ${results}::jsonb[],
      ${errors}::jsonb[]
    ) as v(ord, id, attempt, status, result, error)
    join locked as l on l.id = v.id
    where t.id = l.id and l.status = 'STARTED' and l.attempts = v.attempt
    returning v.ord
  `,
);

/** One attempt of {@link releaseTaskRows}, by position `ord`. */
export interface ReleaseInput {
  ord: number;
  id: string;
  attempt: number;
}

/**
 * In one statement, puts every task that is STARTED with the given attempt
 * number back to PENDING and drops its queue deadline (it started in time),
 * leaving `attempts`, `lost_attempts`, `worker` and `started_at` as they are.
 * Ids must be valid UUIDs and no (id, attempt) pair may repeat.
 * @returns the `ord` of every attempt that was released.
 */
export async function releaseTaskRows(db: Kysely<Database>, inputs: readonly ReleaseInput[]): Promise<Set<number>> {
  if (inputs.length === 0) return new Set();
  const { rows } = await sql<{ ord: number }>`
    with locked as (${lockedInIdOrder(inputs.map((i) => i.id))})
    update tasks as t
    set status = 'PENDING', expires_at = null
    from unnest(
      ${inputs.map((i) => i.ord)}::int4[],
      ${inputs.map((i) => i.id)}::uuid[],
      ${inputs.map((i) => i.attempt)}::int4[]
    ) as v(ord, id, attempt)
    join locked as l on l.id = v.id
    where t.id = l.id and l.status = 'STARTED' and l.attempts = v.attempt
    returning v.ord
  `.execute(db);
  return new Set(rows.map((r) => r.ord));
}

/** Moves a PENDING or RETRY task to REVOKED; undefined when it is not (or does not exist). */
export async function revokeTaskRow(db: Kysely<Database>, id: string): Promise<TaskRow | undefined> {
  return db
    .updateTable("tasks")
    .set({ status: "REVOKED", finished_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("status", "in", ["PENDING", "RETRY", "STARTED"])
    .returning(TASK_COLUMNS)
    .executeTakeFirst();
}

/**
 * Ends every PENDING task whose queue deadline has passed: FAILURE with an
 * Expired error (also appended to `errors`). Returns their ids and attempts.
 */
export async function expireTaskRows(db: Kysely<Database>, limit: number): Promise<{ id: string; attempts: number }[]> {
  const { rows } = await sql<{ id: string; attempts: number }>`
    with locked as (
      -- In id order, as every batch statement locks (see lockedInIdOrder), filtered on the locked rows.
      -- An array, not "in (subquery)" (see deleteOutboxRowsPublished): found once, then looked up by id.
      select id, status from tasks
      where id = any(array(
        select id from tasks
        where status = 'PENDING' and expires_at is not null and expires_at <= now()
        order by expires_at
        limit ${limit}
      ))
      order by id
      for update
    )
    update tasks as t
    set status = 'FAILURE', finished_at = now(),
        error = jsonb_build_object('type', 'Expired', 'message', 'not started before its queue deadline (' || t.expires_at || ')'),
        errors = t.errors || jsonb_build_array(jsonb_build_object('attempt', 0, 'type', 'Expired',
                   'message', 'not started before its queue deadline (' || t.expires_at || ')'))
    from locked as l
    where t.id = l.id and l.status = 'PENDING'
    returning t.id, t.attempts
  `.execute(db);
  return rows;
}

/**
 * Puts a FAILURE or REVOKED task back to PENDING for a new attempt (result,
 * error and finished_at cleared; attempts and the errors list kept).
 * Returns the updated row, or undefined when the task is in another status.
 */
export async function requeueTaskRow(db: Kysely<Database>, id: string): Promise<TaskRow | undefined> {
  const { rows } = await sql<TaskRow>`
    with requeued as (
      update tasks
      set status = 'PENDING', result = null, error = null, finished_at = null, run_at = null, expires_at = null,
          -- A new name for this queueing of the task: see the requeues migration.
          requeues = requeues + 1,
          -- A new attempt gets the whole unserved bound again (a worker with the type may be back).
          unserved_handbacks = 0, unserved_since = null
      where id = ${id} and status in ('FAILURE', 'REVOKED')
      returning ${sql.join(TASK_COLUMNS.map((c) => sql.ref(c)))}
    ), queued as (
      -- Published by the retry itself; by the dispatcher if that fails.
      insert into task_outbox (task_id, due_at, held)
      select id, now(), false from requeued
      on conflict (task_id) do update set due_at = excluded.due_at, held = false
    )
    select * from requeued
  `.execute(db);
  return rows[0];
}

/**
 * In one statement, stores each attempt's latest progress where the task is
 * still STARTED with that attempt (a late report of an earlier attempt, or
 * one after the outcome, changes nothing). For a task named twice, the last
 * report in the batch wins.
 */
export async function updateProgressRows(db: Kysely<Database>, updates: readonly ProgressUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  // Keep the last report per task: an update may not touch a row twice.
  const last = new Map(updates.map((u) => [u.id.toLowerCase(), u]));
  const rows = [...last.values()];
  await sql`
    with locked as (${lockedInIdOrder(rows.map((u) => u.id))})
    update tasks as t
    set progress = v.fraction, progress_message = v.message
    from unnest(
      ${rows.map((u) => u.id)}::uuid[],
      ${rows.map((u) => u.attempt)}::int4[],
      ${rows.map((u) => u.fraction)}::float8[],
      ${rows.map((u) => u.message)}::text[]
    ) as v(id, attempt, fraction, message)
    join locked as l on l.id = v.id
    where t.id = l.id and l.status = 'STARTED' and l.attempts = v.attempt
  `.execute(db);
}

/** One task of {@link deferUnservedRows}, by position `ord`. */
export interface UnservedInput {
  ord: number;
  id: string;
}

/** The answer for one task of {@link deferUnservedRows}. */
export interface UnservedRow {
  ord: number;
  /** True when the row was PENDING or RETRY and was parked or failed. */
  changed: boolean;
  /** Set when changed: it ended FAILURE NoWorkerForType. */
  gave_up: boolean | null;
  /** Set when changed: handbacks counted so far, this one included. */
  handbacks: number | null;
  /** Set when parked: the delay before it is dispatched again, ms. */
  delay_ms: number | null;
  attempts: number | null;
  /** Set when not changed: the current status (null: no such task). */
  current_status: TaskStatus | null;
}

/**
 * In one statement, for every PENDING or RETRY task of `inputs`: counts a
 * handback and either parks the row (held in the outbox until now + the
 * policy's delay for this handback) or, past the policy's bound, ends
 * it FAILURE NoWorkerForType (appended to `errors` with attempt 0, so it
 * spends no retry). Reports the others' current status. Ids must be
 * distinct valid UUIDs.
 * @returns one row per input, ordered by `ord`.
 */
export async function deferUnservedRows(
  db: Kysely<Database>,
  inputs: readonly UnservedInput[],
  policy: UnservedPolicy,
): Promise<UnservedRow[]> {
  if (inputs.length === 0) return [];
  const giveUp = sql<boolean>`(t.unserved_handbacks >= ${policy.maxHandbacks}::int4
    or t.unserved_since <= now() - make_interval(secs => ${policy.maxAgeMs / 1000}::float8))`;
  // The delay before the next dispatch, after `earlier` handbacks: firstDelayMs doubling, up to maxDelayMs.
  const delayAfter = (earlier: RawBuilder<number>) =>
    sql<number>`least(${policy.maxDelayMs}::float8, ${policy.firstDelayMs}::float8 * power(2::float8, least(${earlier}, 60)))`;
  const error = sql`jsonb_build_object('type', 'NoWorkerForType', 'message',
    'no worker of queue ' || t.queue || ' has task type ' || t.type || ' (handed back ' || (t.unserved_handbacks + 1)
    || ' times since ' || coalesce(t.unserved_since, now()) || '); start a worker with the taskpack that defines it, then retry the task')`;
  const { rows } = await sql<UnservedRow>`
    with v as (
      select * from unnest(${inputs.map((i) => i.ord)}::int4[], ${inputs.map((i) => i.id)}::uuid[]) as v(ord, id)
    ), locked as (${lockedInIdOrder(inputs.map((i) => i.id))}
    ), changed as (
      update tasks as t
      set unserved_handbacks = t.unserved_handbacks + 1,
          unserved_since = coalesce(t.unserved_since, now()),
          status = case when ${giveUp} then 'FAILURE' else t.status end,
          finished_at = case when ${giveUp} then now() else t.finished_at end,
          error = case when ${giveUp} then ${error} else t.error end,
          errors = case when ${giveUp} then t.errors || jsonb_build_array(jsonb_build_object('attempt', 0) || ${error})
                        else t.errors end
      from v join locked as l on l.id = v.id
      where t.id = l.id and l.status in ('PENDING', 'RETRY')
      -- RETURNING reads the updated row: FAILURE only when it gave up, the count with this handback.
      returning v.ord, t.id, t.status = 'FAILURE' as gave_up, t.unserved_handbacks as handbacks,
                case when t.status = 'FAILURE' then null else ${delayAfter(sql`t.unserved_handbacks - 1`)} end as delay_ms,
                t.attempts
    ), parked as (
      -- Held in the outbox until its delay is over (replacing a submit's row its late markPublished would delete).
      insert into task_outbox (task_id, due_at, held)
      select c.id, now() + make_interval(secs => c.delay_ms / 1000), true from changed as c where not c.gave_up
      on conflict (task_id) do update set due_at = excluded.due_at, held = true
    )
    select v.ord, c.ord is not null as changed, c.gave_up, c.handbacks, c.delay_ms, c.attempts,
           s.status as current_status
    from v
    left join changed as c on c.ord = v.ord
    -- As in the claim: the locked rows' status, not a second read of tasks.
    left join locked as s on c.ord is null and s.id = v.id
    order by v.ord
  `.execute(db);
  return rows;
}
