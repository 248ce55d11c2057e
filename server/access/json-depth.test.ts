import assert from "node:assert/strict";
import { it } from "node:test";
import type { JsonValue } from "../../core/task/json.js";
import { jsonDepth } from "./json-depth.js";

it("measures nesting depth and stops past the limit", () => {
  assert.equal(jsonDepth(1, 10), 0);
  assert.equal(jsonDepth({ a: 1 }, 10), 1);
  assert.equal(jsonDepth({ a: [1, { b: [] }] }, 10), 4, "an empty container still counts as a level");
  assert.equal(jsonDepth({ a: [1, { b: 2 }] }, 10), 3);
  let deep: JsonValue = 0;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.equal(jsonDepth(deep, 32), 33);
});
