import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidRetentionError, MAX_RETENTION_MS, parseRetentionDuration } from "./retention-duration.js";

describe("parseRetentionDuration", () => {
  it("reads a whole number with one unit: s, m, h or d", () => {
    assert.equal(parseRetentionDuration("90s"), 90_000);
    assert.equal(parseRetentionDuration("30m"), 1_800_000);
    assert.equal(parseRetentionDuration("12h"), 43_200_000);
    assert.equal(parseRetentionDuration("7d"), 604_800_000);
    assert.equal(parseRetentionDuration("1s"), 1000);
    assert.equal(parseRetentionDuration(" 2d "), 172_800_000, "surrounding spaces are ignored");
    assert.equal(parseRetentionDuration("36500d"), MAX_RETENTION_MS);
  });

  it("0 and off (any case) are off", () => {
    for (const off of ["0", "off", "OFF", "Off", " off "]) assert.equal(parseRetentionDuration(off), null, off);
  });

  it("refuses anything else with a message that names the value and the accepted forms", () => {
    const bad = ["", "7", "3600", "7 d", "1.5h", "-1d", "7D", "1w", "500ms", "d", "7dd", "offf", "00", "1e3s"];
    for (const text of bad) {
      assert.throws(
        () => parseRetentionDuration(text),
        (e: unknown) => e instanceof InvalidRetentionError && e.message.startsWith(`"${text}" is not a duration: use a whole number`),
        JSON.stringify(text),
      );
    }
  });

  it("refuses a zero with a unit, which would delete everything finished, and more than 36500d", () => {
    for (const zero of ["0s", "0d", "000h"]) assert.throws(() => parseRetentionDuration(zero), /would delete every finished task at once: use 0 or off/);
    assert.throws(() => parseRetentionDuration("36501d"), /"36501d" is too long: at most 36500d/);
    assert.throws(() => parseRetentionDuration("99999999999999999999d"), /is too long/);
  });
});
