import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimitedError } from "./auth-errors.js";
import { createLoginThrottle } from "./login-throttle.js";

describe("login throttle", () => {
  it("refuses a key after maxFailures failures, with a retry time", async () => {
    const t = createLoginThrottle({ maxFailures: 3, windowSec: 60 });
    for (let i = 0; i < 3; i++) {
      await t.check("ann|1.2.3.4");
      await t.fail("ann|1.2.3.4");
    }
    await assert.rejects(t.check("ann|1.2.3.4"), (e: unknown) => {
      assert.ok(e instanceof RateLimitedError);
      assert.ok(e.retryAfterSec > 0 && e.retryAfterSec <= 60, String(e.retryAfterSec));
      assert.match(e.message, /too many failed login attempts; retry in \d+ s/);
      return true;
    });
    // other keys are unaffected
    await t.check("ann|5.6.7.8");
    await t.check("bob|1.2.3.4");
  });

  it("a success resets the count", async () => {
    const t = createLoginThrottle({ maxFailures: 2, windowSec: 60 });
    await t.fail("k");
    await t.succeed("k");
    await t.fail("k");
    await t.check("k"); // only one failure since the success
    await t.fail("k");
    await assert.rejects(t.check("k"), RateLimitedError);
    await t.succeed("k");
    await t.check("k");
  });

  it("defaults to 5 failures", async () => {
    const t = createLoginThrottle();
    for (let i = 0; i < 4; i++) await t.fail("k");
    await t.check("k");
    await t.fail("k");
    await assert.rejects(t.check("k"), (e: unknown) => e instanceof RateLimitedError && e.retryAfterSec > 800);
  });

  it("validates options", () => {
    assert.throws(() => createLoginThrottle({ maxFailures: 0 }), /maxFailures/);
    assert.throws(() => createLoginThrottle({ windowSec: 1.5 }), /windowSec/);
  });
});
