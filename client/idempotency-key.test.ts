import assert from "node:assert/strict";
import { it } from "node:test";
import { newIdempotencyKey } from "./idempotency-key.js";

it("makes distinct run- keys carrying a version 4 UUID", () => {
  const keys = new Set(Array.from({ length: 1000 }, newIdempotencyKey));
  assert.equal(keys.size, 1000);
  for (const key of keys) assert.match(key, /^run-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
