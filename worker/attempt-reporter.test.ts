import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { TaskEvent } from "../core/events/task-event.js";
import { createInProcessQueue } from "../core/queue/memory/in-process-queue.js";
import type { TaskQueue } from "../core/queue/task-queue.js";
import { createPgliteTaskStore } from "../core/store/pglite/pglite-task-store.js";
import type { TaskStore } from "../core/store/task-store.js";
import { freshPgliteDataDir } from "../test/support/pglite-template.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { createAttemptReporter } from "./attempt-reporter.js";

// The reporter against a real (embedded) store and queue: what a task
// reports is stored and published, throttled, and complete after close().
describe("attempt reporter", () => {
  let dataDir: string;
  let store: TaskStore;
  let queue: TaskQueue;
  before(async () => {
    dataDir = await freshPgliteDataDir();
    store = await createPgliteTaskStore({ dataDir });
    queue = createInProcessQueue();
  });
  after(async () => {
    await queue?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A STARTED task (attempt 1) and the events published for it. */
  async function runningTask(): Promise<{ id: string; events: TaskEvent[]; stop: () => void }> {
    const id = randomUUID();
    await store.insertTasks([{ id, type: "t", queue: "default", args: {} }]);
    await store.startTasks([{ id, worker: "w" }]);
    const events: TaskEvent[] = [];
    const sub = queue.subscribeEvents(id, (e) => events.push(e));
    return { id, events, stop: sub.unsubscribe };
  }

  test("rapid progress is throttled, the latest value always gets out and is stored by close()", async () => {
    const { id, events, stop } = await runningTask();
    const report = createAttemptReporter({ store, events: queue, progressEventMs: 50, progressWriteMs: 10_000 })(id, 1);
    for (let i = 1; i <= 200; i++) report.progress(i / 200, `step ${i}`);
    await report.close();
    await waitUntil(async () => events.at(-1)?.kind === "progress", { label: "the last progress event" });
    const progress = events.filter((e) => e.kind === "progress");
    assert.ok(progress.length <= 2, `throttled to at most 2 events, got ${progress.length}`);
    assert.deepEqual(progress.at(-1), { kind: "progress", taskId: id, attempt: 1, fraction: 1, message: "step 200" });
    const rec = await store.getTask(id);
    assert.deepEqual([rec?.progress, rec?.progressMessage], [1, "step 200"]);
    report.progress(0.1, "after close");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await store.getTask(id))?.progressMessage, "step 200", "reports after close are ignored");
    stop();
  });

  test("log lines are stored in order, published with their seq, cleaned of NUL, and capped per attempt", async () => {
    const { id, events, stop } = await runningTask();
    const report = createAttemptReporter({ store, events: queue })(id, 1);
    report.log("info", "first");
    report.log("warn", "nul\u0000here");
    report.log("bogus" as "info", "unknown level becomes info");
    for (let i = 0; i < 1100; i++) report.log("debug", `spam ${i}`);
    await report.close();
    const page = await store.getLogs(id, 0, 1000);
    assert.equal(page.lines.length, 1000);
    assert.deepEqual(
      page.lines.slice(0, 3).map((l) => [l.level, l.message]),
      [["info", "first"], ["warn", "nul\uFFFDhere"], ["info", "unknown level becomes info"]],
    );
    await waitUntil(async () => events.filter((e) => e.kind === "log").length === 1000, { label: "1000 log events" });
    const logs = events.filter((e) => e.kind === "log");
    assert.deepEqual(logs.map((e) => e.seq), page.lines.map((l) => l.seq));
    stop();
  });
});
