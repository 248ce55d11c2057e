import assert from "node:assert/strict";
import { it } from "node:test";
import type { RequestInvalidError } from "../errors/domain-errors.js";
import { resolveRunAt } from "./run-at.js";

it("resolves run_at and delay_ms", () => {
  const now = 1_000_000;
  assert.equal(resolveRunAt(undefined, 0, now), null);
  assert.equal(resolveRunAt(undefined, 500, now)?.getTime(), now + 500);
  assert.equal(resolveRunAt(new Date(now + 10), 0, now)?.getTime(), now + 10);
  assert.equal(resolveRunAt(new Date(now - 10), 0, now), null, "a past time means at once");
  assert.throws(() => resolveRunAt(new Date(now + 10), 5, now), (e: unknown) => /not both/.test((e as RequestInvalidError).errors["run_at"] ?? ""));
  assert.throws(() => resolveRunAt(undefined, 31 * 24 * 3600_000, now), (e: unknown) => /30 days/.test((e as RequestInvalidError).errors["delay_ms"] ?? ""));
});
