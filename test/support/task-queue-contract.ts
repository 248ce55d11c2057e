import type { TaskEvent } from "../../core/events/task-event.js";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { waitUntil } from "../harness/wait-until.js";
import { QueueUnavailableError } from "../../core/queue/queue-errors.js";
import type { TaskMessage } from "../../core/queue/task-message.js";
import type { Delivery, TaskQueue } from "../../core/queue/task-queue.js";

/** Options a contract test asks of {@link OpenTaskQueue}. */
export interface ContractQueueOptions {
  /** Ack wait of the queue system; the implementation's default when absent. */
  ackWaitMs?: number;
}

/** A queue system opened for one contract test, isolated from every other test. */
export interface ContractQueueSystem {
  /** The first connection; the suite publishes and consumes through it. */
  queue: TaskQueue;
  /**
   * Another connection to the same queue system, as a second worker would
   * hold (an implementation living in one process may return `queue`).
   */
  openAnother(): Promise<TaskQueue>;
  /** Closes every connection the system opened and frees its resources. */
  cleanup(): Promise<void>;
}

/** Opens a fresh, isolated queue system for one test. */
export type OpenTaskQueue = (options: ContractQueueOptions) => Promise<ContractQueueSystem>;

/** A task message on `queue` with echo type. */
export function contractTask(id: string, queue = "default", args: TaskMessage["args"] = {}): TaskMessage {
  return { id, type: "echo", queue, args };
}

const task = contractTask;

/**
 * Registers (with node:test) the behaviour every {@link TaskQueue} must
 * show, as one `describe(name)` block. Each test opens its own system
 * through `open` and cleans it up, pass or fail.
 *
 * Some assertions wait on real time (ack waits of 1 s, nak delays of
 * 0.5 s) and only bound it from below, never from above.
 */
