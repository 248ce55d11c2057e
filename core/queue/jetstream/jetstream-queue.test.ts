import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNats } from "../../../test/harness/nats-server.js";
import type { NatsServer } from "../../../test/harness/nats-server.js";
import { waitUntil } from "../../../test/harness/wait-until.js";
import { QueueUnavailableError } from "../queue-errors.js";
import type { TaskMessage } from "../task-message.js";
import type { Delivery, TaskQueue } from "../task-queue.js";
import { createJetStreamQueue } from "./jetstream-queue.js";

let nats: NatsServer;
let serial = 0;
const opened: TaskQueue[] = [];

/** A fresh stream + subject prefix per test so tests cannot see each other's messages. */
function isolated(): { streamName: string; subjectPrefix: string } {
  serial++;
  return { streamName: `TEST${serial}`, subjectPrefix: `test${serial}.tasks` };
}

async function openQueue(options: { streamName: string; subjectPrefix: string; ackWaitMs?: number; url?: string }): Promise<TaskQueue> {
  const queue = await createJetStreamQueue({ url: nats.url, ...options });
  opened.push(queue);
  return queue;
}

function task(id: string, queue = "default", args: TaskMessage["args"] = {}): TaskMessage {
  return { id, type: "echo", queue, args };
}

async function streamMessageCount(url: string, streamName: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(streamName)).state.messages;
  } finally {
    await nc.close();
  }
}

before(async () => {
  nats = await startNats();
});

after(async () => {
  await Promise.all(opened.map((q) => q.close().catch(() => {})));
  await nats.stop();
});

