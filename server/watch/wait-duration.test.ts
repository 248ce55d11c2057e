import assert from "node:assert/strict";
import { it } from "node:test";
import { RequestInvalidError } from "../errors/domain-errors.js";
import { parseWaitDuration } from "./wait-duration.js";

it("parses long-poll waits in ms, s and m, up to 60 s", () => {
  const cases: [string, number][] = [
    ["", 0],
    ["0s", 0],
    ["500ms", 500],
    ["1.5s", 1500],
    ["30s", 30_000],
    [".25s", 250],
    ["1m", 60_000],
    ["60s", 60_000],
    ["0.0001s", 1],
  ];
  for (const [text, ms] of cases) assert.equal(parseWaitDuration(text), ms, text);
});

it("refuses anything else with a message that says what a wait looks like", () => {
  for (const text of ["abc", "30", "-1s", "1h", "61s", "1.5m", "s", "1e3ms", "30 s"]) {
    assert.throws(() => parseWaitDuration(text), (e: unknown) => {
      assert.ok(e instanceof RequestInvalidError, text);
      assert.match(e.message, /wait "/);
      assert.ok(e.errors["wait"], text);
      return true;
    });
  }
});
