import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import type { Delivery } from "../core/queue/task-queue.js";
import type { LeaseRef, LeaseRequest, LeaseResult, LimitStore, TokenRequest, TokenResult } from "../core/store/limit-store.js";
import { defineTask, z } from "../core/task/index.js";
import { silentLogger } from "../core/log/default-logger.js";
import type { LoadedTask } from "./packs/loaded-task.js";
import { createLimitGate } from "./limit-gate.js";

// The worker's side of the limits, on a scripted LimitStore: what it asks for, in which order, and what
// it gives back. (The store's own behaviour runs on Postgres and PGlite in core/store/limit-store.test.ts.)

/** A LimitStore answering from scripts, recording every call. */
function scriptedStore(answers: { lease?: LeaseResult; token?: TokenResult; fail?: boolean } = {}) {
  const calls: string[] = [];
  const released: LeaseRef[] = [];
  const renewed: LeaseRef[] = [];
  const store: LimitStore = {
    async acquireLeases(requests: readonly LeaseRequest[]) {
      calls.push(...requests.map((r) => `lease ${r.type} ${r.key} max ${r.max} by ${r.holder} ttl ${r.ttlMs}`));
      if (answers.fail) throw new Error("store down");
      return requests.map(() => answers.lease ?? { granted: true });
    },
    async renewLeases(leases: readonly LeaseRef[]) {
      renewed.push(...leases);
      return leases.map(() => true);
    },
    async releaseLeases(leases: readonly LeaseRef[]) {
      released.push(...leases);
    },
    async takeTokens(requests: readonly TokenRequest[]) {
      calls.push(...requests.map((r) => `token ${r.type} ${r.perSecond}/s burst ${r.burst}`));
      if (answers.fail) throw new Error("store down");
      return requests.map(() => answers.token ?? { granted: true });
    },
  };
  return { store, calls, released, renewed };
}

function loaded(name: string, definition: LoadedTask["definition"]): LoadedTask {
  return { name, pack: "test", packVersion: "1.0.0", definition, argsSchema: { type: "object" } };
}

const both = loaded(
  "test.limits.both",
  defineTask({ args: z.object({ user: z.string() }), concurrency: { key: (a) => a.user, max: 2 }, rateLimit: { perSecond: 3 }, run: () => 1 }) as never,
);

function delivery(args: object, deliveryCount = 1): Delivery {
  return { message: { id: randomUUID(), type: "test.limits.both", queue: "default", args: args as never }, deliveryCount, readySince: Date.now(), ack() {}, nak() {}, term() {}, working() {} };
}

