import assert from "node:assert/strict";
import { it } from "node:test";
import { backoffDelayMs } from "./backoff.js";

it("grows exponentially, caps, and jitters within the upper half", () => {
  const top = () => 0.999999;
  const bottom = () => 0;
  assert.equal(backoffDelayMs(1, {}, top), 1000);
  assert.equal(backoffDelayMs(1, {}, bottom), 500);
  assert.equal(backoffDelayMs(3, { initialMs: 100, factor: 3 }, top), 900);
  assert.equal(backoffDelayMs(30, { maxMs: 5000 }, top), 5000);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelayMs(2, { initialMs: 1000 });
    assert.ok(d >= 1000 && d <= 2000, String(d));
  }
});
