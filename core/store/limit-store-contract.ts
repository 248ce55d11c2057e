import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { ContractBackend } from "./task-store-contract.js";
import type { LeaseRequest } from "./limit-store.js";
import type { TaskStore } from "./task-store.js";

// The LimitStore part of the TaskStore contract (concurrency leases, token buckets), run on each backend.

/** A limit contract backend: `others` are more stores on the same database (other processes' view), if any. */
export interface LimitContractBackend extends ContractBackend {
  others: TaskStore[];
}

/** A lease request for a new task of `type`/`key`; `overrides` replace fields. */
function lease(overrides: Partial<LeaseRequest> = {}): LeaseRequest {
  return { type: "test.limits.keyed", key: "a", taskId: randomUUID(), max: 2, holder: "w1", ttlMs: 60_000, ...overrides };
}

/** A type name no other test uses (each test gets its own keys and buckets). */
function freshType(): string {
  return `test.limits.t${randomUUID().slice(0, 8)}`;
}

/**
 * Registers the limit contract under `describe(name)`. `open` gives an
 * empty store per group.
 */
export function describeLimitStoreContract(name: string, open: () => Promise<LimitContractBackend>): void {
  describe(name, () => {
    let backend: LimitContractBackend | undefined;
    before(async () => {
      backend = await open();
    });
    after(async () => {
      for (const o of backend?.others ?? []) await o.close();
      await backend?.store.close();
      await backend?.cleanup();
    });
    const store = (): TaskStore => backend!.store;
    const granted = (results: { granted: boolean }[]): boolean[] => results.map((r) => r.granted);

    test("a key grants at most max leases; other keys and types are not held up", async () => {
      const type = freshType();
      const [a1, a2, a3] = [lease({ type }), lease({ type }), lease({ type })];
      assert.deepEqual(await store().acquireLeases([a1]), [{ granted: true }]);
      assert.deepEqual(await store().acquireLeases([a2]), [{ granted: true }]);
      assert.deepEqual(await store().acquireLeases([a3]), [{ granted: false, held: 2 }]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type, key: "b" })])), [true]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type: freshType() })])), [true]);
      // One batch is decided in order: never more than max, and a repeated task keeps its own lease.
      const t = freshType();
      const first = lease({ type: t });
      const batch = [first, lease({ type: t }), { ...first }, lease({ type: t }), lease({ type: t, key: "other" })];
      assert.deepEqual(granted(await store().acquireLeases(batch)), [true, true, true, false, true]);
    });

    test("a task re-takes its own lease (a redelivery) even when its key is full, and the holder moves", async () => {
      const type = freshType();
      const a1 = lease({ type, max: 1 });
      assert.deepEqual(granted(await store().acquireLeases([a1])), [true]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type, max: 1 })])), [false]);
      assert.deepEqual(granted(await store().acquireLeases([{ ...a1, holder: "w2" }])), [true]);
      // w2 holds it now: w1's release is a no-op, w2's frees the key.
      await store().releaseLeases([{ taskId: a1.taskId, holder: "w1" }]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type, max: 1 })])), [false]);
      await store().releaseLeases([{ taskId: a1.taskId, holder: "w2" }]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type, max: 1 })])), [true]);
    });

    test("releasing a lease frees its slot", async () => {
      const type = freshType();
      const [a1, a2] = [lease({ type }), lease({ type })];
      await store().acquireLeases([a1, a2]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type })])), [false]);
      await store().releaseLeases([{ taskId: a1.taskId, holder: "w1" }]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type })])), [true]);
      await store().releaseLeases([]);
    });

    test("a lease that is not renewed expires after its TTL and stops counting; a renewed one holds", async () => {
      const type = freshType();
      const dying = lease({ type, max: 2, ttlMs: 300, holder: "dead-worker" });
      const living = lease({ type, max: 2, ttlMs: 300, holder: "live-worker" });
      await store().acquireLeases([dying, living]);
      assert.deepEqual(granted(await store().acquireLeases([lease({ type })])), [false]);
      assert.deepEqual(await store().renewLeases([{ taskId: living.taskId, holder: "live-worker" }], 60_000), [true]);
      // Another holder cannot renew it.
      assert.deepEqual(await store().renewLeases([{ taskId: living.taskId, holder: "someone-else" }], 60_000), [false]);
      await sleep(450);
      // The dead worker's lease expired: one slot again, but not two (the renewed lease still counts).
      assert.deepEqual(granted(await store().acquireLeases([lease({ type }), lease({ type })])), [true, false]);
      await backend!.withDb(async (db) => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from concurrency_leases where task_id = ${dying.taskId}`.execute(db);
        assert.equal(rows[0]!.n, 0, "the expired lease was dropped");
      });
    });

    test("an expired lease of a task is re-taken only if its key has room", async () => {
      const type = freshType();
      const stale = lease({ type, max: 1, ttlMs: 200 });
      await store().acquireLeases([stale]);
      await sleep(300);
      const other = lease({ type, max: 1 });
      assert.deepEqual(granted(await store().acquireLeases([other])), [true]);
      assert.deepEqual(await store().acquireLeases([stale]), [{ granted: false, held: 1 }]);
    });

    test("concurrent acquires of one key, from every connection, never grant more than max", async () => {
      const type = freshType();
      const stores = [store(), ...backend!.others];
      const requests = Array.from({ length: 24 }, () => lease({ type, max: 3 }));
      const results = await Promise.all(requests.map((r, i) => stores[i % stores.length]!.acquireLeases([r])));
      assert.equal(results.flat().filter((r) => r.granted).length, 3);
    });

    test("rejects a max or a TTL that is not a whole number >= 1", async () => {
      await assert.rejects(store().acquireLeases([lease({ max: 0 })]), RangeError);
      await assert.rejects(store().acquireLeases([lease({ ttlMs: 0.5 })]), RangeError);
      await assert.rejects(store().renewLeases([], 0), RangeError);
      assert.deepEqual(await store().acquireLeases([]), []);
    });

    test("a new bucket starts full at its burst; a refused token says how long until the next", async () => {
      const type = freshType();
      const results = await store().takeTokens(Array.from({ length: 5 }, () => ({ type, perSecond: 2, burst: 3 })));
      assert.deepEqual(granted(results), [true, true, true, false, false]);
      // At 2 a second the next token is 500 ms away, the one after that 1000 ms (a refused batch spreads out).
      const waits = results.flatMap((r) => (r.granted ? [] : [r.waitMs]));
      assert.ok(waits[0]! > 300 && waits[0]! <= 500, `first wait ${waits[0]}`);
      assert.ok(waits[1]! > 800 && waits[1]! <= 1000, `second wait ${waits[1]}`);
      await sleep(600);
      // One token refilled since (not more: 600 ms at 2 a second is 1.2).
      assert.deepEqual(granted(await store().takeTokens([{ type, perSecond: 2, burst: 3 }, { type, perSecond: 2, burst: 3 }])), [true, false]);
    });

    test("a fractional rate: burst 1, then one token every 2 s", async () => {
      const type = freshType();
      const [first, second] = await store().takeTokens([{ type, perSecond: 0.5, burst: 1 }, { type, perSecond: 0.5, burst: 1 }]);
      assert.deepEqual(first, { granted: true });
      assert.equal(second!.granted, false);
      if (!second!.granted) assert.ok(second!.waitMs > 1800 && second!.waitMs <= 2000, `wait ${second!.waitMs}`);
    });

    test("the tokens never exceed the burst, however long the bucket was idle", async () => {
      const type = freshType();
      await store().takeTokens([{ type, perSecond: 1000, burst: 2 }]);
      await sleep(50);
      assert.deepEqual(granted(await store().takeTokens(Array.from({ length: 4 }, () => ({ type, perSecond: 1000, burst: 2 })))).filter(Boolean).length, 2);
    });

    test("concurrent takes of one bucket, from every connection, never hand out a token twice", async () => {
      const type = freshType();
      const stores = [store(), ...backend!.others];
      // A rate so slow that no token is refilled during the test: exactly the burst is granted.
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.takeTokens([{ type, perSecond: 0.001, burst: 5 }])));
      assert.equal(results.flat().filter((r) => r.granted).length, 5);
    });

    test("rejects a rate that is not > 0 or a burst under 1", async () => {
      await assert.rejects(store().takeTokens([{ type: "x", perSecond: 0, burst: 1 }]), RangeError);
      await assert.rejects(store().takeTokens([{ type: "x", perSecond: 1, burst: 0 }]), RangeError);
      assert.deepEqual(await store().takeTokens([]), []);
    });
  });
}
