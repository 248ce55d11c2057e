import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Delivery } from "../task-queue.js";
import { createInProcessQueue } from "./in-process-queue.js";

describe("in-process queue trace context", () => {
  it("carries a message's trace context to its delivery, as JetStream's headers do", async () => {
    const queue = createInProcessQueue();
    const trace = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=x" };
    const deliveries: Delivery[] = [];
    const consumer = await queue.consume({ queues: ["default"], concurrency: 2 }, async (d) => {
      deliveries.push(d);
      d.ack();
    });
    try {
      await queue.publish([
        { id: "a", type: "echo", queue: "default", args: {}, trace },
        { id: "b", type: "echo", queue: "default", args: {} },
      ]);
      while (deliveries.length < 2) await new Promise((r) => setImmediate(r));
      const byId = new Map(deliveries.map((d) => [d.message.id, d.message]));
      assert.deepEqual(byId.get("a")?.trace, trace);
      assert.equal(byId.get("b")?.trace, undefined);
    } finally {
      await consumer.stop();
      await queue.close();
    }
  });
});
