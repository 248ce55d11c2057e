import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { httpJson, submitAdds, waitForFinal } from "../support/http-json.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";
import { toTaskMessage } from "../../core/queue/to-task-message.js";

const SPECIAL_PACKS = join(import.meta.dirname, "../fixtures/packs");

for (const backend of BACKENDS) describe(`workers [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, workers: 0 });
  });
  after(() => stack.stop());

  it("the server sees a worker's catalog as soon as the worker starts", async () => {
    const beforeStart = await httpJson(`${stack.baseUrl}/tasks`);
    assert.deepEqual(beforeStart.body ?? {}, {});
    const refused = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    assert.equal(refused.status, 400);
    await stack.startWorker({ name: "alpha" });
    const afterStart = await httpJson(`${stack.baseUrl}/tasks`);
    assert.ok(afterStart.body["test.main.add"]);
    const ok = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await waitForFinal(stack.baseUrl, ok.body.id)).result, 3);
  });

  it("quarantine: a task that was running when its worker died runs alone on its next attempt", async () => {
    // One worker (alpha) runs so far: quarantine is per worker process.
    // A long task runs on the worker.
    const long = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms: 1500 } } });
    assert.equal(long.status, 200, long.text);
    await waitUntilStatus(stack, long.body.id, "STARTED");
    // A task whose worker died mid-attempt: its row says STARTED by a worker that is gone, and its
    // message comes back. The next claim counts a lost attempt, so it must wait for the long task.
    const id = randomUUID();
    await stack.store.insertTasks([{ id, type: "test.main.add", queue: "default", args: { x: 2, y: 3 } }]);
    await stack.store.startTasks([{ id, worker: "a-worker-that-died" }]);
    await stack.queue.publish([toTaskMessage({ id, type: "test.main.add", queue: "default", args: { x: 2, y: 3 } })]);
    const suspect = await waitForFinal(stack.baseUrl, id, 30_000);
    const longDone = await waitForFinal(stack.baseUrl, long.body.id, 30_000);
    assert.equal(suspect.status, "SUCCESS");
    assert.equal(suspect.result, 5);
    assert.equal(suspect.attempts, 2);
    assert.equal(longDone.status, "SUCCESS");
    // It takes no time itself, so finishing after the long task's 1.5 s sleep means it waited for it.
    assert.ok(
      Date.parse(suspect.finished_at) >= Date.parse(longDone.started_at) + 1500,
      `the suspect finished ${suspect.finished_at}, while the long task (started ${longDone.started_at}) still slept`,
    );
    // And an ordinary task submitted now runs at once again (the quarantine has ended).
    const next = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 1 } } });
    assert.equal((await waitForFinal(stack.baseUrl, next.body.id)).result, 2);
  });

  it("two workers share a queue and run every task exactly once", async () => {
    await stack.startWorker({ name: "beta" });
    const n = 200;
    const ids = await submitAdds(stack.baseUrl, n);
    const done = await Promise.all(ids.map((id) => waitForFinal(stack.baseUrl, id, 60_000)));
    const workers = new Set<string>();
    done.forEach((t, i) => {
      assert.equal(t.status, "SUCCESS");
      assert.equal(t.result, i + 1);
      assert.equal(t.attempts, 1, `task ${t.id} ran ${t.attempts} times`);
      workers.add(t.worker);
    });
    assert.deepEqual([...workers].sort(), ["alpha", "beta"], "both workers took tasks");
  });

  it("a worker pool that lacks a type never takes it; a worker that has it does", async () => {
    // The type is in the catalog (as if a specialised worker had registered it), but no running worker serves its queue.
    await stack.store.registerTaskTypes([
      {
        name: "special.main.shout",
        queue: "special",
        protected: false,
        argsSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"], additionalProperties: false },
        description: "",
        pack: "special",
        packVersion: "0.0.1",
      },
    ]);
    const first = await httpJson(`${stack.baseUrl}/task`, { body: { type: "special.main.shout", args: { text: "a" } } });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.queue, "special");
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await httpJson(`${stack.baseUrl}/task/${first.body.id}`);
    assert.equal(waiting.body.status, "PENDING");
    assert.equal(waiting.body.attempts, 0);

    // A queued task can be cancelled and then never runs.
    const cancelled = await httpJson(`${stack.baseUrl}/task/${first.body.id}/cancel`, { method: "POST", body: {} });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.status, "REVOKED");

    const second = await httpJson(`${stack.baseUrl}/task`, { body: { type: "special.main.shout", args: { text: "hello" } } });
    await stack.startWorker({ name: "special-worker", dir: SPECIAL_PACKS });
    const done = await waitForFinal(stack.baseUrl, second.body.id);
    assert.equal(done.status, "SUCCESS");
    assert.deepEqual(done.result, { text: "HELLO", worker: "special-worker" });
    await new Promise((r) => setTimeout(r, 500));
    const revoked = await httpJson(`${stack.baseUrl}/task/${first.body.id}`);
    assert.equal(revoked.body.status, "REVOKED", "the revoked task was not run by the new worker");
    assert.equal(revoked.body.attempts, 0);
  });

  it("mov3d runs end to end and the fall time matches sqrt(2(h - radius)/g)", async () => {
    // pytasks' model: y is up, and the sphere lands when its bottom (y - radius) reaches the ground.
    const h = 10;
    const radius = 0.1;
    const res = await httpJson(`${stack.baseUrl}/task`, {
      body: { type: "physicsjs.main.mov3d", args: { dt: 0.001, r0: [0, h, 0], v0: [0, 0, 0], mass: 1, radius, drag: false } },
    });
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "SUCCESS", JSON.stringify(done.error));
    const t: number[] = done.result.t;
    // Newtonian gravity at Earth's surface (G·M/R², the constants pytasks uses): about 9.798 m/s².
    const g = (6.6743e-11 * 5.972e24) / 6378.1e3 ** 2;
    const expected = Math.sqrt((2 * (h - radius)) / g);
    assert.ok(Math.abs(t[t.length - 1]! - expected) < 0.01, `fell in ${t[t.length - 1]} s, expected ${expected}`);
    for (const key of ["t", "v", "r", "w", "ke", "pe", "me", "nke", "npe", "nme"]) {
      assert.equal(done.result[key].length, t.length, key);
    }
    // As in pytasks, a and alpha have one entry per step, not per sample.
    for (const key of ["a", "alpha"]) assert.equal(done.result[key].length, t.length - 1, key);
  });

  it("a task that throws ends FAILURE with a structured error", async () => {
    const res = await httpJson(`${stack.baseUrl}/task`, {
      body: { type: "physicsjs.main.mov3d", args: { dt: 0.000001, r0: [0, 1000, 0], v0: [0, 0, 0], mass: 1, radius: 0.1, drag: true } },
    });
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "FAILURE");
    assert.equal(typeof done.error.type, "string");
    assert.equal(done.error.type, "NonRetryableError");
    assert.match(done.error.message, /step/i);
    assert.equal(done.result, undefined);
  });
});

/** Waits until the task's status is `status`. */
async function waitUntilStatus(stack: Stack, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await httpJson(`${stack.baseUrl}/task/${id}`)).body?.status !== status) {
    if (Date.now() > deadline) throw new Error(`task ${id} never reached ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
