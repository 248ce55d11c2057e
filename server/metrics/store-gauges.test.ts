import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import { registerStoreGauges, type StoreStatsSource } from "./store-gauges.js";

/** A store stand-in whose answers the test sets, counting the readings it serves. */
function fakeStore() {
  const state = {
    readings: 0,
    fail: false,
    queues: [{ queue: "default", waiting: 3, running: 1, oldestWaitingSeconds: 4.5 }] as { queue: string; waiting: number; running: number; oldestWaitingSeconds: number }[],
    backlog: 2,
    workers: [{ alive: true }, { alive: false }, { alive: true }],
  };
  const source: StoreStatsSource = {
    async queueStats() {
      state.readings++;
      if (state.fail) throw new Error("store down");
      return state.queues;
    },
    outboxBacklog: async () => state.backlog,
    listWorkers: async () => state.workers,
  };
  return { state, source };
}

const values = async (registry: Registry) =>
  (await registry.metrics())
    .split("\n")
    .filter((l) => l.startsWith("tstasks_"))
    .sort();

describe("registerStoreGauges", () => {
  it("reports queue depth, running, oldest wait per queue, workers alive and the outbox backlog", async () => {
    const registry = new Registry();
    const { source } = fakeStore();
    registerStoreGauges(registry, source);
    assert.deepEqual(await values(registry), [
      "tstasks_outbox_backlog 2",
      'tstasks_queue_depth{queue="default"} 3',
      'tstasks_queue_oldest_waiting_seconds{queue="default"} 4.5',
      'tstasks_queue_running{queue="default"} 1',
      "tstasks_store_stats_errors_total 0",
      "tstasks_workers_alive 2",
    ]);
  });

  it("reads the store once for every gauge and every scrape within the cache time", async () => {
    const registry = new Registry();
    const { state, source } = fakeStore();
    registerStoreGauges(registry, source, { cacheMs: 60_000 });
    await Promise.all([registry.metrics(), registry.metrics(), registry.metrics()]);
    await registry.metrics();
    assert.equal(state.readings, 1);

    const fresh = new Registry();
    const second = fakeStore();
    registerStoreGauges(fresh, second.source, { cacheMs: 0 });
    await fresh.metrics();
    await fresh.metrics();
    assert.equal(second.state.readings, 2, "cacheMs 0: every scrape reads");
  });

  it("keeps a queue it saw at 0 once the store no longer lists it", async () => {
    const registry = new Registry();
    const { state, source } = fakeStore();
    registerStoreGauges(registry, source, { cacheMs: 0 });
    await registry.metrics();
    state.queues = [{ queue: "gpu", waiting: 1, running: 0, oldestWaitingSeconds: 0.5 }];
    const now = await values(registry);
    assert.ok(now.includes('tstasks_queue_depth{queue="default"} 0'), now.join("\n"));
    assert.ok(now.includes('tstasks_queue_depth{queue="gpu"} 1'), now.join("\n"));
  });

  it("a failed reading keeps the last values, counts the error, and the scrape still succeeds", async () => {
    const registry = new Registry();
    const { state, source } = fakeStore();
    registerStoreGauges(registry, source, { cacheMs: 0 });
    await registry.metrics();
    state.fail = true;
    state.backlog = 99;
    const now = await values(registry);
    assert.ok(now.includes("tstasks_store_stats_errors_total 1"), now.join("\n"));
    assert.ok(now.includes('tstasks_queue_depth{queue="default"} 3'), now.join("\n"));
    assert.ok(now.includes("tstasks_outbox_backlog 2"), now.join("\n"));
  });
});
