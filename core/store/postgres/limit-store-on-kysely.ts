import type { Kysely } from "kysely";
import type { LeaseRequest, LeaseResult, LimitStore, TokenRequest, TokenResult } from "../limit-store.js";
import type { Database } from "./database.js";
import {
  deleteLeaseRows,
  dropExpiredAndSelectLeases,
  lockLeaseKeys,
  refillBuckets,
  renewLeaseRows,
  takeBucketTokens,
  upsertLeaseRows,
  type BucketRefill,
  type LeaseGrantRow,
  type LeaseKey,
} from "./concurrency-limits.repository.js";
import { retryOnDeadlock } from "./retry-on-deadlock.js";

/** Longest lease a request may ask for (a day): a dead worker's lease must expire in useful time. */
const MAX_LEASE_TTL_MS = 86_400_000;

/**
 * The {@link LimitStore} over a Kysely Postgres database (Postgres or PGlite:
 * the same SQL). Each call is one transaction: acquireLeases locks its keys
 * (advisory locks), then counts and inserts; takeTokens refills and takes
 * under the buckets' row locks.
 */
export function createLimitStoreOnKysely(db: Kysely<Database>): LimitStore {
  return {
    async acquireLeases(requests: readonly LeaseRequest[]): Promise<LeaseResult[]> {
      for (const r of requests) {
        if (!Number.isInteger(r.max) || r.max < 1) throw new RangeError(`acquireLeases: max must be a whole number >= 1, got ${r.max}`);
        if (!Number.isInteger(r.ttlMs) || r.ttlMs < 1 || r.ttlMs > MAX_LEASE_TTL_MS) {
          throw new RangeError(`acquireLeases: ttlMs must be a whole number in 1..${MAX_LEASE_TTL_MS}, got ${r.ttlMs}`);
        }
      }
      if (requests.length === 0) return [];
      const keys = distinctKeys(requests);
      return retryOnDeadlock(() =>
        db.transaction().execute(async (trx) => {
          await lockLeaseKeys(trx, keys);
          const live = await dropExpiredAndSelectLeases(trx, keys);
          return decideLeases(requests, live, (grants) => upsertLeaseRows(trx, grants));
        }),
      );
    },

    async renewLeases(leases, ttlMs) {
      if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_TTL_MS) {
        throw new RangeError(`renewLeases: ttlMs must be a whole number in 1..${MAX_LEASE_TTL_MS}, got ${ttlMs}`);
      }
      const renewed = new Set(await renewLeaseRows(db, leases, ttlMs));
      return leases.map((l) => renewed.has(l.taskId));
    },

    async releaseLeases(leases) {
      await deleteLeaseRows(db, leases);
    },

    async takeTokens(requests: readonly TokenRequest[]): Promise<TokenResult[]> {
      for (const r of requests) {
        if (!Number.isFinite(r.perSecond) || r.perSecond <= 0) throw new RangeError(`takeTokens: perSecond must be > 0, got ${r.perSecond}`);
        if (!Number.isFinite(r.burst) || r.burst < 1) throw new RangeError(`takeTokens: burst must be >= 1, got ${r.burst}`);
      }
      if (requests.length === 0) return [];
      // The newest request of a type sets its rate and burst; sorted, so batches lock rows in one order.
      const byType = new Map<string, BucketRefill>();
      for (const r of requests) byType.set(r.type, { type: r.type, perSecond: r.perSecond, burst: r.burst });
      const buckets = [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
      return retryOnDeadlock(() =>
        db.transaction().execute(async (trx) => {
          const tokens = await refillBuckets(trx, buckets);
          const { results, taken } = decideTokens(requests, tokens, byType);
          await takeBucketTokens(trx, taken);
          return results;
        }),
      );
    },
  };
}

/** The distinct (type, key) pairs of a batch. */
function distinctKeys(requests: readonly LeaseRequest[]): LeaseKey[] {
  const seen = new Map<string, LeaseKey>();
  for (const r of requests) seen.set(JSON.stringify([r.type, r.key]), { type: r.type, key: r.key });
  return [...seen.values()];
}

/**
 * Decides a batch in input order against the live leases: a task holding
 * one gets it again; otherwise it is granted while its key has fewer than
 * `max`. Writes the grants through `write`, then returns the results.
 */
async function decideLeases(
  requests: readonly LeaseRequest[],
  live: readonly { task_id: string; task_type: string; key: string }[],
  write: (grants: LeaseGrantRow[]) => Promise<void>,
): Promise<LeaseResult[]> {
  const keyOf = (type: string, key: string): string => JSON.stringify([type, key]);
  const holders = new Map<string, Set<string>>();
  for (const row of live) {
    const k = keyOf(row.task_type, row.key);
    let set = holders.get(k);
    if (!set) holders.set(k, (set = new Set()));
    set.add(row.task_id);
  }
  const ownKey = new Map(live.map((row) => [row.task_id, keyOf(row.task_type, row.key)]));
  const grants = new Map<string, LeaseGrantRow>();
  const results = requests.map((r): LeaseResult => {
    const k = keyOf(r.type, r.key);
    let set = holders.get(k);
    if (!set) holders.set(k, (set = new Set()));
    // Its own lease (a redelivery, or a repeat in this batch) is taken again whatever the count.
    const own = set.has(r.taskId);
    if (!own && set.size >= r.max) return { granted: false, held: set.size };
    // A lease it held under another key (its args changed?) moves to this key.
    const before = ownKey.get(r.taskId);
    if (before !== undefined && before !== k) holders.get(before)?.delete(r.taskId);
    ownKey.set(r.taskId, k);
    set.add(r.taskId);
    grants.set(r.taskId, { taskId: r.taskId, type: r.type, key: r.key, holder: r.holder, ttlMs: r.ttlMs });
    return { granted: true };
  });
  await write([...grants.values()]);
  return results;
}

/**
 * Decides a batch of token requests in input order against each type's
 * tokens: a whole token is granted and taken; a request that finds none
 * waits until the tokens it needs (its place among this batch's refused
 * ones) have been refilled, so a refused burst comes back spread out.
 */
function decideTokens(
  requests: readonly TokenRequest[],
  tokens: ReadonlyMap<string, number>,
  byType: ReadonlyMap<string, BucketRefill>,
): { results: TokenResult[]; taken: { type: string; tokens: number }[] } {
  const left = new Map(tokens);
  const takenBy = new Map<string, number>();
  const refusedBy = new Map<string, number>();
  const results = requests.map((r): TokenResult => {
    const have = left.get(r.type) ?? 0;
    // A hair under 1 (float arithmetic on the refill) counts as a whole token.
    if (have >= 1 - 1e-9) {
      left.set(r.type, have - 1);
      takenBy.set(r.type, (takenBy.get(r.type) ?? 0) + 1);
      return { granted: true };
    }
    const place = (refusedBy.get(r.type) ?? 0) + 1;
    refusedBy.set(r.type, place);
    const rate = byType.get(r.type)!.perSecond;
    return { granted: false, waitMs: Math.max(1, Math.ceil(((place - have) / rate) * 1000)) };
  });
  return { results, taken: [...takenBy].map(([type, n]) => ({ type, tokens: n })) };
}