describe("limit gate", () => {
  it("takes the lease, then the token, and releases the lease when the attempt is done", async () => {
    const s = scriptedStore();
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const d = delivery({ user: "alice" });
    const admitted = await gate.admit(d, both);
    assert.equal(admitted.kind, "run");
    assert.deepEqual(s.calls, ["lease test.limits.both alice max 2 by w1 ttl 3000", "token test.limits.both 3/s burst 3"]);
    if (admitted.kind === "run") admitted.done(false);
    await sleep(5);
    assert.deepEqual(s.released, [{ taskId: d.message.id, holder: "w1" }]);
  });

  it("keeps the lease when another attempt of the task runs here, and releases it once only", async () => {
    const s = scriptedStore();
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const admitted = await gate.admit(delivery({ user: "alice" }), both);
    assert.equal(admitted.kind, "run");
    if (admitted.kind === "run") {
      admitted.done(true);
      admitted.done(false);
    }
    await sleep(5);
    assert.deepEqual(s.released, []);
  });

  it("renews a held lease every third of its TTL until done", async () => {
    const s = scriptedStore();
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 150, log: silentLogger() });
    const admitted = await gate.admit(delivery({ user: "alice" }), both);
    await sleep(250);
    assert.ok(s.renewed.length >= 2, `${s.renewed.length} renewals`);
    if (admitted.kind === "run") admitted.done(false);
    const after = s.renewed.length;
    await sleep(100);
    assert.equal(s.renewed.length, after, "no renewal after done");
  });

  it("a busy key answers wait with the key's backoff and takes no token", async () => {
    const s = scriptedStore({ lease: { granted: false, held: 2 } });
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const admitted = await gate.admit(delivery({ user: "alice" }, 3), both);
    assert.equal(admitted.kind, "wait");
    if (admitted.kind === "wait") {
      assert.equal(admitted.why, "key");
      // Third delivery: 400 ms, in its upper half.
      assert.ok(admitted.delayMs >= 200 && admitted.delayMs <= 400, `${admitted.delayMs}`);
    }
    assert.equal(s.calls.length, 1);
  });

  it("a spent rate answers wait for the bucket's time (plus jitter) and gives the lease back", async () => {
    const s = scriptedStore({ token: { granted: false, waitMs: 800 } });
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const d = delivery({ user: "alice" });
    const admitted = await gate.admit(d, both);
    assert.equal(admitted.kind, "wait");
    if (admitted.kind === "wait") {
      assert.equal(admitted.why, "rate");
      assert.ok(admitted.delayMs >= 800 && admitted.delayMs <= 1000, `${admitted.delayMs}`);
    }
    await sleep(5);
    assert.deepEqual(s.released, [{ taskId: d.message.id, holder: "w1" }]);
  });

  it("a key function that fails answers run with a refusal, asking the store nothing", async () => {
    const s = scriptedStore();
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const bad = loaded("test.limits.bad", defineTask({ args: z.object({}), concurrency: { key: () => 7 as never, max: 1 }, run: () => 1 }) as never);
    const admitted = await gate.admit(delivery({}), bad);
    assert.equal(admitted.kind, "run");
    if (admitted.kind === "run") assert.deepEqual(admitted.refusal, { type: "ConcurrencyKeyFailed", message: "the concurrency key function returned number, not a string" });
    assert.deepEqual(s.calls, []);
  });

  it("args that do not parse take no lease (the attempt fails InvalidArguments before run)", async () => {
    const s = scriptedStore();
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const admitted = await gate.admit(delivery({ user: 5 }), both);
    assert.deepEqual([admitted.kind, admitted.kind === "run" ? admitted.refusal : "wait"], ["run", undefined]);
    assert.deepEqual(s.calls, []);
  });

  it("refuses a lease TTL under 100 ms", () => {
    assert.throws(() => createLimitGate({ store: scriptedStore().store, holder: "w1", leaseTtlMs: 50, log: silentLogger() }), RangeError);
  });

  it("a store that fails answers wait (1 s), so the delivery comes back rather than being lost", async () => {
    const s = scriptedStore({ fail: true });
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    assert.deepEqual(await gate.admit(delivery({ user: "alice" }), both), { kind: "wait", delayMs: 1000, why: "store" });
  });

  it("batches concurrent admissions into one store call", async () => {
    let batches = 0;
    const s = scriptedStore();
    const acquire = s.store.acquireLeases.bind(s.store);
    s.store.acquireLeases = (requests) => {
      batches++;
      return acquire(requests);
    };
    const keyedOnly = loaded("test.limits.k", defineTask({ args: z.object({ user: z.string() }), concurrency: { key: (a) => a.user, max: 2 }, run: () => 1 }) as never);
    const gate = createLimitGate({ store: s.store, holder: "w1", leaseTtlMs: 3000, log: silentLogger() });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gate.admit(delivery({ user: `u${i}` }), keyedOnly)));
    assert.ok(results.every((r) => r.kind === "run"));
    // The first goes out at once; the rest wait for a free flush slot and go together (2 flushes at most in flight).
    assert.ok(batches <= 3, `${batches} store calls for 10 admissions`);
    for (const r of results) if (r.kind === "run") r.done(false);
  });
});
