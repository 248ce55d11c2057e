import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "./database.js";
import { fixedStatement } from "./fixed-statement.js";

// SQL only, for `concurrency_leases` and `rate_limits` (see the
// create-concurrency-limits migration). Every time is clock_timestamp(), not
// now(): a transaction may wait for a key's lock, and its start time would
// then shorten the leases it grants and miss expiries that happened meanwhile.

/** One (type, key) of a lease batch. */
export interface LeaseKey {
  type: string;
  key: string;
}

/** A live lease of a key (or of a task) as the acquire sees it. */
export interface LiveLeaseRow {
  task_id: string;
  task_type: string;
  key: string;
}

/** A lease to insert or take over. */
export interface LeaseGrantRow {
  taskId: string;
  type: string;
  key: string;
  holder: string;
  ttlMs: number;
}

/**
 * Serializes acquires of the same keys across processes until `trx` ends:
 * a transaction advisory lock per (type, key), taken in one sorted order so
 * that two batches sharing keys never deadlock. (A hash collision of two
 * keys only makes them wait for each other.)
 */
export async function lockLeaseKeys(trx: Transaction<Database>, keys: readonly LeaseKey[]): Promise<void> {
  await lockKeysStatement(trx, keys);
}

const lockKeysStatement = fixedStatement(
  (keys: readonly LeaseKey[]) => [keys.map((k) => k.type), keys.map((k) => k.key)],
  ([types, keys]) => sql`
    select pg_advisory_xact_lock(h) from (
      -- The type's length first: "ab"+"c" and "a"+"bc" are different keys.
      select distinct hashtextextended(length(t)::text || ':' || t || k, 0) as h
      from unnest(${types}::text[], ${keys}::text[]) as v(t, k)
      order by h
    ) as sorted
  `,
);

/**
 * Drops the expired leases of these (distinct) keys and returns their live
 * ones, in one statement (call with the keys locked). A task's own lease is
 * under its key too: its args, and so its key, never change.
 */
export async function dropExpiredAndSelectLeases(trx: Transaction<Database>, keys: readonly LeaseKey[]): Promise<LiveLeaseRow[]> {
  return (await dropAndSelectStatement(trx, keys)).rows;
}

const dropAndSelectStatement = fixedStatement(
  (keys: readonly LeaseKey[]) => {
    const types = keys.map((k) => k.type);
    const names = keys.map((k) => k.key);
    return [types, names, types, names];
  },
  // Both halves join the keys to the (task_type, key, expires_at) index: the store's sessions run with
  // enable_seqscan off (see createKyselyForUrl), and an "or task_id = any(…)" here made the planner fall
  // back to a disabled sequential scan, whose huge cost then also switched on JIT: 450 ms a call.
  // The delete's CTE runs once whether or not it is read; the select skips the rows it deletes by time.
  ([types, keys, types2, keys2]) => sql<LiveLeaseRow>`
    with expired as (
      delete from concurrency_leases as l
      using unnest(${types}::text[], ${keys}::text[]) as v(t, k)
      where l.task_type = v.t and l.key = v.k and l.expires_at <= clock_timestamp()
      returning l.task_id
    )
    select l.task_id, l.task_type, l.key
    from unnest(${types2}::text[], ${keys2}::text[]) as v(t, k)
    join concurrency_leases as l on l.task_type = v.t and l.key = v.k
    where l.expires_at > clock_timestamp()
  `,
);

/** Inserts leases, or takes over a task's own (a redelivery): one per task id. */
export async function upsertLeaseRows(trx: Transaction<Database>, leases: readonly LeaseGrantRow[]): Promise<void> {
  if (leases.length === 0) return;
  await upsertLeasesStatement(trx, leases);
}

const upsertLeasesStatement = fixedStatement(
  (leases: readonly LeaseGrantRow[]) => [
    leases.map((l) => l.taskId),
    leases.map((l) => l.type),
    leases.map((l) => l.key),
    leases.map((l) => l.holder),
    leases.map((l) => l.ttlMs),
  ],
  ([ids, types, keys, holders, ttls]) => sql`
    insert into concurrency_leases (task_id, task_type, key, holder, expires_at)
    select task_id, task_type, key, holder, clock_timestamp() + ttl_ms * interval '1 millisecond'
    from unnest(${ids}::text[], ${types}::text[], ${keys}::text[], ${holders}::text[], ${ttls}::int8[]) as v(task_id, task_type, key, holder, ttl_ms)
    on conflict (task_id) do update
      set task_type = excluded.task_type, key = excluded.key, holder = excluded.holder, expires_at = excluded.expires_at
  `,
);