export function describeTaskQueueContract(name: string, open: OpenTaskQueue): void {
  /** Runs `body` with a fresh system and always cleans it up. */
  const withSystem =
    (options: ContractQueueOptions, body: (system: ContractQueueSystem) => Promise<void>) => async () => {
      const system = await open(options);
      try {
        await body(system);
      } finally {
        await system.cleanup();
      }
    };

  describe(`${name}: TaskQueue contract`, () => {
    test(
      "messages published before anyone consumes are delivered once each, intact",
      withSystem({}, async ({ queue }) => {
        const sent = [task("t1", "default", { n: 1, s: "x" }), task("t2", "default", { nested: { a: [1, 2] } }), task("t3")];
        await queue.publish(sent);
        const received: Delivery[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
          received.push(d);
          d.ack();
        });
        await waitUntil(async () => received.length === 3, { timeoutMs: 10_000, label: "3 deliveries" });
        await sleep(200); // room for a wrong second delivery to show up
        await consumer.stop();
        assert.deepEqual(
          received.map((d) => d.message).sort((a, b) => a.id.localeCompare(b.id)),
          sent,
        );
        assert.deepEqual(received.map((d) => d.deliveryCount), [1, 1, 1]);
      }),
    );

    test(
      "a message published twice with the same id is delivered once",
      withSystem({}, async ({ queue }) => {
        await queue.publish([task("dup")]);
        await queue.publish([task("dup"), task("dup")]);
        await queue.publish([task("other")]);
        const ids: string[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          ids.push(d.message.id);
          d.ack();
        });
        // One consumer gets publish order, so "other" comes after every copy of "dup".
        await waitUntil(async () => ids.includes("other"), { timeoutMs: 10_000, label: "the other message" });
        // A repeat after the first copy was acked is still a duplicate.
        await queue.publish([task("dup")]);
        await sleep(300);
        await consumer.stop();
        assert.deepEqual(ids, ["dup", "other"]);
      }),
    );

    test(
      "two workers on one queue share the messages and each is handled once",
      withSystem({}, async ({ queue, openAnother }) => {
        const other = await openAnother();
        const handledBy = new Map<string, string[]>();
        const handler = (worker: string) => async (d: Delivery) => {
          handledBy.set(d.message.id, [...(handledBy.get(d.message.id) ?? []), worker]);
          await sleep(2); // long enough that one worker cannot drain the queue alone
          d.ack();
        };
        const consumerA = await queue.consume({ queues: ["shared"], concurrency: 4 }, handler("A"));
        const consumerB = await other.consume({ queues: ["shared"], concurrency: 4 }, handler("B"));
        const total = 300;
        await queue.publish(Array.from({ length: total }, (_, i) => task(`m${i}`, "shared")));
        await waitUntil(async () => handledBy.size === total, { timeoutMs: 20_000, label: `${total} messages` });
        await sleep(300);
        await Promise.all([consumerA.stop(), consumerB.stop()]);
        const all = [...handledBy.values()];
        assert.equal(all.filter((workers) => workers.length !== 1).length, 0, "no message handled twice");
        const byA = all.filter((w) => w[0] === "A").length;
        assert.ok(byA > 0 && byA < total, `both workers got messages (A: ${byA}, B: ${total - byA})`);
      }),
    );

    test(
      "a delivered message is a copy: neither the publisher nor a handler can change what is delivered next",
      withSystem({}, async ({ queue }) => {
        const sent = task("copy", "default", { list: [1], flag: "sent" });
        await queue.publish([sent]);
        (sent.args["list"] as number[]).push(2);
        sent.args["flag"] = "changed by the publisher";
        const seen: unknown[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          seen.push(structuredClone(d.message.args));
          d.message.args["flag"] = "changed by the handler";
          if (d.deliveryCount === 1) d.nak();
          else d.ack();
        });
        await waitUntil(async () => seen.length === 2, { timeoutMs: 10_000, label: "redelivery" });
        await consumer.stop();
        assert.deepEqual(seen, [{ list: [1], flag: "sent" }, { list: [1], flag: "sent" }]);
      }),
    );

    test(
      "a consumer of one queue never sees another queue's messages",
      withSystem({}, async ({ queue }) => {
        await queue.publish([task("b1", "queue-b"), task("b2", "queue-b")]);
        await queue.publish([task("a1", "queue-a")]);
        const seenByA: TaskMessage[] = [];
        const consumerA = await queue.consume({ queues: ["queue-a"], concurrency: 4 }, async (d) => {
          seenByA.push(d.message);
          d.ack();
        });
        await waitUntil(async () => seenByA.length >= 1, { timeoutMs: 10_000, label: "queue-a message" });
        await sleep(300);
        await consumerA.stop();
        assert.deepEqual(seenByA, [task("a1", "queue-a")]);
        // The B messages were there all along, for B's consumer.
        const seenByB: string[] = [];
        const consumerB = await queue.consume({ queues: ["queue-b"], concurrency: 4 }, async (d) => {
          seenByB.push(d.message.id);
          d.ack();
        });
        await waitUntil(async () => seenByB.length === 2, { timeoutMs: 10_000, label: "queue-b messages" });
        await consumerB.stop();
        assert.deepEqual(seenByB.sort(), ["b1", "b2"]);
      }),
    );

    test(
      "one consumer can serve several queues",
      withSystem({}, async ({ queue }) => {
        const seen: string[] = [];
        const consumer = await queue.consume({ queues: ["q1", "q2"], concurrency: 1 }, async (d) => {
          seen.push(d.message.id);
          d.ack();
        });
        await queue.publish([task("x1", "q1"), task("x2", "q2"), task("x3", "q3")]);
        await waitUntil(async () => seen.length === 2, { timeoutMs: 10_000, label: "q1 and q2 messages" });
        await sleep(200);
        await consumer.stop();
        assert.deepEqual(seen.sort(), ["x1", "x2"]);
      }),
    );

    test(
      "nak with a delay redelivers later with deliveryCount 2",
      withSystem({}, async ({ queue }) => {
        const deliveries: Array<{ count: number; at: number }> = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          deliveries.push({ count: d.deliveryCount, at: Date.now() });
          if (d.deliveryCount === 1) d.nak(500);
          else d.ack();
        });
        await queue.publish([task("retry-me")]);
        await waitUntil(async () => deliveries.length === 2, { timeoutMs: 10_000, label: "redelivery" });
        await sleep(200);
        await consumer.stop();
        assert.deepEqual(deliveries.map((d) => d.count), [1, 2]);
        const gap = deliveries[1]!.at - deliveries[0]!.at;
        assert.ok(gap >= 400, `redelivered after the nak delay, not at once (gap ${gap} ms)`);
      }),
    );

    test(
      "settling twice is a no-op: an acked delivery is not redelivered by a later nak",
      withSystem({ ackWaitMs: 1_000 }, async ({ queue }) => {
        const counts: number[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          counts.push(d.deliveryCount);
          d.ack();
          d.nak();
          d.term();
          d.working();
        });
        await queue.publish([task("once")]);
        await waitUntil(async () => counts.length === 1, { timeoutMs: 10_000, label: "delivery" });
        await sleep(1_500); // past the ack wait too
        await consumer.stop();
        assert.deepEqual(counts, [1]);
      }),
    );

    test(
      "a terminated message is never delivered again",
      withSystem({ ackWaitMs: 1_000 }, async ({ queue }) => {
        const ids: string[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          ids.push(d.message.id);
          if (d.message.id === "bad") d.term();
          else d.ack();
        });
        await queue.publish([task("bad"), task("good")]);
        await waitUntil(async () => ids.includes("good"), { timeoutMs: 10_000, label: "the good message" });
        await sleep(1_500);
        await consumer.stop();
        assert.deepEqual(ids, ["bad", "good"]);
      }),
    );

    test(
      "an unsettled message is redelivered after the ack wait",
      withSystem({ ackWaitMs: 1_000 }, async ({ queue }) => {
        const deliveries: Array<{ count: number; at: number }> = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          deliveries.push({ count: d.deliveryCount, at: Date.now() });
          if (d.deliveryCount > 1) d.ack(); // first time: say nothing, as a crashed worker would
        });
        await queue.publish([task("forgotten")]);
        await waitUntil(async () => deliveries.length === 2, { timeoutMs: 10_000, label: "redelivery after ack wait" });
        await consumer.stop();
        assert.deepEqual(deliveries.map((d) => d.count), [1, 2]);
        const gap = deliveries[1]!.at - deliveries[0]!.at;
        assert.ok(gap >= 900, `waited for the ack wait (gap ${gap} ms)`);
      }),
    );

    test(
      "working() keeps a long handler's message from being redelivered",
      withSystem({ ackWaitMs: 1_000 }, async ({ queue }) => {
        const counts: number[] = [];
        let finished = false;
        const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
          counts.push(d.deliveryCount);
          if (d.deliveryCount > 1) return; // a wrong redelivery: recorded, left alone
          // Runs 2.5 ack waits, saying "still working" every 0.3 s.
          for (let elapsed = 0; elapsed < 2_500; elapsed += 300) {
            await sleep(300);
            d.working();
          }
          d.ack();
          finished = true;
        });
        await queue.publish([task("long")]);
        await waitUntil(async () => finished, { timeoutMs: 15_000, label: "the long handler" });
        await sleep(300);
        await consumer.stop();
        assert.deepEqual(counts, [1]);
      }),
    );

    test(
      "a handler that throws gets its delivery nak'ed and redelivered",
      withSystem({}, async ({ queue }) => {
        const counts: number[] = [];
        const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
          counts.push(d.deliveryCount);
          if (d.deliveryCount === 1) throw new Error("boom (expected by the test)");
          d.ack();
        });
        await queue.publish([task("thrower")]);
        await waitUntil(async () => counts.length === 2, { timeoutMs: 10_000, label: "redelivery after throw" });
        await consumer.stop();
        assert.deepEqual(counts, [1, 2]);
      }),
    );

    test(
      "never runs more handlers at once than the concurrency",
      withSystem({}, async ({ queue }) => {
        await queue.publish(Array.from({ length: 40 }, (_, i) => task(`c${i}`)));
        let active = 0;
        let maxActive = 0;
        let maxInFlight = 0;
        let done = 0;
        const consumer = await queue.consume({ queues: ["default"], concurrency: 3 }, async (d) => {
          active++;
          maxActive = Math.max(maxActive, active);
          maxInFlight = Math.max(maxInFlight, consumer.inFlight);
          await sleep(15);
          active--;
          done++;
          d.ack();
        });
        await waitUntil(async () => done === 40, { timeoutMs: 20_000, label: "40 messages" });
        await consumer.stop();
        assert.equal(maxActive, 3, "reached but never passed the limit");
        assert.ok(maxInFlight <= 3, `inFlight stayed within the limit (${maxInFlight})`);
        assert.equal(consumer.inFlight, 0);
      }),
    );

    test(
      "stop() waits for in-flight handlers and leaves the rest to other workers",
      // JetStream brings back messages the client had buffered but not
      // started only after the ack wait, so keep it short.
      withSystem({ ackWaitMs: 1_000 }, async ({ queue, openAnother }) => {
        await queue.publish(Array.from({ length: 6 }, (_, i) => task(`s${i}`)));
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const handled = new Set<string>();
        let started = 0;
        const first = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
          started++;
          await gate;
          handled.add(d.message.id);
          d.ack();
        });
        await waitUntil(async () => started === 2, { timeoutMs: 10_000, label: "2 handlers started" });

        let stopped = false;
        const stopping = first.stop().then(() => (stopped = true));
        await sleep(200);
        assert.equal(stopped, false, "stop() must wait for running handlers");
        assert.equal(first.inFlight, 2);
        release();
        await stopping;
        assert.equal(handled.size, 2);
        assert.equal(first.inFlight, 0);
        assert.equal(started, 2, "no handler started after stop()");

        // Nothing is lost: another worker gets every message the first one did not finish.
        const other = await openAnother();
        const second = await other.consume({ queues: ["default"], concurrency: 4 }, async (d) => {
          handled.add(d.message.id);
          d.ack();
        });
        await waitUntil(async () => handled.size === 6, { timeoutMs: 10_000, label: "the remaining messages" });
        await second.stop();
      }),
    );

    test(
      "consume and publish reject invalid queue names and concurrency",
      withSystem({}, async ({ queue }) => {
        await assert.rejects(queue.consume({ queues: ["bad.name"], concurrency: 1 }, async () => {}), /invalid queue name/);
        await assert.rejects(queue.consume({ queues: [], concurrency: 1 }, async () => {}), RangeError);
        await assert.rejects(queue.publish([task("x", "a>b")]), /invalid queue name/);
        await assert.rejects(queue.consume({ queues: ["ok"], concurrency: 0 }, async () => {}), RangeError);
        await assert.rejects(queue.consume({ queues: ["ok"], concurrency: 1.5 }, async () => {}), RangeError);
      }),
    );

    test(
      "live events reach the subscribers of their task only, in order, until they unsubscribe",
      withSystem({}, async ({ queue }) => {
        const seen: TaskEvent[] = [];
        const others: TaskEvent[] = [];
        const sub = queue.subscribeEvents("task-a", (e) => seen.push(e));
        const otherSub = queue.subscribeEvents("task-b", (e) => others.push(e));
        await Promise.all([sub.ready, otherSub.ready]);
        const events: TaskEvent[] = [
          { kind: "status", taskId: "task-a", status: "STARTED", attempt: 1 },
          { kind: "progress", taskId: "task-a", attempt: 1, fraction: 0.5, message: "half" },
          { kind: "log", taskId: "task-a", attempt: 1, seq: 7, level: "warn", message: "careful", at: 1_700_000_000_000 },
          { kind: "status", taskId: "task-a", status: "SUCCESS", attempt: 1 },
        ];
        queue.publishEvents(events);
        await waitUntil(async () => seen.length === 4, { timeoutMs: 5000, label: "four events" });
        assert.deepEqual(seen, events);
        assert.deepEqual(others, []);
        sub.unsubscribe();
        sub.unsubscribe(); // twice is harmless
        otherSub.unsubscribe();
        const late = queue.subscribeEvents("task-a", () => {});
        await late.ready;
        queue.publishEvents([{ kind: "status", taskId: "task-a", status: "FAILURE", attempt: 2 }]);
        await sleep(200);
        late.unsubscribe();
        assert.equal(seen.length, 4, "no event after unsubscribe");
      }),
    );

    test(
      "an event published on one connection reaches a subscriber on another once its subscription is ready",
      withSystem({}, async ({ queue, openAnother }) => {
        const other = await openAnother();
        const seen: TaskEvent[] = [];
        const sub = other.subscribeEvents("task-x", (e) => seen.push(e));
        await sub.ready;
        const event: TaskEvent = { kind: "status", taskId: "task-x", status: "SUCCESS", attempt: 3 };
        queue.publishEvents([event]);
        await waitUntil(async () => seen.length === 1, { timeoutMs: 5000, label: "the event on the other connection" });
        assert.deepEqual(seen, [event]);
        sub.unsubscribe();
      }),
    );

    test(
      "ping resolves while open and rejects once closed",
      withSystem({}, async ({ queue }) => {
        await queue.ping();
        await queue.close();
        await assert.rejects(queue.ping(), QueueUnavailableError);
        await assert.rejects(queue.consume({ queues: ["default"], concurrency: 1 }, async () => {}), QueueUnavailableError);
      }),
    );
  });
}
