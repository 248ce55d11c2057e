import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestContext } from "tstasks/task";
import { keyed, throttled, unkeyable } from "./limits.js";

describe("test pack: limits", () => {
  it("keyed sleeps and returns its user; at most 2 per user", async () => {
    assert.equal(await keyed.run({ user: "a", ms: 5 }, createTestContext({ type: "test.limits.keyed" })), "a");
    assert.equal(keyed.concurrency?.max, 2);
    assert.equal(keyed.concurrency?.key({ user: "bob", ms: 0 }), "bob");
    assert.deepEqual(keyed.args.parse({ user: "a" }), { user: "a", ms: 200 });
  });

  it("keyed stops when its signal aborts", async () => {
    const abort = new AbortController();
    const running = keyed.run({ user: "a", ms: 60_000 }, createTestContext({ type: "test.limits.keyed", signal: abort.signal }));
    abort.abort(new Error("stop"));
    await assert.rejects(Promise.resolve(running), /stop/);
  });

  it("throttled returns n, at 4 a second with a burst of 4", async () => {
    assert.equal(await throttled.run({ n: 7 }, createTestContext({ type: "test.limits.throttled" })), 7);
    assert.deepEqual(throttled.rateLimit, { perSecond: 4, burst: 4 });
  });

  it("unkeyable has a key function that throws", () => {
    assert.throws(() => unkeyable.concurrency!.key({}), /no key for any args/);
  });
});
