import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startNats } from "../../../test/harness/nats-server.js";
import type { NatsServer } from "../../../test/harness/nats-server.js";
import { waitUntil } from "../../../test/harness/wait-until.js";
import { describeTaskQueueContract } from "../../../test/support/task-queue-contract.js";
import { QueueUnavailableError } from "../queue-errors.js";
import type { TaskMessage } from "../task-message.js";
import type { TaskQueue } from "../task-queue.js";
import { createJetStreamQueue } from "./jetstream-queue.js";
import { describePriorityQueueContract } from "../../../test/support/priority-queue-contract.js";

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

describeTaskQueueContract("JetStream", async ({ ackWaitMs }) => {
  const names = isolated();
  const connections: TaskQueue[] = [];
  const connect = async (): Promise<TaskQueue> => {
    const queue = await createJetStreamQueue({ url: nats.url, ...names, ...(ackWaitMs === undefined ? {} : { ackWaitMs }) });
    connections.push(queue);
    return queue;
  };
  return {
    queue: await connect(),
    openAnother: connect,
    async cleanup() {
      await Promise.all(connections.map((q) => q.close().catch(() => {})));
    },
  };
});

describePriorityQueueContract("JetStream", async ({ priorityAgingMs }) => {
  const queue = await createJetStreamQueue({ url: nats.url, ...isolated(), ...(priorityAgingMs === undefined ? {} : { priorityAgingMs }) });
  return { queue, openAnother: async () => queue, cleanup: () => queue.close() };
});

describe("JetStream TaskQueue on the server", () => {
  test("priority 5 keeps the queue's subject and consumer; every other level has its own, filters never overlapping", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    await queue.publish([{ ...task("five"), priority: 5 }, task("none"), { ...task("seven"), priority: 7 }, { ...task("ten", "a-p3"), priority: 10 }]);
    const consumer = await queue.consume({ queues: ["default", "a-p3", "a"], concurrency: 1 }, async (d) => d.nak(60_000));
    await consumer.stop();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const subjects = (await jsm.streams.info(names.streamName, { subjects_filter: ">" })).state.subjects ?? {};
      assert.deepEqual(subjects, {
        [`${names.subjectPrefix}.default`]: 2,
        [`${names.subjectPrefix}.default.p7`]: 1,
        [`${names.subjectPrefix}.a-p3.p10`]: 1,
      });
      const consumers = new Map<string, string | undefined>();
      for await (const info of jsm.consumers.list(names.streamName)) consumers.set(info.name, info.config.filter_subject);
      // Ten per queue; queue "a-p3" at level 5 and queue "a" at level 3 do not share a name.
      assert.equal(consumers.size, 30);
      assert.equal(consumers.get("q-default"), `${names.subjectPrefix}.default`);
      assert.equal(consumers.get("q7-default"), `${names.subjectPrefix}.default.p7`);
      assert.equal(consumers.get("q-a-p3"), `${names.subjectPrefix}.a-p3`);
      assert.equal(consumers.get("q3-a"), `${names.subjectPrefix}.a.p3`);
      assert.equal(new Set(consumers.values()).size, 30, "two consumers filter on one subject");
    } finally {
      await nc.close();
    }
  });

  test("the stream stores a repeated id once and loses messages once acked", async () => {
    const names = isolated();
    const queue = await openQueue(names);
    await queue.publish([task("t1"), task("t2"), task("t1")]);
    await queue.publish([task("t2"), task("t3")]);
    assert.equal(await streamMessageCount(nats.url, names.streamName), 3);

    const ids: string[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
      ids.push(d.message.id);
      d.ack();
    });
    await waitUntil(async () => ids.length === 3, { timeoutMs: 10_000, label: "3 deliveries" });
    await consumer.stop();
    assert.deepEqual(ids.sort(), ["t1", "t2", "t3"]);
    await waitUntil(async () => (await streamMessageCount(nats.url, names.streamName)) === 0, {
      timeoutMs: 5_000,
      label: "stream to be empty after acks",
    });
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
      // nats-server 2.9 at times fails a delete with "unlinkat …: directory not
      // empty" while the consumer is still writing its state; try again.
      await waitUntil(async () => jsm.consumers.delete(names.streamName, "q-default"), {
        timeoutMs: 10_000,
        label: "consumer deleted",
      });
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
