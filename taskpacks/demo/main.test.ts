import assert from "node:assert/strict";
import { it } from "node:test";
import { createTestContext } from "tstasks/task";
import { pi, sleep } from "./main.js";

const ctx = (signal: AbortSignal) => createTestContext({ type: "demo.main.sleep", signal });

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

it("pi estimates pi and reports one progress and one log line per chunk", async () => {
  const ctx = createTestContext({ type: "demo.main.pi" });
  const result = await pi.run(pi.args.parse({ samples: 200_000, chunks: 4 }), ctx);
  assert.equal(result.samples, 200_000);
  assert.ok(Math.abs(result.pi - Math.PI) < 0.05, `estimate ${result.pi}`);
  assert.deepEqual(ctx.progressReports.map((p) => p.fraction), [0.25, 0.5, 0.75, 1]);
  assert.equal(ctx.logLines.length, 4);
  assert.match(ctx.logLines[3]!.message, /^chunk 4\/4: 200000 samples, pi ≈ 3\.\d+$/);
});

it("pi stops between chunks when its signal aborts", async () => {
  const abort = new AbortController();
  const ctx = createTestContext({ type: "demo.main.pi", signal: abort.signal });
  setTimeout(() => abort.abort(new Error("cancelled")), 30);
  await assert.rejects(Promise.resolve(pi.run(pi.args.parse({ samples: 1000, chunks: 100, pauseMs: 10 }), ctx)), /cancelled/);
  assert.ok(ctx.progressReports.length < 100);
});
