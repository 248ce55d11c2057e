import assert from "node:assert/strict";
import { it } from "node:test";
import { jsonHasNulChar } from "./has-nul-char.js";

it("finds NUL characters in JSON text and only those", () => {
  assert.equal(jsonHasNulChar(JSON.stringify({ a: "x\u0000y" })), true);
  assert.equal(jsonHasNulChar(JSON.stringify(["\u0000"])), true);
  assert.equal(jsonHasNulChar(JSON.stringify({ a: "\\\u0000" })), true);
  assert.equal(jsonHasNulChar(JSON.stringify({ a: "\\u0000" })), false, "an escaped backslash then u0000 is text");
  assert.equal(jsonHasNulChar(JSON.stringify({ a: "plain" })), false);
});
