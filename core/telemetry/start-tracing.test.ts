import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../config/env-config.js";
import { startTracing, tracingSettings } from "./start-tracing.js";

describe("tracingSettings", () => {
  const read = (env: NodeJS.ProcessEnv) => tracingSettings(env, "tstasks-worker");

  it("is off by default and with none or OTEL_SDK_DISABLED", async () => {
    assert.equal(read({}), undefined);
    assert.equal(read({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }), undefined);
    assert.equal(read({ OTEL_SDK_DISABLED: "true", OTEL_TRACES_EXPORTER: "otlp" }), undefined);
    assert.equal(await startTracing("x", {}), undefined, "nothing is started");
  });

  it("turns on with OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint, naming the service", () => {
    assert.deepEqual(read({ OTEL_TRACES_EXPORTER: "otlp" }), {
      exporters: ["otlp"],
      serviceName: "tstasks-worker",
      otlpUrl: "http://localhost:4318/v1/traces",
    });
    assert.deepEqual(read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/", OTEL_SERVICE_NAME: "jobs" }), {
      exporters: ["otlp"],
      serviceName: "jobs",
      otlpUrl: "http://collector:4318/v1/traces",
    });
    assert.equal(read({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:9999/traces" })?.otlpUrl, "http://c:9999/traces");
    assert.deepEqual(read({ OTEL_TRACES_EXPORTER: "OTLP, console" })?.exporters, ["otlp", "console"]);
    assert.deepEqual(read({ OTEL_TRACES_EXPORTER: "console", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })?.exporters, ["console"]);
    assert.ok(read({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" }));
  });

  it("refuses exporters and protocols it cannot serve, naming the variable", () => {
    assert.throws(() => read({ OTEL_TRACES_EXPORTER: "zipkin" }), (e: unknown) => e instanceof ConfigError && /OTEL_TRACES_EXPORTER: zipkin/.test(e.message));
    assert.throws(
      () => read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
      (e: unknown) => e instanceof ConfigError && /OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/.test(e.message),
    );
  });
});