describe("JetStream TaskQueue", () => {
  test("publish and consume round trip; acked messages leave the stream", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    const sent = [task("t1", "default", { n: 1, s: "x" }), task("t2", "default", { nested: { a: [1, 2] } }), task("t3")];
    await queue.publish(sent);
    assert.equal(await streamMessageCount(nats.url, names.streamName), 3);

    const received: Delivery[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
      received.push(d);
      d.ack();
    });
    await waitUntil(async () => received.length === 3, { timeoutMs: 10_000, label: "3 deliveries" });
    await consumer.stop();

    assert.deepEqual(
      received.map((d) => d.message).sort((a, b) => a.id.localeCompare(b.id)),
      sent,
    );
    assert.deepEqual(received.map((d) => d.deliveryCount), [1, 1, 1]);
    await waitUntil(async () => (await streamMessageCount(nats.url, names.streamName)) === 0, {
      timeoutMs: 5_000,
      label: "stream to be empty after acks",
    });
  });

  test("a message published twice with the same id is stored and delivered once", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    await queue.publish([task("dup")]);
    await queue.publish([task("dup"), task("dup")]);
    await queue.publish([task("other")]);
    assert.equal(await streamMessageCount(nats.url, names.streamName), 2);

    const ids: string[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
      ids.push(d.message.id);
      d.ack();
    });
    // One consumer gets stream order, so "other" comes after every copy of "dup".
    await waitUntil(async () => ids.includes("other"), { timeoutMs: 10_000, label: "the other message" });
    await consumer.stop();
    assert.deepEqual(ids, ["dup", "other"]);
  });

  test("two workers on one queue share the messages and each is handled once", async () => {
    const names = isolated();
    const workerA = await openQueue(names);
    const workerB = await openQueue(names);
    const handledBy = new Map<string, string[]>();
    const handler = (worker: string) => async (d: Delivery) => {
      handledBy.set(d.message.id, [...(handledBy.get(d.message.id) ?? []), worker]);
      await sleep(2); // long enough that one worker cannot drain the queue alone
      d.ack();
    };
    const consumerA = await workerA.consume({ queues: ["shared"], concurrency: 4 }, handler("A"));
    const consumerB = await workerB.consume({ queues: ["shared"], concurrency: 4 }, handler("B"));

    const total = 300;
    await workerA.publish(Array.from({ length: total }, (_, i) => task(`m${i}`, "shared")));
    await waitUntil(async () => handledBy.size === total, { timeoutMs: 20_000, label: `${total} messages` });
    await sleep(300); // room for a wrong second delivery to show up
    await Promise.all([consumerA.stop(), consumerB.stop()]);

    const all = [...handledBy.values()];
    assert.equal(all.filter((workers) => workers.length !== 1).length, 0, "no message handled twice");
    const byA = all.filter((w) => w[0] === "A").length;
    assert.ok(byA > 0 && byA < total, `both workers got messages (A: ${byA}, B: ${total - byA})`);
  });

  test("a consumer of one queue never sees another queue's messages", async () => {
    const names = isolated();
    const queue = await openQueue(names);
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
  });

  test("one consumer can serve several queues", async () => {
    const names = isolated();
    const queue = await openQueue(names);
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
  });

  test("nak with a delay redelivers later with deliveryCount 2", async () => {
    const names = isolated();
    const queue = await openQueue(names);
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
  });

  test("an unsettled message is redelivered after the ack wait", async () => {
    const names = isolated();
    const queue = await openQueue({ ...names, ackWaitMs: 1_000 });
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
  });

  test("a handler that throws gets its delivery nak'ed and redelivered", async () => {
    const names = isolated();
    const queue = await openQueue(names);
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
  });

  test("a payload that is not a TaskMessage is terminated, not handed to the handler", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    const nc = await connect({ servers: nats.url });
    const { jetstream } = await import("@nats-io/jetstream");
    const js = jetstream(nc);
    await js.publish(`${names.subjectPrefix}.default`, "not json");
    await js.publish(`${names.subjectPrefix}.default`, JSON.stringify({ id: "x", queue: "default" }));
    await nc.close();
    await queue.publish([task("good")]);

    const ids: string[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 1 }, async (d) => {
      ids.push(d.message.id);
      d.ack();
    });
    await waitUntil(async () => ids.length === 1, { timeoutMs: 10_000, label: "the good message" });
    await consumer.stop();
    assert.deepEqual(ids, ["good"]);
    // Terminated messages are removed from a work-queue stream too.
    await waitUntil(async () => (await streamMessageCount(nats.url, names.streamName)) === 0, {
      timeoutMs: 5_000,
      label: "stream to be empty",
    });
  });

  test("never runs more handlers at once than the concurrency", async () => {
    const names = isolated();
    const queue = await openQueue(names);
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
  });

  test("stop() waits for in-flight handlers and leaves the rest to other workers", async () => {
    const names = isolated();
    // Messages the library buffered but never started come back after the ack wait.
    const queue = await openQueue({ ...names, ackWaitMs: 1_000 });
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
    const second = await queue.consume({ queues: ["default"], concurrency: 4 }, async (d) => {
      handled.add(d.message.id);
      d.ack();
    });
    await waitUntil(async () => handled.size === 6, { timeoutMs: 10_000, label: "the remaining messages" });
    await second.stop();
  });

  test("a consumer whose durable consumer is deleted on the server re-creates it and goes on", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    const ids: string[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
      ids.push(d.message.id);
      d.ack();
    });
    await queue.publish([task("first")]);
    await waitUntil(async () => ids.includes("first"), { timeoutMs: 10_000, label: "first message" });

    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.consumers.delete(names.streamName, "q-default");
      await waitUntil(async () => (await jsm.consumers.info(names.streamName, "q-default")) !== undefined, {
        timeoutMs: 10_000,
        label: "consumer re-created",
      });
    } finally {
      await nc.close();
    }
    await queue.publish([task("second")]);
    await waitUntil(async () => ids.includes("second"), { timeoutMs: 10_000, label: "message after deletion" });
    await consumer.stop();
    assert.deepEqual(ids, ["first", "second"]);
  });

  test("consume rejects invalid queue names and publish rejects invalid queues", async () => {
    const queue = await openQueue(isolated());
    await assert.rejects(queue.consume({ queues: ["bad.name"], concurrency: 1 }, async () => {}), /invalid queue name/);
    await assert.rejects(queue.publish([task("x", "a>b")]), /invalid queue name/);
    await assert.rejects(queue.consume({ queues: ["ok"], concurrency: 0 }, async () => {}), RangeError);
  });
});

describe("JetStream TaskQueue across a server crash", () => {
  test("ping fails while the server is down and consumers resume after it restarts", async () => {
    const own = await startNats();
    const names = isolated();
    const queue = await createJetStreamQueue({ url: own.url, ...names });
    try {
      await queue.ping();
      const ids: string[] = [];
      const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
        ids.push(d.message.id);
        d.ack();
      });
      await queue.publish([task("before")]);
      await waitUntil(async () => ids.includes("before"), { timeoutMs: 10_000, label: "message before the crash" });

      await own.kill();
      await waitUntil(
        async () => queue.ping().then(() => false, (err: unknown) => err instanceof QueueUnavailableError),
        { timeoutMs: 10_000, label: "ping to fail while the server is down" },
      );

      await own.restart();
      await waitUntil(async () => queue.ping().then(() => true), { timeoutMs: 20_000, label: "reconnect" });
      await waitUntil(async () => queue.publish([task("after")]).then(() => true), {
        timeoutMs: 20_000,
        label: "publish after restart",
      });
      await waitUntil(async () => ids.includes("after"), { timeoutMs: 20_000, label: "message after the restart" });
      await consumer.stop();
      assert.deepEqual(ids, ["before", "after"]);
    } finally {
      await queue.close();
      await own.stop();
    }
  });
});
