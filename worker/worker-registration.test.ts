import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { createLogger } from "../core/log/logger.js";
import { createPgliteTaskStore } from "../core/store/pglite/pglite-task-store.js";
import type { KyselyTaskStore } from "../core/store/postgres/postgres-task-store.js";
import { freshPgliteDataDir } from "../test/support/pglite-template.js";
import { waitUntil } from "../test/harness/wait-until.js";
import { newWorkerId, registerWorker, startWorkerRegistration } from "./worker-registration.js";
import type { Worker } from "./worker.js";

// The registry on a real (embedded) store; the worker is a stand-in with the two fields the registry reads.

describe("worker registration", () => {
  let store: KyselyTaskStore;
  let dataDir: string;
  before(async () => {
    dataDir = await freshPgliteDataDir();
    store = await createPgliteTaskStore({ dataDir });
  });
  after(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Log lines as parsed JSON objects. */
  function capture() {
    const lines: { level: string; msg: string }[] = [];
    const log = createLogger({ logFormat: "json", logLevel: "debug", destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    return { log, lines };
  }

  test("ids are unique per start and name the host and pid", () => {
    const [a, b] = [newWorkerId(), newWorkerId()];
    assert.notEqual(a, b);
    assert.match(a, new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-${process.pid}-[0-9a-f]{8}$`));
  });

  test("registers at once, reports the in-flight count at each heartbeat, and deletes the row on stop", async () => {
    const worker = { queues: ["default", "math"], running: 0 };
    const registration = await startWorkerRegistration({
      store,
      worker,
      name: "worker-a",
      taskTypes: ["test.main.sub", "test.main.add"],
      concurrency: 3,
      intervalMs: 50,
    });
    const [row] = await store.listWorkers();
    assert.ok(row, "registered before start resolved");
    assert.deepEqual(
      [row.id, row.name, row.hostname, row.pid, row.queues, row.taskTypes, row.concurrency, row.inFlight, row.heartbeatMs, row.alive],
      [registration.id, "worker-a", hostname(), process.pid, ["default", "math"], ["test.main.add", "test.main.sub"], 3, 0, 50, true],
    );
    worker.running = 2;
    await waitUntil(async () => (await store.listWorkers())[0]?.inFlight === 2, { timeoutMs: 5000 });
    await registration.stop();
    assert.deepEqual(await store.listWorkers(), []);
    // No heartbeat brings it back.
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(await store.listWorkers(), []);
    await registration.stop();
  });

  test("a failing store is logged once and retried at the next tick; the worker never sees an error", async () => {
    const { log, lines } = capture();
    await store.db.schema.alterTable("workers").renameTo("workers_away").execute();
    let registration;
    try {
      registration = await startWorkerRegistration({ store, worker: { queues: [], running: 0 }, name: "w", taskTypes: [], concurrency: 1, intervalMs: 30, log });
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await store.db.schema.alterTable("workers_away").renameTo("workers").execute();
    }
    const warnings = lines.filter((l) => l.level === "warn");
    assert.equal(warnings.length, 1, JSON.stringify(lines));
    assert.match(warnings[0]!.msg, /registry heartbeat failed; will retry every 30 ms/);
    await waitUntil(async () => (await store.listWorkers()).some((w) => w.id === registration.id), { timeoutMs: 5000 });
    assert.ok(lines.some((l) => l.level === "info" && /works again/.test(l.msg)));
    await registration.stop();
    assert.deepEqual(await store.listWorkers(), []);
  });

  test("registerWorker chains the worker's stop: heartbeats while it drains, the row goes once it has stopped", async () => {
    let finishDraining!: () => void;
    const drained = new Promise<void>((r) => (finishDraining = r));
    const fake = { queues: ["default"], running: 1, stop: () => drained } as unknown as Worker;
    const registration = await registerWorker(fake, { store, name: "w", taskTypes: ["a.b.c"], concurrency: 1, intervalMs: 30 });
    const stopping = fake.stop();
    (fake as { running: number }).running = 0;
    await waitUntil(async () => (await store.listWorkers())[0]?.inFlight === 0, { timeoutMs: 5000 });
    assert.equal((await store.listWorkers())[0]?.id, registration.id, "still listed while draining");
    finishDraining();
    await stopping;
    assert.deepEqual(await store.listWorkers(), []);
  });

  test("stop gives up on a store that does not answer (after two seconds) instead of holding the shutdown", async () => {
    const { log, lines } = capture();
    const registration = await startWorkerRegistration({ store, worker: { queues: [], running: 0 }, name: "w", taskTypes: [], concurrency: 1, intervalMs: 1000, log });
    // PGlite has one session: while a transaction holds it, every other query of the store waits.
    await store.db.transaction().execute(async (trx) => {
      await sql`select 1`.execute(trx);
      // Resolves while the transaction still holds the session: it did not wait for the store.
      await registration.stop();
    });
    assert.ok(lines.some((l) => l.level === "warn" && /could not remove the worker from the registry/.test(l.msg)), JSON.stringify(lines));
    // The delete went through once the session was free.
    await waitUntil(async () => (await store.listWorkers()).length === 0, { timeoutMs: 5000 });
  });
});
