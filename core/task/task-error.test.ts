import assert from "node:assert/strict";
import { it } from "node:test";
import { isNonRetryable, NonRetryableError, toTaskErrorInfo } from "./task-error.js";

it("isNonRetryable knows NonRetryableError and its subclasses, and nothing else", () => {
  class Refused extends NonRetryableError {}
  assert.equal(isNonRetryable(new NonRetryableError("no")), true);
  assert.equal(isNonRetryable(new Refused("no")), true);
  for (const other of [new Error("x"), new TypeError("x"), Object.assign(new Error("x"), { name: "NonRetryableError" }), "NonRetryableError", null, undefined, 3]) {
    assert.equal(isNonRetryable(other), false, String(other));
  }
});

it("isNonRetryable knows one from another copy of this module (the mark is a registered symbol)", async () => {
  // A second instance of the module, as a taskpack with its own tstasks would load it.
  const copy = (await import(`./task-error.js?copy=${Date.now()}`)) as typeof import("./task-error.js");
  assert.notEqual(copy.NonRetryableError, NonRetryableError, "a distinct class");
  const foreign = new copy.NonRetryableError("from the other copy");
  assert.equal(foreign instanceof NonRetryableError, false, "instanceof cannot tell");
  assert.equal(isNonRetryable(foreign), true);
  assert.deepEqual(toTaskErrorInfo(foreign), { type: "NonRetryableError", message: "from the other copy" });
});
