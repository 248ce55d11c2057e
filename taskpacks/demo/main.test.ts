import assert from "node:assert/strict";
import { it } from "node:test";
import { sleep } from "./main.js";

const ctx = (signal: AbortSignal) => ({ taskId: "t", type: "demo.main.sleep", attempt: 1, signal, worker: "w" });

it("sleep waits and returns how long", async () => {
  const started = Date.now();
  assert.deepEqual(await sleep.run({ ms: 50 }, ctx(new AbortController().signal)), { slept: 50 });
  assert.ok(Date.now() - started >= 45);
});

it("sleep stops when its signal aborts", async () => {
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(new Error("stop")), 20);
  await assert.rejects(Promise.resolve(sleep.run({ ms: 10_000 }, ctx(abort.signal))), /stop/);
  assert.ok(Date.now() - started < 1000);
});

it("sleep refuses negative and huge durations", () => {
  assert.equal(sleep.args.safeParse({ ms: -1 }).success, false);
  assert.equal(sleep.args.safeParse({ ms: 3_600_001 }).success, false);
  assert.equal(sleep.args.safeParse({ ms: 1.5 }).success, false);
});
