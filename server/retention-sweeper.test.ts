import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitUntil } from "../test/harness/wait-until.js";
import { startRetentionSweeper } from "./retention-sweeper.js";
import { silentLogger } from "../core/log/default-logger.js";
import { captureLog } from "../test/support/capture-log.js";

/** A store whose deleteFinishedTasks answers from `answers` (then 0), recording each call. */
function fakeStore(answers: (number | Error)[], delayMs = 0) {
  const calls: { cutoff: Date; limit: number; at: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  return {
    calls,
    maxRunning: () => maxRunning,
    async deleteFinishedTasks(cutoff: Date, limit: number): Promise<number> {
      calls.push({ cutoff, limit, at: Date.now() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        const answer = answers.shift() ?? 0;
        if (answer instanceof Error) throw answer;
        return answer;
      } finally {
        running--;
      }
    },
  };
}

describe("startRetentionSweeper", () => {
  it("deletes in batches until one deletes fewer than the batch size, then logs one line for the round", async () => {
    const store = fakeStore([3, 3, 1]);
    const captured = captureLog();
    const lines = () => captured.messages();
    const sweeper = startRetentionSweeper(store, { retentionMs: 60_000, intervalMs: 20, batchSize: 3, log: captured.log });
    try {
      await waitUntil(async () => lines().length >= 1, { timeoutMs: 5000, intervalMs: 5, label: "the round's line" });
      assert.deepEqual(store.calls.slice(0, 3).map((c) => c.limit), [3, 3, 3]);
      // One cutoff for the whole round: the retention before its start.
      const [first, , third] = store.calls;
      assert.equal(first!.cutoff.getTime(), third!.cutoff.getTime());
      assert.ok(Math.abs(first!.at - 60_000 - first!.cutoff.getTime()) < 1000, "cutoff = now - retention");
      assert.match(lines()[0]!, /^retention: deleted 7 task\(s\) finished before \d{4}-\d\d-\d\dT[\d:.]+Z \(3 batch\(es\), \d+ ms\)$/);
      const { level, deleted, batches, cutoff } = captured.entries()[0]!;
      assert.deepEqual({ level, deleted, batches, cutoff }, { level: "info", deleted: 7, batches: 3, cutoff: first!.cutoff.toISOString() });
      // Later rounds delete nothing, make one call each and log nothing.
      await waitUntil(async () => store.calls.length >= 6, { timeoutMs: 5000, intervalMs: 5, label: "three more rounds" });
      assert.equal(lines().length, 1);
    } finally {
      await sweeper.stop();
    }
  });

  it("logs a failed round and tries again in the next", async () => {
    const store = fakeStore([2, new Error("connection refused"), 5]);
    const captured = captureLog();
    const sweeper = startRetentionSweeper(store, { retentionMs: 1000, intervalMs: 20, batchSize: 2, log: captured.log });
    try {
      await waitUntil(async () => captured.entries().length >= 2, { timeoutMs: 5000, intervalMs: 5, label: "two lines" });
      const [failed, next] = captured.entries();
      assert.equal(failed!["msg"], "deleting tasks past retention failed (after deleting 2); will retry next round");
      assert.equal(failed!["level"], "warn");
      assert.deepEqual((failed!["err"] as { message: string }).message, "connection refused", "the error as err, not a string");
      assert.match(String(next!["msg"]), /^retention: deleted 5 task\(s\) /);
    } finally {
      await sweeper.stop();
    }
  });

  it("never overlaps rounds, however slow a batch is", async () => {
    const store = fakeStore([], 60);
    const sweeper = startRetentionSweeper(store, { retentionMs: 1000, intervalMs: 1, batchSize: 10, log: silentLogger() });
    try {
      await waitUntil(async () => store.calls.length >= 5, { timeoutMs: 5000, intervalMs: 5, label: "five rounds" });
      assert.equal(store.maxRunning(), 1);
      const gaps = store.calls.slice(1).map((c, i) => c.at - store.calls[i]!.at);
      assert.ok(gaps.every((g) => g >= 55), `a round started before the previous ended: gaps ${gaps.join(", ")} ms`);
    } finally {
      await sweeper.stop();
    }
  });

  it("stop waits for the batch in flight and starts nothing after it", async () => {
    const store = fakeStore([10, 10, 10, 10], 50);
    const sweeper = startRetentionSweeper(store, { retentionMs: 1000, intervalMs: 1, batchSize: 10, log: silentLogger() });
    await waitUntil(async () => store.calls.length >= 1, { timeoutMs: 5000, intervalMs: 1, label: "a batch" });
    const before = Date.now();
    await sweeper.stop();
    assert.ok(Date.now() - before >= 20, "stop resolved before the batch in flight ended");
    const count = store.calls.length;
    assert.equal(count, 1, "the round went on after stop");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(store.calls.length, count, "a call after stop");
    await sweeper.stop();
  });

  it("refuses a retention below 1 ms and a batch size that is not a whole number of at least 1", () => {
    const store = fakeStore([]);
    assert.throws(() => startRetentionSweeper(store, { retentionMs: 0 }), /retentionMs must be at least 1, got 0/);
    assert.throws(() => startRetentionSweeper(store, { retentionMs: Number.NaN }), /retentionMs must be at least 1/);
    assert.throws(() => startRetentionSweeper(store, { retentionMs: 1000, batchSize: 0 }), /batchSize must be a whole number of at least 1, got 0/);
    assert.throws(() => startRetentionSweeper(store, { retentionMs: 1000, batchSize: 2.5 }), /batchSize/);
  });
});
