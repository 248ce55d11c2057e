import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "./env-config.js";

describe("metrics settings", () => {
  it("serves the worker's health and metrics on WORKER_METRICS_PORT or WORKER_HEALTH_PORT (one port)", () => {
    assert.equal(loadConfig({}).workerHealthPort, undefined);
    assert.equal(loadConfig({ WORKER_METRICS_PORT: "9464" }).workerHealthPort, 9464);
    assert.equal(loadConfig({ WORKER_HEALTH_PORT: "8081" }).workerHealthPort, 8081);
    assert.equal(loadConfig({ WORKER_METRICS_PORT: "9464", WORKER_HEALTH_PORT: "9464" }).workerHealthPort, 9464);
  });

  it("refuses two different ports, naming both variables", () => {
    assert.throws(
      () => loadConfig({ WORKER_METRICS_PORT: "9464", WORKER_HEALTH_PORT: "8081" }),
      (e: unknown) => e instanceof ConfigError && /WORKER_METRICS_PORT \(9464\) and WORKER_HEALTH_PORT \(8081\)/.test(e.message),
    );
    assert.throws(() => loadConfig({ WORKER_METRICS_PORT: "0" }), /WORKER_METRICS_PORT must be at least 1/);
  });

  it("takes an optional METRICS_TOKEN of at least 16 characters without spaces", () => {
    assert.equal(loadConfig({}).metricsToken, undefined);
    assert.equal(loadConfig({ METRICS_TOKEN: "0123456789abcdef" }).metricsToken, "0123456789abcdef");
    assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), /METRICS_TOKEN must be at least 16 characters/);
    assert.throws(() => loadConfig({ METRICS_TOKEN: "0123456789 abcdef" }), /METRICS_TOKEN must not contain spaces/);
  });
});
