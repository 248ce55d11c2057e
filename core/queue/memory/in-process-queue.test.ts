import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { waitUntil } from "../../../test/harness/wait-until.js";
import { contractTask as task, describeTaskQueueContract } from "../../../test/support/task-queue-contract.js";
import { QueueUnavailableError } from "../queue-errors.js";
import type { Delivery } from "../task-queue.js";
import { createInProcessQueue } from "./in-process-queue.js";
import { describePriorityQueueContract } from "../../../test/support/priority-queue-contract.js";

describeTaskQueueContract("in-process", async ({ ackWaitMs }) => {
  const queue = createInProcessQueue(ackWaitMs === undefined ? {} : { ackWaitMs });
  return {
    queue,
    // Workers in one process share the one queue object.
    openAnother: async () => queue,
    cleanup: () => queue.close(),
  };
});

describePriorityQueueContract("in-process", async ({ priorityAgingMs }) => {
  const queue = createInProcessQueue(priorityAgingMs === undefined ? {} : { priorityAgingMs });
  return { queue, openAnother: async () => queue, cleanup: () => queue.close() };
});

describe("in-process TaskQueue", () => {
  test("publish returns before any handler runs", async () => {
    const queue = createInProcessQueue();
    try {
      const events: string[] = [];
      const consumer = await queue.consume({ queues: ["default"], concurrency: 4 }, async (d) => {
        events.push(`handled ${d.message.id}`);
        d.ack();
      });
      await queue.publish([task("p1")]);
      events.push("publish returned");
      await waitUntil(async () => events.length === 2, { timeoutMs: 5_000, label: "delivery" });
      await consumer.stop();
      assert.deepEqual(events, ["publish returned", "handled p1"]);
    } finally {
      await queue.close();
    }
  });

  test("stop() hands messages it had not started to another consumer at once", async () => {
    // Default ack wait (30 s): anything held back by the stopped consumer would time the test out.
    const queue = createInProcessQueue();
    try {
      await queue.publish(Array.from({ length: 10 }, (_, i) => task(`s${i}`)));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const firstGot: string[] = [];
      const first = await queue.consume({ queues: ["default"], concurrency: 3 }, async (d) => {
        firstGot.push(d.message.id);
        await gate;
        d.ack();
      });
      await waitUntil(async () => firstGot.length === 3, { timeoutMs: 5_000, label: "3 started" });
      const stopping = first.stop();
      const secondGot: string[] = [];
      const second = await queue.consume({ queues: ["default"], concurrency: 10 }, async (d) => {
        secondGot.push(d.message.id);
        d.ack();
      });
      await waitUntil(async () => secondGot.length === 7, { timeoutMs: 5_000, label: "the 7 others" });
      release();
      await stopping;
      await second.stop();
      assert.deepEqual(firstGot, ["s0", "s1", "s2"]);
      assert.deepEqual(secondGot, ["s3", "s4", "s5", "s6", "s7", "s8", "s9"]);
    } finally {
      await queue.close();
    }
  });

  test("delivers in publish order, redeliveries first", async () => {
    const queue = createInProcessQueue();
    try {
      await queue.publish([task("a"), task("b"), task("c")]);
      const seen: string[] = [];
      const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
        seen.push(`${d.message.id}${d.deliveryCount}`);
        if (d.message.id === "a" && d.deliveryCount === 1) d.nak();
        else d.ack();
      });
      await waitUntil(async () => seen.length === 4, { timeoutMs: 5_000, label: "4 deliveries" });
      await consumer.stop();
      assert.deepEqual(seen, ["a1", "a2", "b1", "c1"]);
    } finally {
      await queue.close();
    }
  });

  test("a consumer of several queues takes turns between them", async () => {
    const queue = createInProcessQueue();
    try {
      await queue.publish(Array.from({ length: 5 }, (_, i) => task(`x${i}`, "busy")));
      await queue.publish([task("y0", "quiet")]);
      const seen: string[] = [];
      const consumer = await queue.consume({ queues: ["busy", "quiet"], concurrency: 1 }, async (d) => {
        seen.push(d.message.id);
        d.ack();
      });
      await waitUntil(async () => seen.length === 6, { timeoutMs: 5_000, label: "6 deliveries" });
      await consumer.stop();
      assert.ok(seen.indexOf("y0") <= 1, `the quiet queue did not wait for the busy one (${seen.join(",")})`);
    } finally {
      await queue.close();
    }
  });

  test("consumers of a queue take turns also when messages arrive one at a time", async () => {
    const queue = createInProcessQueue();
    try {
      const byConsumer = { first: 0, second: 0 };
      const handler = (who: keyof typeof byConsumer) => async (d: Delivery) => {
        byConsumer[who]++;
        d.ack();
      };
      const first = await queue.consume({ queues: ["one"], concurrency: 4 }, handler("first"));
      const second = await queue.consume({ queues: ["one"], concurrency: 4 }, handler("second"));
      for (let i = 0; i < 10; i++) {
        // Each message finds the queue empty and both consumers idle.
        await queue.publish([task(`m${i}`, "one")]);
        await waitUntil(async () => byConsumer.first + byConsumer.second === i + 1, { timeoutMs: 5_000 });
      }
      await Promise.all([first.stop(), second.stop()]);
      assert.deepEqual(byConsumer, { first: 5, second: 5 });
    } finally {
      await queue.close();
    }
  });

  test("an id is accepted again once the duplicate window has passed", async () => {
    const queue = createInProcessQueue({ duplicateWindowMs: 100 });
    try {
      const counts: number[] = [];
      const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
        counts.push(d.deliveryCount);
        d.ack();
      });
      await queue.publish([task("again")]);
      await queue.publish([task("again")]);
      await waitUntil(async () => counts.length === 1, { timeoutMs: 5_000, label: "first copy" });
      await sleep(200);
      await queue.publish([task("again")]);
      await waitUntil(async () => counts.length === 2, { timeoutMs: 5_000, label: "copy after the window" });
      await consumer.stop();
      assert.deepEqual(counts, [1, 1]);
    } finally {
      await queue.close();
    }
  });

  test("a late ack from a delivery whose ack wait ran out still finishes the message", async () => {
    const queue = createInProcessQueue({ ackWaitMs: 200 });
    try {
      const counts: number[] = [];
      let late: Delivery | undefined;
      const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
        counts.push(d.deliveryCount);
        if (d.deliveryCount === 1) {
          late = d;
          return; // silent past the ack wait
        }
        late!.ack(); // the first worker finishes after all...
        d.nak(); // ...so the second's hand-back has nothing left to redeliver
      });
      await queue.publish([task("slow")]);
      await waitUntil(async () => counts.length === 2, { timeoutMs: 5_000, label: "redelivery" });
      await sleep(600);
      await consumer.stop();
      assert.deepEqual(counts, [1, 2]);
    } finally {
      await queue.close();
    }
  });

  test("close() stops consumers, waits for their handlers, and makes publish reject", async () => {
    const queue = createInProcessQueue();
    let finished = false;
    const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
      await sleep(200);
      finished = true;
      d.ack();
    });
    await queue.publish([task("c1"), task("c2")]);
    await waitUntil(async () => consumer.inFlight === 1, { timeoutMs: 5_000, label: "handler started" });
    await queue.close();
    assert.equal(finished, true);
    assert.equal(consumer.inFlight, 0);
    await assert.rejects(queue.publish([task("c3")]), QueueUnavailableError);
  });

  test("a process with pending deadlines exits once the queue is closed", async () => {
    // A child process arms both timers (an unsettled delivery's ack wait
    // and a long nak delay), closes the queue and must then exit by itself.
    const moduleUrl = new URL("./in-process-queue.ts", import.meta.url).href;
    const script = `
      const { createInProcessQueue } = await import(${JSON.stringify(moduleUrl)});
      const queue = createInProcessQueue({ ackWaitMs: 60000 });
      const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
        if (d.message.id === "later") d.nak(60000);
      });
      await queue.publish([{ id: "later", type: "t", queue: "default", args: {} }, { id: "silent", type: "t", queue: "default", args: {} }]);
      while (consumer.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
      await queue.close();
      console.log("closed");
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Unref'd so a passing test does not keep the runner alive for 20 s.
    const timeout = sleep(20_000, undefined, { ref: false }).then(() => "timeout" as const);
    const result = await Promise.race([exited, timeout]);
    if (result === "timeout") child.kill("SIGKILL");
    assert.equal(result, 0, "child exited by itself");
    assert.match(out, /closed/);
  });
});
