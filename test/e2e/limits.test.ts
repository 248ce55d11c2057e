import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { TaskRecord } from "../../core/store/task-record.js";
import { createKyselyForUrl } from "../../core/store/postgres/kysely-for-url.js";
import { startManagedProcess, type ManagedProcess } from "../harness/managed-process.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// Concurrency keys and rate limits (test.limits.* in taskpacks/test/limits.ts) on both backends, with
// two workers of concurrency 4 sharing the store: the limits hold across workers, a throttled task goes
// back to the queue without using an attempt, and a dead worker's lease stops counting after its TTL.

const REPO = join(import.meta.dirname, "../..");

/** Most of one key's intervals [startedAt, finishedAt) open at one instant. */
function mostAtOnce(tasks: readonly TaskRecord[]): number {
  const edges = tasks.flatMap((t) => [
    [t.startedAt!.getTime(), 1],
    [t.finishedAt!.getTime(), -1],
  ]);
  // An end and a start at the same millisecond: the end first (the lease was released before the next start).
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d!));
  return most;
}

for (const backend of BACKENDS) describe(`concurrency keys and rate limits [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, workers: 0 });
    await stack.startWorker({ concurrency: 4 });
    await stack.startWorker({ concurrency: 4 });
  });
  after(() => stack.stop());

  const submit = async (type: string, args: object): Promise<string> => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type, args } });
    assert.equal(res.status, 200, res.text);
    return res.body.id as string;
  };
  const records = async (ids: readonly string[]): Promise<TaskRecord[]> => Promise.all(ids.map(async (id) => (await stack.store.getTask(id))!));

  it("a key holds at its max (2) across two workers, other keys are not held up, and every task runs once", async () => {
    const as = await Promise.all(Array.from({ length: 12 }, () => submit("test.limits.keyed", { user: "a", ms: 300 })));
    const bs = await Promise.all(Array.from({ length: 4 }, () => submit("test.limits.keyed", { user: "b", ms: 300 })));
    for (const id of [...as, ...bs]) assert.equal((await waitForFinal(stack.baseUrl, id, 60_000)).status, "SUCCESS");
    const a = await records(as);
    const b = await records(bs);
    for (const t of [...a, ...b]) {
      // Handed back while the key was busy, never claimed: one attempt, no error, no lost attempt.
      assert.deepEqual([t.status, t.attempts, t.errors.length, t.lostAttempts], ["SUCCESS", 1, 0, 0], t.id);
    }
    assert.deepEqual(new Set(a.map((t) => t.result)), new Set(["a"]));
    // "a" reached its max and never exceeded it; both workers ran its tasks.
    assert.equal(mostAtOnce(a), 2);
    assert.equal(new Set(a.map((t) => t.worker)).size, 2, "both workers ran tasks of a");
    assert.ok(mostAtOnce(b) <= 2);
    // "b" ran beside a full "a": at some point more than 2 keyed tasks ran at once.
    assert.ok(mostAtOnce([...a, ...b]) > 2, "b ran while a held its 2 slots");
    assert.ok(Math.max(...b.map((t) => t.finishedAt!.getTime())) < Math.max(...a.map((t) => t.finishedAt!.getTime())), "b finished before the queue of a");
    // Every lease was given back.
    const left = await stack.store.acquireLeases(
      Array.from({ length: 2 }, () => ({ type: "test.limits.keyed", key: "a", taskId: randomUUID(), max: 2, holder: "probe", ttlMs: 1000 })),
    );
    assert.deepEqual(left.map((r) => r.granted), [true, true]);
    await stack.store.releaseLeases([]);
  });

  it("a rate limit of 4 a second (burst 4) holds across two workers; every task runs once", async () => {
    const ids = await Promise.all(Array.from({ length: 16 }, (_, n) => submit("test.limits.throttled", { n })));
    for (const id of ids) assert.equal((await waitForFinal(stack.baseUrl, id, 60_000)).status, "SUCCESS");
    const tasks = await records(ids);
    for (const t of tasks) assert.deepEqual([t.status, t.attempts, t.errors.length], ["SUCCESS", 1, 0], t.id);
    assert.deepEqual(tasks.map((t) => t.result), ids.map((_, n) => n));
    const starts = tasks.map((t) => t.startedAt!.getTime()).sort((x, y) => x - y);
    for (const s of starts) {
      const inWindow = starts.filter((t) => t >= s && t < s + 1000).length;
      assert.ok(inWindow <= 4 + 4, `${inWindow} starts in the second after ${new Date(s).toISOString()}`);
    }
    // 12 starts beyond the burst at 4 a second: at least 3 s from the first to the last (some slack for clock grain).
    assert.ok(starts.at(-1)! - starts[0]! >= 2500, `starts spread over ${starts.at(-1)! - starts[0]!} ms`);
  });

  it("a key function that throws fails the task at once, with no retry", async () => {
    const id = await submit("test.limits.unkeyable", {});
    const t = await waitForFinal(stack.baseUrl, id, 20_000);
    assert.equal(t.status, "FAILURE");
    assert.equal(t.attempts, 1);
    assert.equal(t.error.type, "ConcurrencyKeyFailed");
    assert.match(t.error.message, /the concurrency key function threw: this type has no key for any args/);
  });

  it("leases of a worker that died stop counting after their TTL", async () => {
    // Two leases of key "z" held by a worker that will never renew or release them.
    const planted = Date.now();
    const dead = await stack.store.acquireLeases(
      Array.from({ length: 2 }, () => ({ type: "test.limits.keyed", key: "z", taskId: randomUUID(), max: 2, holder: "dead-worker", ttlMs: 1500 })),
    );
    assert.deepEqual(dead.map((r) => r.granted), [true, true]);
    const id = await submit("test.limits.keyed", { user: "z", ms: 10 });
    const t = await waitForFinal(stack.baseUrl, id, 30_000);
    assert.deepEqual([t.status, t.attempts], ["SUCCESS", 1]);
    const record = (await stack.store.getTask(id))!;
    // It waited for the dead leases (about 1.5 s), then ran.
    assert.ok(record.startedAt!.getTime() - planted >= 1000, `started ${record.startedAt!.getTime() - planted} ms after the leases were planted`);
  });

  if (backend === "real") {
    it("a worker process killed while its tasks hold a key does not block the key: they run again and the key moves on", async () => {
      for (const w of stack.workers) await w.stop();
      const procs: ManagedProcess[] = [];
      const db = createKyselyForUrl(stack.postgres!.url, { poolSize: 1 });
      // As `npm run worker` with a 2 s ack wait: heartbeats every 666 ms, leases live 2 s without one.
      const spawnWorker = (name: string) =>
        startManagedProcess(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO, "worker/main.ts")], {
          label: `worker ${name}`,
          env: {
            PATH: process.env["PATH"],
            DATABASE_URL: stack.postgres!.url,
            NATS_URL: stack.nats!.url,
            WORKER_NAME: name,
            WORKER_CONCURRENCY: "4",
            ACK_WAIT_MS: "2000",
            LOG_LEVEL: "warn",
          },
        }).then((p) => (procs.push(p), p));
      try {
        const doomed = await spawnWorker("limits-doomed");
        const first = await Promise.all([1, 2].map(() => submit("test.limits.keyed", { user: "k", ms: 3000 })));
        await waitUntil(async () => (await records(first)).every((t) => t.status === "STARTED" && t.worker === "limits-doomed"), {
          label: "both tasks of k running on the doomed worker",
          timeoutMs: 30_000,
          abortReason: () => doomed.exitError(),
        });
        const held = await db.selectFrom("concurrency_leases").select(["task_id", "holder"]).where("key", "=", "k").execute();
        assert.deepEqual(held.map((h) => h.holder), ["limits-doomed", "limits-doomed"]);
        await doomed.terminate("SIGKILL");
        const third = await submit("test.limits.keyed", { user: "k", ms: 100 });
        await spawnWorker("limits-survivor");
        for (const id of [...first, third]) assert.equal((await waitForFinal(stack.baseUrl, id, 60_000)).status, "SUCCESS");
        const lost = await records(first);
        // One lost attempt each (the survivor runs them one at a time, quarantined: one may be claimed and
        // handed back meanwhile, an attempt that is neither lost nor failed).
        for (const t of lost) assert.deepEqual([t.lostAttempts, t.errors.length, t.worker], [1, 0, "limits-survivor"], t.id);
        const all = await records([...first, third]);
        assert.ok(mostAtOnce(all) <= 2);
        // The dead worker's leases are gone (taken over by the redeliveries, then released).
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from concurrency_leases where holder = 'limits-doomed'`.execute(db);
        assert.equal(rows[0]!.n, 0);
      } finally {
        for (const p of procs) await p.terminate("SIGTERM");
        await db.destroy();
      }
    });
  }
});
