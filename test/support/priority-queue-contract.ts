import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { waitUntil } from "../harness/wait-until.js";
import type { TaskMessage } from "../../core/queue/task-message.js";
import type { Delivery } from "../../core/queue/task-queue.js";
import type { ContractQueueSystem } from "./task-queue-contract.js";

/** Opens a fresh, isolated queue system whose consumers age waiting messages by `priorityAgingMs` (default: the queue's). */
export type OpenPriorityQueue = (options: { priorityAgingMs?: number }) => Promise<ContractQueueSystem>;

function task(id: string, priority?: number): TaskMessage {
  return priority === undefined ? { id, type: "echo", queue: "default", args: {} } : { id, type: "echo", queue: "default", args: {}, priority };
}

/**
 * Registers (with node:test) how every TaskQueue orders by priority, as
 * one `describe(name)` block. Each test holds the consumer's one slot with
 * a blocker while the others are published, so every message waits for the
 * same freed slot; handlers then keep their slot for 100 ms, time for a
 * JetStream pull loop to fetch its level's next message (one round trip).
 */
export function describePriorityQueueContract(name: string, open: OpenPriorityQueue): void {
  const withSystem = (options: { priorityAgingMs?: number }, body: (system: ContractQueueSystem) => Promise<void>) => async () => {
    const system = await open(options);
    try {
      await body(system);
    } finally {
      await system.cleanup();
    }
  };

  /** Consumes `default` with one slot; the blocker's handler waits for `release`. Records the order handlers start in. */
  const consumeInOrder = async (system: ContractQueueSystem, makeRoom?: (p: number, since: number) => void) => {
    const order: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const blockerStarted = { value: false };
    const consumer = await system.queue.consume({ queues: ["default"], concurrency: 1, ...(makeRoom ? { makeRoom } : {}) }, async (d: Delivery) => {
      if (d.message.id === "blocker") {
        blockerStarted.value = true;
        await released;
      } else {
        order.push(d.message.id);
        await sleep(100);
      }
      d.ack();
    });
    await system.queue.publish([task("blocker")]);
    await waitUntil(async () => blockerStarted.value, { timeoutMs: 10_000, label: "the blocker to start" });
    return { order, release, consumer };
  };

  describe(`${name}: priorities`, () => {
    test(
      "a freed slot goes to the highest priority waiting, first in first out among equals (absent = 5)",
      withSystem({}, async (system) => {
        const { order, release, consumer } = await consumeInOrder(system);
        await system.queue.publish([task("p1", 1), task("p5", 5), task("p10-a", 10), task("p3", 3), task("p10-b", 10), task("none")]);
        await sleep(500); // every level's loop holds its first message
        release();
        await waitUntil(async () => order.length === 6, { timeoutMs: 15_000, label: "6 deliveries" });
        await consumer.stop();
        assert.deepEqual(order, ["p10-a", "p10-b", "p5", "none", "p3", "p1"]);
      }),
    );

    test(
      "a low priority that has waited long goes before fresh high ones (aging)",
      withSystem({ priorityAgingMs: 100 }, async (system) => {
        const { order, release, consumer } = await consumeInOrder(system);
        await system.queue.publish([task("old-1", 1)]);
        // 10 aging steps: 1 + 10 outranks a fresh 10.
        await sleep(1000);
        await system.queue.publish([task("new-10-a", 10), task("new-10-b", 10)]);
        await sleep(300);
        release();
        await waitUntil(async () => order.length === 3, { timeoutMs: 15_000, label: "3 deliveries" });
        await consumer.stop();
        assert.deepEqual(order, ["old-1", "new-10-a", "new-10-b"]);
      }),
    );

    test(
      "a message that finds every slot taken asks the consumer's makeRoom, with its priority and when it was due",
      withSystem({}, async (system) => {
        const asked: { priority: number; since: number }[] = [];
        const before = Date.now();
        const { order, release, consumer } = await consumeInOrder(system, (priority, since) => asked.push({ priority, since }));
        await system.queue.publish([task("p9", 9)]);
        await waitUntil(async () => asked.some((a) => a.priority === 9), { timeoutMs: 10_000, label: "makeRoom(9)" });
        const ask = asked.find((a) => a.priority === 9)!;
        // Due when published (the stream's clock on JetStream: allow for a little skew).
        assert.ok(ask.since >= before - 1000 && ask.since <= Date.now() + 1000, `since ${ask.since} is not about now`);
        release();
        await waitUntil(async () => order.length === 1, { timeoutMs: 10_000, label: "the p9 delivery" });
        await consumer.stop();
      }),
    );
  });
}
