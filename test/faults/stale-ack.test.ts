import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson } from "../support/http-json.js";
import { startFaultEnv, type FaultEnv } from "./fault-env.js";
import { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from "./worker-process.js";

// A superseded attempt must not settle the message of the attempt that
// superseded it. JetStream applies an older delivery's ack to the message
// itself: if the old attempt acked, the message would be gone while the new
// attempt runs, and killing the new attempt's worker would leave the task
// STARTED forever (nothing redelivers it).

describe("a superseded attempt [real]", () => {
  let env: FaultEnv;
  let db: pg.Pool;
  const workers: WorkerProcess[] = [];
  const start = async (name: string, options: Partial<WorkerProcessOptions>) => {
    const w = await startWorkerProcess({ databaseUrl: env.postgres.url, natsUrl: env.natsUrl, name, concurrency: 1, ackWaitMs: 500, ...options });
    workers.push(w);
    // Consuming once it says so.
    await waitUntil(async () => w.output().includes(`${name} consumes`), {
      label: `worker ${name} consuming`,
      abortReason: () => (w.alive ? undefined : new Error(`worker ${name} exited:\n${w.output()}`)),
    });
    return w;
  };

  before(async () => {
    env = await startFaultEnv();
    db = new pg.Pool({ connectionString: env.postgres.url, max: 2 });
    db.on("error", () => {});
    await db.query("create table executions (task_id uuid, attempt int, worker text)");
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await db?.end().catch(() => {});
    await env?.stop();
  });

  it("leaves the newer attempt's message alone: that attempt's worker dies and the task still completes", async () => {
    // Worker a never heartbeats within the 500 ms ack wait, so its attempt is redelivered.
    const a = await start("stale-a", { heartbeatMs: 60_000 });
    // Attempt 1 runs until attempt 2 has claimed the task; attempt 2 runs long (its worker is
    // killed meanwhile); attempt 3 is quick.
    const submitted = await httpJson(`${env.baseUrl}/task`, {
      body: { type: "fault.main.work", args: { ms: 50, attemptMs: [0, 10_000], firstUntilSuperseded: true } },
    });
    assert.equal(submitted.status, 200, submitted.text);
    const id: string = submitted.body.id;
    const task = async () => (await db.query("select status, attempts, worker, result from tasks where id = $1", [id])).rows[0];
    await waitUntil(async () => (await task()).attempts === 1, { label: "attempt 1 claimed", intervalMs: 50 });
    // a stops pulling (its running attempt goes on), so the redelivery can only go to b.
    a.proc.terminate("SIGTERM").catch(() => {});
    const b = await start("stale-b", { heartbeatMs: 100 });
    await waitUntil(async () => {
      const t = await task();
      return t.attempts === 2 && t.worker === "stale-b";
    }, { timeoutMs: 15_000, intervalMs: 50, label: "attempt 2 claimed by stale-b" });
    // Attempt 1 now ends, superseded, and its worker settles what it settles and exits.
    await a.proc.waitForExit();
    assert.deepEqual((await db.query("select attempt from executions where task_id = $1", [id])).rows, [{ attempt: 1 }]);
    // c is ready to take a redelivery; b, still running attempt 2, dies.
    await start("stale-c", { heartbeatMs: 100 });
    assert.equal((await task()).status, "STARTED");
    await b.kill();

    const done = await waitUntil(async () => {
      const t = await task();
      return t.status === "SUCCESS" ? t : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, label: "the task completing after attempt 2's worker died (it stays STARTED if a stale ack dropped its message)" });
    assert.equal(done.result, 3);
    assert.equal(done.worker, "stale-c");
    const { rows } = await db.query("select attempt from executions where task_id = $1 order by attempt", [id]);
    assert.deepEqual(rows.map((r) => r.attempt), [1, 3], "attempt 1 ran (superseded), attempt 2 died, attempt 3 recorded the result");
  });

  it("leaves a duplicate of the attempt it runs unsettled: that worker dies and the task still completes", async () => {
    // Only the workers of this test consume.
    await Promise.all(workers.splice(0).map((w) => w.kill()));
    // No heartbeats within the 500 ms ack wait, and a free slot: the message comes back to the same worker
    // while attempt 1 runs, as a duplicate of the running attempt. Acked, it would take the message with it.
    const d = await start("dup-d", { heartbeatMs: 60_000, concurrency: 2 });
    const submitted = await httpJson(`${env.baseUrl}/task`, {
      body: { type: "fault.main.work", args: { ms: 50, attemptMs: [10_000] } },
    });
    assert.equal(submitted.status, 200, submitted.text);
    const id: string = submitted.body.id;
    const task = async () => (await db.query("select status, attempts, lost_attempts, worker, result from tasks where id = $1", [id])).rows[0];
    await waitUntil(async () => (await task()).attempts === 1, { label: "attempt 1 claimed", intervalMs: 50 });
    // Several ack waits: the duplicate has come back to d (and been claimed as running there) by now.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await task(), { status: "STARTED", attempts: 1, lost_attempts: 0, worker: "dup-d", result: null });
    await start("dup-e", { heartbeatMs: 100 });
    await d.kill();
    const done = await waitUntil(async () => {
      const t = await task();
      return t.status === "SUCCESS" ? t : undefined;
    }, { timeoutMs: 10_000, intervalMs: 100, label: "the task completing after its worker died (it stays STARTED if the duplicate's ack dropped the message)" });
    assert.equal(done.worker, "dup-e");
    assert.equal(done.lost_attempts, 1);
  });
});