/** Renews the leases still held by their holder; returns the task ids renewed. */
export async function renewLeaseRows(db: Kysely<Database>, leases: readonly { taskId: string; holder: string }[], ttlMs: number): Promise<string[]> {
  if (leases.length === 0) return [];
  const { rows } = await renewStatement(db, { leases, ttlMs });
  return rows.map((r) => r.task_id);
}

const renewStatement = fixedStatement(
  (input: { leases: readonly { taskId: string; holder: string }[]; ttlMs: number }) => [
    input.ttlMs,
    input.leases.map((l) => l.taskId),
    input.leases.map((l) => l.holder),
  ],
  ([ttl, ids, holders]) => sql<{ task_id: string }>`
    update concurrency_leases as l set expires_at = clock_timestamp() + ${ttl}::int8 * interval '1 millisecond'
    from unnest(${ids}::text[], ${holders}::text[]) as v(task_id, holder)
    where l.task_id = v.task_id and l.holder = v.holder
    returning l.task_id
  `,
);

/** Deletes the leases still held by their holder. */
export async function deleteLeaseRows(db: Kysely<Database>, leases: readonly { taskId: string; holder: string }[]): Promise<void> {
  if (leases.length === 0) return;
  await deleteStatement(db, leases);
}

const deleteStatement = fixedStatement(
  (leases: readonly { taskId: string; holder: string }[]) => [leases.map((l) => l.taskId), leases.map((l) => l.holder)],
  ([ids, holders]) => sql`
    delete from concurrency_leases as l
    using unnest(${ids}::text[], ${holders}::text[]) as v(task_id, holder)
    where l.task_id = v.task_id and l.holder = v.holder
  `,
);

/** One type's bucket settings for a refill. */
export interface BucketRefill {
  type: string;
  perSecond: number;
  burst: number;
}

/**
 * Brings the buckets of these (distinct) types up to date: a missing one
 * starts full, an existing one gains `perSecond` per second since its last
 * refill, up to `burst`. The rows stay locked until `trx` ends, so the
 * tokens returned are this transaction's to take.
 */
export async function refillBuckets(trx: Transaction<Database>, buckets: readonly BucketRefill[]): Promise<Map<string, number>> {
  await insertBucketsStatement(trx, buckets);
  const { rows } = await refillStatement(trx, buckets);
  return new Map(rows.map((r) => [r.task_type, Number(r.tokens)]));
}

const bucketParameters = (buckets: readonly BucketRefill[]): unknown[] => [
  buckets.map((b) => b.type),
  buckets.map((b) => b.perSecond),
  buckets.map((b) => b.burst),
];

const insertBucketsStatement = fixedStatement(bucketParameters, ([types, rates, bursts]) => sql`
  insert into rate_limits (task_type, tokens, refilled_at)
  select t, burst, clock_timestamp() from unnest(${types}::text[], ${rates}::float8[], ${bursts}::float8[]) as v(t, rate, burst)
  order by t
  on conflict (task_type) do nothing
`);

// An UPDATE that waits for another transaction's row lock evaluates its SET on the row that transaction
// committed (READ COMMITTED re-checks the newest version), and clock_timestamp() is read after the wait:
// two workers refilling one bucket at once never count the same tokens or the same time twice.
const refillStatement = fixedStatement(bucketParameters, ([types, rates, bursts]) => sql<{ task_type: string; tokens: number }>`
  update rate_limits as r
  set tokens = least(v.burst, r.tokens + v.rate * greatest(0, extract(epoch from clock_timestamp() - r.refilled_at)::float8)),
      refilled_at = clock_timestamp()
  from unnest(${types}::text[], ${rates}::float8[], ${bursts}::float8[]) as v(t, rate, burst)
  where r.task_type = v.t
  returning r.task_type, r.tokens
`);

/** Takes `taken` tokens from each type's bucket (locked by {@link refillBuckets} in the same transaction). */
export async function takeBucketTokens(trx: Transaction<Database>, taken: readonly { type: string; tokens: number }[]): Promise<void> {
  if (taken.length === 0) return;
  await takeStatement(trx, taken);
}

const takeStatement = fixedStatement(
  (taken: readonly { type: string; tokens: number }[]) => [taken.map((t) => t.type), taken.map((t) => t.tokens)],
  ([types, tokens]) => sql`
    update rate_limits as r set tokens = r.tokens - v.n
    from unnest(${types}::text[], ${tokens}::float8[]) as v(t, n)
    where r.task_type = v.t
  `,
);
