import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { defineTask } from "./define-task.js";
import { busyKeyDelayMs, concurrencyKeyOf, MAX_CONCURRENCY_KEY_LENGTH } from "./task-limits.js";

const args = z.object({ user: z.string() });
const run = (): number => 1;

describe("defineTask concurrency and rateLimit", () => {
  it("keeps a valid concurrency key and resolves the burst of a rate limit", () => {
    const keyed = defineTask({ args, run, concurrency: { key: (a) => a.user, max: 2 } });
    assert.equal(keyed.concurrency?.max, 2);
    assert.equal(keyed.concurrency?.key({ user: "a" }), "a");
    assert.equal(keyed.rateLimit, undefined);
    assert.deepEqual(defineTask({ args, run, rateLimit: { perSecond: 50 } }).rateLimit, { perSecond: 50, burst: 50 });
    // A fraction: one start every 2 s, and at least one token in the bucket.
    assert.deepEqual(defineTask({ args, run, rateLimit: { perSecond: 0.5 } }).rateLimit, { perSecond: 0.5, burst: 1 });
    assert.deepEqual(defineTask({ args, run, rateLimit: { perSecond: 4, burst: 10 } }).rateLimit, { perSecond: 4, burst: 10 });
  });

  it("has neither option by default", () => {
    const plain = defineTask({ args, run });
    assert.equal(plain.concurrency, undefined);
    assert.equal(plain.rateLimit, undefined);
    assert.equal("concurrency" in plain, false);
  });

  for (const [label, max] of [["zero", 0], ["negative", -1], ["a fraction", 1.5], ["NaN", Number.NaN], ["a string", "2"]] as const) {
    it(`rejects a concurrency max that is ${label}`, () => {
      assert.throws(() => defineTask({ args, run, concurrency: { key: (a) => a.user, max: max as number } }), /concurrency\.max must be a whole number from 1/);
    });
  }

  it("rejects a concurrency key that is not a function", () => {
    assert.throws(() => defineTask({ args, run, concurrency: { key: "user" as never, max: 1 } }), /concurrency\.key must be a function/);
  });

  for (const [label, perSecond] of [["zero", 0], ["negative", -2], ["infinite", Number.POSITIVE_INFINITY], ["NaN", Number.NaN]] as const) {
    it(`rejects a rate of ${label}`, () => {
      assert.throws(() => defineTask({ args, run, rateLimit: { perSecond } }), /rateLimit\.perSecond must be a number > 0/);
    });
  }

  it("rejects a burst under 1", () => {
    assert.throws(() => defineTask({ args, run, rateLimit: { perSecond: 2, burst: 0.5 } }), /rateLimit\.burst must be a number from 1/);
  });
});

describe("concurrencyKeyOf", () => {
  it("returns the key a function gives", () => {
    assert.deepEqual(concurrencyKeyOf((a: { user: string }) => a.user, { user: "alice" }), { ok: true, key: "alice" });
  });

  it("fails with ConcurrencyKeyFailed when the function throws", () => {
    const out = concurrencyKeyOf(() => {
      throw new Error("no user");
    }, {});
    assert.deepEqual(out, { ok: false, error: { type: "ConcurrencyKeyFailed", message: "the concurrency key function threw: no user" } });
  });

  for (const [label, value, why] of [
    ["a number", 42, /returned number, not a string/],
    ["undefined", undefined, /returned undefined, not a string/],
    ["null", null, /returned null, not a string/],
    ["an empty string", "", /1 to 512 characters, got 0/],
    ["a string too long", "x".repeat(MAX_CONCURRENCY_KEY_LENGTH + 1), /got 513/],
    ["a NUL character", "a\u0000b", /NUL/],
  ] as const) {
    it(`fails when the function returns ${label}`, () => {
      const out = concurrencyKeyOf(() => value, {});
      assert.equal(out.ok, false);
      if (!out.ok) {
        assert.equal(out.error.type, "ConcurrencyKeyFailed");
        assert.match(out.error.message, why);
      }
    });
  }
});

describe("busyKeyDelayMs", () => {
  it("doubles from 100 ms per delivery up to 2 s, in the upper half of each step", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((d) => busyKeyDelayMs(d, () => 0)), [50, 100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((d) => busyKeyDelayMs(d, () => 0.999_999)), [100, 200, 400, 800, 1600, 2000, 2000]);
  });
});
