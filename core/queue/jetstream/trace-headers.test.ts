import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { startNats, type NatsServer } from "../../../test/harness/nats-server.js";
import { withJetStreamManager } from "../../../test/harness/with-jetstream-manager.js";
import { registerTracerProvider } from "../../telemetry/tracing-switch.js";
import type { TaskMessage } from "../task-message.js";
import type { Delivery, TaskQueue } from "../task-queue.js";
import { createJetStreamQueue } from "./jetstream-queue.js";

const TRACE = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=x" };

/** Publishes one message and returns its first delivery (acked). */
async function roundTrip(queue: TaskQueue, message: TaskMessage): Promise<Delivery> {
  let got: (d: Delivery) => void = () => {};
  const delivered = new Promise<Delivery>((r) => (got = r));
  const consumer = await queue.consume({ queues: [message.queue], concurrency: 1 }, async (d) => {
    d.ack();
    got(d);
  });
  try {
    await queue.publish([message]);
    return await delivered;
  } finally {
    await consumer.stop();
  }
}

describe("JetStream trace context", () => {
  let nats: NatsServer;
  let queue: TaskQueue;
  before(async () => {
    nats = await startNats();
    queue = await createJetStreamQueue({ url: nats.url, streamName: "TRACES", subjectPrefix: "traces.tasks" });
  });
  after(async () => {
    await queue?.close();
    await nats?.stop();
  });

  it("travels in the traceparent and tracestate headers, not in the body", async () => {
    await queue.publish([{ id: "t-stored", type: "echo", queue: "stored", args: { a: 1 }, trace: TRACE }]);
    const stored = await withJetStreamManager(nats.url, (jsm) => jsm.streams.getMessage("TRACES", { last_by_subj: "traces.tasks.stored" }));
    assert.ok(stored);
    assert.deepEqual([stored.header.get("traceparent"), stored.header.get("tracestate")], [TRACE.traceparent, TRACE.tracestate]);
    assert.deepEqual(stored.json(), { id: "t-stored", type: "echo", queue: "stored", args: { a: 1 } });
  });

  it("is read back into the delivered message only while tracing is on", async () => {
    const off = await roundTrip(queue, { id: "t-off", type: "echo", queue: "off", args: {}, trace: TRACE });
    assert.equal(off.message.trace, undefined, "tracing off: the headers are not even read");
    const stop = registerTracerProvider(new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }));
    try {
      const on = await roundTrip(queue, { id: "t-on", type: "echo", queue: "on", args: {}, trace: TRACE });
      assert.deepEqual(on.message.trace, TRACE);
      const none = await roundTrip(queue, { id: "t-none", type: "echo", queue: "none", args: {} });
      assert.equal(none.message.trace, undefined, "a message published without a context has none");
    } finally {
      await stop();
    }
  });
});
