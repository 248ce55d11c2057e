import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-node";
import { SPAN_ATTRIBUTES } from "../../core/telemetry/task-spans.js";
import { registerTracerProvider } from "../../core/telemetry/tracing-switch.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// One provider for the whole file, as a process has: every span ends up in `exporter` at once (SimpleSpanProcessor).
const exporter = new InMemorySpanExporter();
let stopTracing: () => Promise<void>;
before(() => {
  stopTracing = registerTracerProvider(new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});
after(() => stopTracing());

/** A random W3C traceparent, as a traced client would send. */
function clientTraceparent(): { traceparent: string; traceId: string; parentId: string } {
  const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
  const traceId = hex(16);
  const parentId = hex(8);
  return { traceparent: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

/** The ended spans of one task (one attempt), by name, once its `result write` span ended (it comes last). */
async function spansOfTask(id: string): Promise<Map<string, ReadableSpan>> {
  return waitUntil(
    async () => {
      const mine = exporter.getFinishedSpans().filter((s) => s.attributes[SPAN_ATTRIBUTES.taskId] === id);
      return mine.some((s) => s.name === "result write") ? new Map(mine.map((s) => [s.name, s])) : undefined;
    },
    { timeoutMs: 10_000, label: `the spans of task ${id}` },
  );
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

for (const backend of BACKENDS) {
  describe(`traces [${backend}]`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({ backend });
    });
    after(() => stack.stop());

    it("one trace from the caller's traceparent: submit → publish → run → result write, each the child of the one before", async () => {
      const caller = clientTraceparent();
      const res = await httpJson(`${stack.baseUrl}/task`, {
        body: { type: "test.main.add", args: { x: 2, y: 3 } },
        headers: { traceparent: caller.traceparent },
      });
      assert.equal(res.status, 200, res.text);
      const done = await waitForFinal(stack.baseUrl, res.body.id);
      assert.equal(done.status, "SUCCESS");

      const spans = await spansOfTask(res.body.id);
      const [submit, publish, run, write] = ["submit", "publish", "run", "result write"].map((n) => spans.get(n));
      assert.ok(submit && publish && run && write, `spans: ${[...spans.keys()].join(", ")}`);
      for (const span of [submit, publish, run, write]) assert.equal(span.spanContext().traceId, caller.traceId, span.name);
      assert.equal(parentOf(submit), caller.parentId, "submit continues the caller's span");
      assert.equal(parentOf(publish), idOf(submit));
      assert.equal(parentOf(run), idOf(publish), "run continues the context the message carried");
      assert.equal(parentOf(write), idOf(run));
      assert.deepEqual([submit.kind, publish.kind, run.kind, write.kind], [SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.CLIENT]);
      assert.deepEqual(
        [run.attributes[SPAN_ATTRIBUTES.taskType], run.attributes[SPAN_ATTRIBUTES.attempt], run.attributes[SPAN_ATTRIBUTES.worker]],
        ["test.main.add", 1, stack.workers[0]!.name],
      );
      assert.deepEqual([write.attributes[SPAN_ATTRIBUTES.status], write.attributes[SPAN_ATTRIBUTES.applied]], ["SUCCESS", true]);
    });

    it("a batch over Connect's JSON: every task's spans in the caller's trace; a failed run marks its run span", async () => {
      const caller = clientTraceparent();
      const res = await httpJson(`${stack.baseUrl}/tstasks.v1.TaskService/SubmitTasks`, {
        body: { tasks: [{ type: "test.main.add", args: { x: 1, y: 1 } }, { type: "demo.main.refuse", args: { reason: "no" } }] },
        headers: { traceparent: caller.traceparent },
      });
      assert.equal(res.status, 200, res.text);
      const [add, refuse] = res.body.results.map((r: { task: { id: string } }) => r.task.id);
      assert.equal((await waitForFinal(stack.baseUrl, refuse)).status, "FAILURE");
      for (const id of [add, refuse]) {
        const spans = await spansOfTask(id);
        for (const span of spans.values()) assert.equal(span.spanContext().traceId, caller.traceId, `${id} ${span.name}`);
        assert.equal(parentOf(spans.get("submit")!), caller.parentId);
      }
      const run = (await spansOfTask(refuse)).get("run")!;
      assert.equal(run.status.code, 2 /* ERROR */);
      assert.match(run.status.message ?? "", /no/);
    });

    it("a task the outbox dispatcher publishes later starts a fresh trace at its publish, which its run joins", async () => {
      const caller = clientTraceparent();
      // Due over a second later: held in the store, then published by the dispatcher (every 200 ms in the stack).
      const res = await httpJson(`${stack.baseUrl}/task`, {
        body: { type: "test.main.add", args: { x: 4, y: 4 }, delay_ms: 1200 },
        headers: { traceparent: caller.traceparent },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal((await waitForFinal(stack.baseUrl, res.body.id)).status, "SUCCESS");
      const spans = await spansOfTask(res.body.id);
      const [submit, publish, run] = ["submit", "publish", "run"].map((n) => spans.get(n)!);
      assert.equal(submit.spanContext().traceId, caller.traceId);
      assert.equal(parentOf(publish), undefined, "no parent: the submit's context is gone");
      assert.notEqual(publish.spanContext().traceId, caller.traceId);
      assert.equal(publish.attributes[SPAN_ATTRIBUTES.republished], true);
      assert.equal(parentOf(run), idOf(publish));
      assert.equal(run.spanContext().traceId, publish.spanContext().traceId);
    });
  });
}
