import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimitedError } from "./auth-errors.js";
import { createRateLimit } from "./rate-limit.js";

describe("rate limit", () => {
  it("allows `points` calls per key, then throws RateLimitedError", async () => {
    const limit = createRateLimit({ points: 3, durationSec: 30, name: "token" });
    for (let i = 0; i < 3; i++) await limit.consume("10.0.0.1");
    await assert.rejects(limit.consume("10.0.0.1"), (e: unknown) => {
      assert.ok(e instanceof RateLimitedError);
      assert.ok(e.retryAfterSec > 0 && e.retryAfterSec <= 30, String(e.retryAfterSec));
      assert.equal(e.message, `token rate limit exceeded; retry in ${e.retryAfterSec} s`);
      return true;
    });
    await assert.rejects(limit.consume("10.0.0.1"), RateLimitedError);
    await limit.consume("10.0.0.2"); // separate key
  });

  it("separate limiters do not share counts", async () => {
    const a = createRateLimit({ points: 1, durationSec: 30, name: "a" });
    const b = createRateLimit({ points: 1, durationSec: 30, name: "b" });
    await a.consume("k");
    await b.consume("k");
    await assert.rejects(a.consume("k"), /a rate limit exceeded/);
  });

  it("validates options", () => {
    assert.throws(() => createRateLimit({ points: 0, durationSec: 1, name: "x" }), /points/);
    assert.throws(() => createRateLimit({ points: 1, durationSec: 0, name: "x" }), /durationSec/);
  });
});
