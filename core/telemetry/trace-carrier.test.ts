import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { carrierFrom, extractTrace, injectTrace } from "./trace-carrier.js";
import { registerTracerProvider, tracingEnabled } from "./tracing-switch.js";

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("carrierFrom (reading trace headers of a message)", () => {
  const from = (headers: Record<string, string>) => carrierFrom((name) => headers[name]);

  it("takes a W3C traceparent, and tracestate when present", () => {
    assert.deepEqual(from({ traceparent: TRACEPARENT }), { traceparent: TRACEPARENT });
    assert.deepEqual(from({ traceparent: TRACEPARENT, tracestate: "vendor=a,other=b" }), { traceparent: TRACEPARENT, tracestate: "vendor=a,other=b" });
    assert.deepEqual(from({ traceparent: ` ${TRACEPARENT.toUpperCase()} ` }), { traceparent: TRACEPARENT }, "trimmed, lower-cased");
  });

  it("ignores a missing or malformed traceparent, and an oversized tracestate", () => {
    assert.equal(from({}), undefined);
    assert.equal(from({ tracestate: "a=b" }), undefined);
    for (const bad of ["", "00-xyz-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", `${TRACEPARENT}-extra`]) {
      assert.equal(from({ traceparent: bad }), undefined, bad);
    }
    assert.deepEqual(from({ traceparent: TRACEPARENT, tracestate: "a=".padEnd(600, "x") }), { traceparent: TRACEPARENT });
  });
});

describe("injectTrace / extractTrace", () => {
  it("give nothing while tracing is off", () => {
    assert.equal(tracingEnabled(), false);
    assert.equal(injectTrace(ROOT_CONTEXT), undefined);
  });

  describe("with a registered provider", () => {
    let stop: () => Promise<void>;
    before(() => {
      stop = registerTracerProvider(new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] }));
    });
    after(() => stop());

    it("carry a span's context through a header carrier: the extracted context's span is the injected one", () => {
      assert.equal(tracingEnabled(), true);
      const span = trace.getTracer("test").startSpan("parent");
      const carrier = injectTrace(trace.setSpan(ROOT_CONTEXT, span));
      assert.ok(carrier);
      const { traceId, spanId } = span.spanContext();
      assert.equal(carrier.traceparent, `00-${traceId}-${spanId}-01`);
      const remote = trace.getSpanContext(extractTrace(carrier));
      assert.deepEqual([remote?.traceId, remote?.spanId, remote?.isRemote], [traceId, spanId, true]);
      span.end();
    });

    it("a context without a span injects nothing; no carrier extracts to the root context", () => {
      assert.equal(injectTrace(ROOT_CONTEXT), undefined);
      assert.equal(extractTrace(undefined), ROOT_CONTEXT);
    });
  });
});
