import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { CounterFamily, HistogramFamily } from "./metric-families.js";

/** The exposition lines of a registry that start with `prefix`. */
async function lines(registry: Registry, prefix: string): Promise<string[]> {
  return (await registry.metrics()).split("\n").filter((l) => l.startsWith(prefix));
}

describe("CounterFamily", () => {
  it("exposes each labelled series with HELP and TYPE, and one series per label values", async () => {
    const registry = new Registry();
    const counter = new CounterFamily(registry, { name: "t_done_total", help: "Done things.", labelNames: ["type", "queue"] });
    const a = counter.series("a.b.c", "default");
    a.value++;
    a.value++;
    assert.equal(counter.series("a.b.c", "default"), a, "the same series for the same labels");
    counter.series("x", "q\"uote").value++;
    assert.deepEqual(await lines(registry, "t_done_total"), ['t_done_total{type="a.b.c",queue="default"} 2', 't_done_total{type="x",queue="q\\"uote"} 1']);
    assert.deepEqual(await lines(registry, "# "), ["# HELP t_done_total Done things.", "# TYPE t_done_total counter"]);
    assert.throws(() => counter.series("only-one"), RangeError);
    registry.resetMetrics();
    assert.deepEqual(await lines(registry, "t_done_total{type=\"a.b.c\""), ['t_done_total{type="a.b.c",queue="default"} 0']);
  });

  it("refuses a second metric of the same name in one registry", () => {
    const registry = new Registry();
    new CounterFamily(registry, { name: "t_total", help: "h", labelNames: [] });
    assert.throws(() => new CounterFamily(registry, { name: "t_total", help: "h", labelNames: [] }), /already been registered/);
  });
});

describe("HistogramFamily", () => {
  it("exposes cumulative buckets with le, +Inf, _sum and _count", async () => {
    const registry = new Registry();
    const histogram = new HistogramFamily(registry, { name: "t_seconds", help: "Time.", labelNames: ["type"], buckets: [0.1, 1, 10] });
    const s = histogram.series("a");
    for (const v of [0.05, 0.1, 0.5, 5, 50, Number.NaN]) histogram.observe(s, v);
    assert.deepEqual(await lines(registry, "t_seconds"), [
      't_seconds_bucket{type="a",le="0.1"} 2',
      't_seconds_bucket{type="a",le="1"} 3',
      't_seconds_bucket{type="a",le="10"} 4',
      't_seconds_bucket{type="a",le="+Inf"} 5',
      't_seconds_sum{type="a"} 55.65',
      't_seconds_count{type="a"} 5',
    ]);
    assert.deepEqual(await lines(registry, "# TYPE"), ["# TYPE t_seconds histogram"]);
    assert.throws(() => new HistogramFamily(registry, { name: "bad", help: "h", labelNames: [], buckets: [1, 1] }), /ascend/);
  });
});
