import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgumentError } from "commander";
import { collectStep, parseStepsJson } from "./chain-steps.js";

describe("chain steps on the command line", () => {
  it("--step: the type, KEY=VALUE args (JSON when it parses) and one FIELD=@prev, in order", () => {
    const steps = collectStep("test.main.add  x=@prev y=10", collectStep("test.main.add x=1 y=2 s=hi"));
    assert.deepEqual(steps, [
      { type: "test.main.add", args: { x: 1, y: 2, s: "hi" } },
      { type: "test.main.add", args: { y: 10 }, inputField: "x" },
    ]);
    // "@prev" inside a longer value is an ordinary string.
    assert.deepEqual(collectStep("t.m.e s=x@prev"), [{ type: "t.m.e", args: { s: "x@prev" } }]);
  });

  it("--step refuses an empty step, a word without =, two @prev and an empty field", () => {
    for (const bad of ["", "  ", "x=1", "t.m.e x", "t.m.e x=@prev y=@prev", "t.m.e =@prev"]) {
      assert.throws(() => collectStep(bad), InvalidArgumentError, bad);
    }
  });

  it("--json: an array of steps with input_field (or inputField), max_retries and timeout_ms", () => {
    assert.deepEqual(
      parseStepsJson('[{"type":"a.b.c","args":{"x":1}},{"type":"a.b.c","input_field":"x","max_retries":2,"timeout_ms":500},{"type":"d.e.f","inputField":"y"}]'),
      [
        { type: "a.b.c", args: { x: 1 } },
        { type: "a.b.c", args: {}, inputField: "x", maxRetries: 2, timeoutMs: 500 },
        { type: "d.e.f", args: {}, inputField: "y" },
      ],
    );
    for (const bad of ["{", '{"type":"a"}', "[1]", '[{"args":{}}]']) assert.throws(() => parseStepsJson(bad), InvalidArgumentError, bad);
  });
});
