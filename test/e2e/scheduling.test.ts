import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`delayed runs and idempotency keys [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  it("a delayed task stays PENDING with run_at until due, then runs", async () => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 }, delay_ms: 2000 } });
    assert.equal(res.status, 200, res.text);
    const runAt = Date.parse(res.body.run_at);
    assert.ok(runAt > Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 600));
    const waiting = await httpJson(`${stack.baseUrl}/task/${res.body.id}`);
    assert.equal(waiting.body.status, "PENDING");
    assert.equal(waiting.body.attempts, 0);
    // Held in the store until due, not circling the queue as delayed naks (each would hold an ack-pending slot).
    assert.ok((await stack.store.awaitingDispatch([res.body.id])).has(res.body.id), "a task due later is not queued yet");
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.result, 3);
    assert.ok(Date.parse(done.started_at) >= runAt, "not started before run_at");
    assert.ok(Date.parse(done.started_at) < runAt + 3000, "started within a few seconds of run_at");
  });

  it("run_at works over gRPC; both run_at and delay_ms is a 400", async () => {
    const client = createClient(TaskService, createGrpcTransport({ baseUrl: stack.baseUrl }));
    const at = new Date(Date.now() + 800);
    const { task } = await client.submitTask({
      type: "test.main.add",
      args: { x: 2, y: 2 },
      runAt: { seconds: BigInt(Math.floor(at.getTime() / 1000)), nanos: (at.getTime() % 1000) * 1e6 },
    });
    const done = await waitForFinal(stack.baseUrl, task!.id);
    assert.ok(Date.parse(done.started_at) >= at.getTime());
    const both = await httpJson(`${stack.baseUrl}/task`, {
      body: { type: "test.main.add", args: { x: 1, y: 2 }, delay_ms: 10, run_at: new Date(Date.now() + 1000).toISOString() },
    });
    assert.equal(both.status, 400);
    assert.match(both.body.errors.run_at, /not both/);
  });

  it("repeating a submit with the same idempotency key returns the same task, once per submitter", async () => {
    const body = { type: "test.main.add", args: { x: 5, y: 5 }, idempotency_key: "order-42" };
    const first = await httpJson(`${stack.baseUrl}/task`, { body });
    const again = await Promise.all([1, 2, 3].map(() => httpJson(`${stack.baseUrl}/task`, { body })));
    for (const r of again) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.id, first.body.id);
      assert.equal(r.body.idempotency_key, "order-42");
    }
    await waitForFinal(stack.baseUrl, first.body.id);
    const later = await httpJson(`${stack.baseUrl}/task`, { body });
    assert.equal(later.body.id, first.body.id);
    assert.equal(later.body.status, "SUCCESS", "the repeat answers with the task as it is now");
    // Another submitter's same key is another task.
    const { token } = await stack.tokens.issue({ name: "zoe", allowedTasks: {}, roles: [] });
    const zoe = await httpJson(`${stack.baseUrl}/task`, { body, headers: { authorization: `Bearer ${token}` } });
    assert.notEqual(zoe.body.id, first.body.id);
    const all = await stack.store.listTasks({ limit: 1000, type: "test.main.add" });
    assert.equal(all.tasks.filter((t) => t.idempotencyKey === "order-42").length, 2);
  });
});
