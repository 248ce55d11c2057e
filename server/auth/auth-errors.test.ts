import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PermissionDeniedError, RateLimitedError, UnauthenticatedError } from "./auth-errors.js";

describe("auth errors", () => {
  it("are Errors with a distinct name and the given message", () => {
    const cases = [
      [new UnauthenticatedError("a"), "UnauthenticatedError"],
      [new PermissionDeniedError("b"), "PermissionDeniedError"],
      [new RateLimitedError("c", 3), "RateLimitedError"],
    ] as const;
    for (const [err, name] of cases) {
      assert.ok(err instanceof Error);
      assert.equal(err.name, name);
      assert.match(String(err), new RegExp(`^${name}: `));
    }
    assert.ok(!(new PermissionDeniedError("x") instanceof UnauthenticatedError));
  });

  it("RateLimitedError carries whole seconds, at least 1", () => {
    assert.equal(new RateLimitedError("x", 7).retryAfterSec, 7);
    assert.equal(new RateLimitedError("x", 2.1).retryAfterSec, 3);
    assert.equal(new RateLimitedError("x", 0).retryAfterSec, 1);
  });
});
