import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "commander";
import { parseDuration, parseNonNegativeInt, parsePositiveInt, parsePriority, parseServerUrl, parseStatus, parseTime } from "./option-parsers.js";

test("durations: a unit of ms, s, m or h; a bare number is seconds", () => {
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.equal(parseDuration("10"), 10_000);
  for (const bad of ["soon", "-1s", "1d", "", "s"]) assert.throws(() => parseDuration(bad), InvalidArgumentError, bad);
});

test("whole numbers: digits only; --limit at least 1", () => {
  assert.equal(parseNonNegativeInt("0"), 0);
  assert.equal(parseNonNegativeInt("42"), 42);
  for (const bad of ["-1", "1.5", "1e3", "x", "", "99999999999999999999"]) {
    assert.throws(() => parseNonNegativeInt(bad), InvalidArgumentError, bad);
  }
  assert.equal(parsePositiveInt("1"), 1);
  assert.throws(() => parsePositiveInt("0"), InvalidArgumentError);
});

test("statuses: any case; anything else names the valid ones", () => {
  assert.equal(parseStatus("failure"), "FAILURE");
  assert.equal(parseStatus("Success"), "SUCCESS");
  assert.throws(() => parseStatus("DONE"), /PENDING, STARTED, SUCCESS, FAILURE, RETRY, REVOKED/);
});

test("server URLs: http or https, trailing slashes dropped", () => {
  assert.equal(parseServerUrl("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
  assert.equal(parseServerUrl("https://tasks.example.com"), "https://tasks.example.com");
  for (const bad of ["localhost:8080", "ftp://x", "not a url"]) assert.throws(() => parseServerUrl(bad), InvalidArgumentError, bad);
});

test("times: ISO 8601 with a date first; a bare date is midnight UTC", () => {
  assert.equal(parseTime("2026-12-05T07:00:00Z").toISOString(), "2026-12-05T07:00:00.000Z");
  assert.equal(parseTime("2026-12-05T08:00:00+01:00").toISOString(), "2026-12-05T07:00:00.000Z");
  assert.equal(parseTime("2026-12-05").toISOString(), "2026-12-05T00:00:00.000Z");
  for (const bad of ["yesterday", "1733382000", "2026-13-45", ""]) assert.throws(() => parseTime(bad), InvalidArgumentError, bad);
});

test("--priority: a whole number from 1 to 10", () => {
  assert.equal(parsePriority("1"), 1);
  assert.equal(parsePriority(" 10 "), 10);
  for (const bad of ["0", "11", "-1", "5.5", "high", ""]) assert.throws(() => parsePriority(bad), InvalidArgumentError, bad);
});
