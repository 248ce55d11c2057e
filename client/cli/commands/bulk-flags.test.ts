import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { bulkFilterOf } from "./bulk-flags.js";

const signal = new AbortController().signal;
const usage = (e: unknown) => e instanceof CliError && e.exitCode === ExitCode.USAGE;

test("an id alone acts on that task; filters alone make the bulk filter, without a deadline", () => {
  assert.equal(bulkFilterOf("abc", {}, signal), undefined);
  const after = new Date("2026-12-05T07:00:00Z");
  assert.deepEqual(bulkFilterOf(undefined, { type: "t", status: "FAILURE", createdAfter: after, limit: 5 }, signal), {
    signal,
    timeoutMs: 0,
    type: "t",
    status: "FAILURE",
    createdAfter: after,
    limit: 5,
  });
  assert.deepEqual(bulkFilterOf(undefined, { all: true }, signal), { signal, timeoutMs: 0, all: true });
});

test("an id with filters, neither, or a limit alone are usage errors", () => {
  assert.throws(() => bulkFilterOf("abc", { type: "t" }, signal), usage);
  assert.throws(() => bulkFilterOf("abc", { all: true }, signal), usage);
  assert.throws(() => bulkFilterOf(undefined, {}, signal), usage);
  assert.throws(() => bulkFilterOf(undefined, { limit: 3 }, signal), usage);
});
