import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`dead letters and manual retries [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  it("a task whose workers keep vanishing ends FAILURE WorkerLost instead of being redelivered forever", async () => {
    const id = randomUUID();
    const args = { x: 1, y: 2 };
    await stack.store.insertTasks([{ id, type: "test.main.add", queue: "default", args }]);
    // Five claims with no outcome: as if five workers died holding it.
    for (let i = 0; i < 5; i++) await stack.store.startTasks([{ id, worker: `ghost-${i}` }]);
    await stack.queue.publish([{ id, type: "test.main.add", queue: "default", args }]);
    const done = await waitForFinal(stack.baseUrl, id);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.error.type, "WorkerLost");
    assert.match(done.error.message, /5 attempts ended without an outcome/);
    assert.equal(done.attempts, 6);
  });

  it("a task committed but never published (the server died in between) is dispatched from the outbox", async () => {
    const id = randomUUID();
    await stack.store.insertTasks([{ id, type: "test.main.add", queue: "default", args: { x: 20, y: 22 } }]);
    assert.ok((await stack.store.awaitingDispatch([id])).has(id));
    const done = await waitForFinal(stack.baseUrl, id);
    assert.equal(done.result, 42);
    assert.equal((await stack.store.awaitingDispatch([id])).size, 0, "the dispatcher took it out of the outbox");
  });

  it("POST /task/{id}/retry runs a failed task again as a new attempt; other statuses are 409", async () => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.flaky", args: { failTimes: 1 }, max_retries: 0 } });
    const failed = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(failed.status, "FAILURE");
    const retried = await httpJson(`${stack.baseUrl}/task/${res.body.id}/retry`, { method: "POST", body: {} });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.status, "PENDING");
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 2, "the second attempt succeeded");
    assert.equal(done.errors.length, 1, "the first attempt's error is kept");
    const again = await httpJson(`${stack.baseUrl}/task/${res.body.id}/retry`, { method: "POST", body: {} });
    assert.equal(again.status, 409);
    assert.equal((await httpJson(`${stack.baseUrl}/task/${randomUUID()}/retry`, { method: "POST", body: {} })).status, 404);
  });

  it("a revoked task can be retried", async () => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 2, y: 3 }, delay_ms: 60_000 } });
    assert.equal((await httpJson(`${stack.baseUrl}/task/${res.body.id}/cancel`, { method: "POST", body: {} })).body.status, "REVOKED");
    const retried = await httpJson(`${stack.baseUrl}/task/${res.body.id}/retry`, { method: "POST", body: {} });
    assert.equal(retried.status, 200, retried.text);
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.result, 5, "the retry runs at once (the delay is not kept)");
  });
});
