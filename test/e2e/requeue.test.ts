import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// A retry publishes the task's message itself, and the outbox dispatcher
// sees the same row unpublished (its created_at is long past) and may
// publish it too. Here the dispatcher looks every 5 ms at rows of any age,
// so it races every retry. Both publishers must leave one message: a second
// copy made the worker claim the running task again as a lost attempt and
// run it twice, the copy quarantined (running alone), so every other task
// waited behind a 60 s sleep that its cancel no longer reached.
for (const backend of BACKENDS) describe(`requeue [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, outbox: { intervalMs: 5, olderThanMs: 0 } });
  });
  after(() => stack.stop());

  const task = async (id: string) => (await httpJson(`${stack.baseUrl}/task/${id}`)).body;
  const post = (path: string) => httpJson(`${stack.baseUrl}${path}`, { method: "POST", body: {} });

  it("a retried task is queued once, however the dispatcher races the retry's own publish", async () => {
    const worker = stack.workers[0]!.worker;
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms: 60_000 } } });
    assert.equal(res.status, 200, res.text);
    const id: string = res.body.id;
    for (let round = 1; round <= 4; round++) {
      await waitUntil(async () => (await task(id)).status === "STARTED", { label: `round ${round}: STARTED` });
      // Long enough for a second copy of the message to arrive and be claimed.
      await new Promise((r) => setTimeout(r, 300));
      const record = await stack.store.getTask(id);
      assert.equal(record?.lostAttempts, 0, `round ${round}: no attempt was claimed as lost`);
      assert.equal(record?.attempts, round, `round ${round}: one attempt per queueing`);
      assert.equal(worker.running, 1, `round ${round}: the task runs once`);
      assert.equal((await post(`/task/${id}/cancel`)).body.status, "REVOKED");
      await waitUntil(async () => worker.running === 0, { timeoutMs: 5000, label: `round ${round}: the cancel reached the attempt` });
      const retried = await post(`/task/${id}/retry`);
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.body.status, "PENDING");
    }
    assert.equal((await post(`/task/${id}/cancel`)).body.status, "REVOKED");
    // And the worker is free for other work at once.
    const add = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 2, y: 3 } } });
    assert.equal(add.status, 200, add.text);
    await waitUntil(async () => (await task(add.body.id)).status === "SUCCESS", { timeoutMs: 5000, label: "the next task to run" });
  });
});
