import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { toTaskMessage } from "../../core/queue/to-task-message.js";
import type { TaskRecord } from "../../core/store/task-record.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, submitAdds, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { captureLog } from "../support/capture-log.js";

/** A type whose pack was removed: its rows and messages exist, no worker has it. */
const GONE = "gone.main.task";
/** Messages of it in the queue, ahead of the tasks the worker can run (fewer embedded: PGlite shares the test's thread). */
const GONE_COUNT = { real: 10_000, embedded: 2_000 } as const;
const SERVED = 100;
const FAULT_PACKS = fileURLToPath(new URL("../fixtures/fault-packs", import.meta.url));
const POLICY = { firstDelayMs: 300, maxDelayMs: 1000, maxHandbacks: 2, maxAgeMs: 60_000 };

for (const backend of BACKENDS) describe(`messages a worker cannot run [${backend}]`, () => {
  let stack: Stack;
  const captured = captureLog("warn");
  before(async () => {
    stack = await startStack({ backend, workers: 0 });
  });
  after(() => stack.stop());

  /** Submits `n` test.main.add through the API and waits until all are SUCCESS; returns the time taken. */
  const runServed = async (n: number): Promise<number> => {
    const started = Date.now();
    const ids = await submitAdds(stack.baseUrl, n);
    const done = await Promise.all(ids.map((id) => waitForFinal(stack.baseUrl, id, 120_000)));
    done.forEach((t, i) => {
      assert.equal(t.status, "SUCCESS", JSON.stringify(t));
      assert.equal(t.result, i + 1);
    });
    return Date.now() - started;
  };

  /** Every task of `type` in `status` (the list API pages by 1000). */
  const tasksOf = async (type: string, status: TaskRecord["status"]): Promise<TaskRecord[]> => {
    const all: TaskRecord[] = [];
    let after;
    do {
      const page = await stack.store.listTasks({ type, status, limit: 1000, after });
      all.push(...page.tasks);
      after = page.next;
    } while (after);
    return all;
  };

  it("a type no worker has neither starves the tasks it can run nor loops forever: those run at their rate, the others fail by the bound", async () => {
    const worker = await stack.startWorker({ name: "w", concurrency: 50, unserved: POLICY, log: captured.log });
    const alone = await runServed(SERVED);

    // The queue now holds thousands of messages of the removed type, and some whose rows are gone.
    const goneCount = GONE_COUNT[backend];
    const gone = Array.from({ length: goneCount }, () => randomUUID());
    for (let i = 0; i < gone.length; i += 1000) {
      const chunk = gone.slice(i, i + 1000).map((id) => ({ id, type: GONE, queue: "default", args: { n: 1 } }));
      await stack.store.insertTasks(chunk);
      await stack.queue.publish(chunk.map(toTaskMessage));
      await stack.store.markPublished(chunk.map((t) => t.id));
    }
    const orphans = Array.from({ length: 50 }, () => ({ id: randomUUID(), type: "test.main.add", queue: "default", args: { x: 1, y: 1 } }));
    await stack.queue.publish(orphans.map(toTaskMessage));

    // The tasks it can run, queued behind them, run at their usual rate.
    const beside = await runServed(SERVED);
    console.log(`[unserved ${backend}] ${SERVED} runnable tasks: ${alone} ms alone, ${beside} ms behind ${goneCount} unserved messages`);
    // Before, delayed naks of the unserved messages filled the consumer's 10,000 ack-pending slots: these never ran.
    assert.ok(beside < alone * 5 + 10_000, `runnable tasks took ${beside} ms behind the unserved messages, ${alone} ms alone`);

    // Every unserved task ends FAILURE NoWorkerForType after 2 handbacks (the third delivery fails it).
    await waitUntil(async () => (await tasksOf(GONE, "FAILURE")).length === goneCount, { timeoutMs: 120_000, intervalMs: 1000 }).catch(
      async (e: unknown) => {
        // Say where the others are: status, handbacks, and whether the row waits for the dispatcher.
        const pending = await tasksOf(GONE, "PENDING");
        const held = await stack.store.awaitingDispatch(pending.map((t) => t.id));
        const left = pending.map((t) => `${t.unservedHandbacks}:${held.has(t.id) ? "held" : "queued"}`);
        const counts = new Map<string, number>();
        for (const k of left) counts.set(k, (counts.get(k) ?? 0) + 1);
        const tally = [...counts].map(([k, n]) => `${k} ×${n}`);
        throw new Error(`${String(e)}; PENDING by handbacks:state: ${tally.join(", ")}`);
      },
    );
    const failed = await tasksOf(GONE, "FAILURE");
    for (const t of failed) {
      assert.equal(t.error?.type, "NoWorkerForType");
      assert.equal(t.unservedHandbacks, POLICY.maxHandbacks + 1);
      assert.equal(t.attempts, 0, "it never ran");
    }
    const one = failed[0]!;
    assert.match(one.error!.message, /no worker of queue default has task type gone\.main\.task \(handed back 3 times since .*\); start a worker/);
    assert.deepEqual(one.errors.map((e) => [e.attempt, e.type]), [[0, "NoWorkerForType"]]);
    assert.equal(worker.worker.counters.failedNoWorker, goneCount);
    assert.equal(worker.worker.counters.handedBack, goneCount * POLICY.maxHandbacks);
    // Messages without a row are acked and counted, not handed back.
    await waitUntil(async () => worker.worker.counters.droppedNoRow === orphans.length, { timeoutMs: 30_000 });

    // One line at the first message of each kind, then a summary per interval: not one per message.
    const about = captured.messages().filter((l) => l.includes(GONE) || l.includes("no such task"));
    assert.ok(about.length >= 1 && about.length <= 10, `expected a few log lines, got ${about.length}:\n${about.slice(0, 20).join("\n")}`);
    assert.match(about[0]!, /cannot run task type gone\.main\.task: 1 handed back for a worker that has it/);
  });

  it("a task parked by a worker without its type runs once a worker with it joins", async () => {
    await stack.workers[0]!.stop();
    // A worker of the same queue from an older deploy: it lacks test.main.add (still in the catalog).
    await stack.startWorker({ name: "old", dir: FAULT_PACKS, unserved: { ...POLICY, firstDelayMs: 200, maxHandbacks: 50 } });
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 20, y: 22 } } });
    assert.equal(res.status, 200, res.text);
    const id = res.body.id as string;
    await waitUntil(async () => ((await stack.store.getTask(id))?.unservedHandbacks ?? 0) >= 1, { timeoutMs: 20_000 });
    assert.equal((await stack.store.getTask(id))?.status, "PENDING");
    await stack.startWorker({ name: "new" });
    const done = await waitForFinal(stack.baseUrl, id, 30_000).catch(async (e: unknown) => {
      throw new Error(`${String(e)}; the row: ${JSON.stringify(await stack.store.getTask(id))}`);
    });
    assert.equal(done.status, "SUCCESS", JSON.stringify(done));
    assert.equal(done.result, 42);
    assert.equal(done.attempts, 1);
    assert.equal(done.worker, "new");
  });
});
