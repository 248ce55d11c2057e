import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../harness/wait-until.js";
import { allowedTokenHeaders } from "../support/allowed-token.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`cancellation [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  // `headers`: a token, for protected types; the task is then its user's, so reads and cancels send it too.
  const submit = (type: string, args: object, headers?: Record<string, string>) =>
    httpJson(`${stack.baseUrl}/task`, { body: { type, args }, headers });
  const cancel = (id: string, headers?: Record<string, string>) =>
    httpJson(`${stack.baseUrl}/task/${id}/cancel`, { method: "POST", body: {}, headers });
  const started = (id: string, headers?: Record<string, string>) =>
    waitUntil(async () => (await httpJson(`${stack.baseUrl}/task/${id}`, { headers })).body.status === "STARTED", {
      label: `${id} STARTED`,
    });

  it("a running task gets its signal aborted (across processes) and ends REVOKED at once", async () => {
    const res = await submit("demo.main.sleep", { ms: 30_000 });
    await started(res.body.id);
    const t0 = Date.now();
    const worker = stack.workers[0]!.worker;
    assert.equal(worker.running, 1);
    const c = await cancel(res.body.id);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.status, "REVOKED");
    // The worker (its own NATS connection on the real backend) aborted the 30 s sleep at once.
    await waitUntil(async () => worker.running === 0, { timeoutMs: 3000, label: "the worker to let go of the task" });
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "REVOKED");
    // The worker let go of it quickly: a new task runs right away on a free slot, and the sleep never finished.
    const next = await submit("test.main.add", { x: 1, y: 1 });
    assert.equal((await waitForFinal(stack.baseUrl, next.body.id)).result, 2);
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(done.result, undefined);
  });

  it("a task that ignores its signal stays REVOKED: its late result is discarded", async () => {
    const headers = await allowedTokenHeaders(stack.tokens, "demo.main.ignoreCancel");
    const res = await submit("demo.main.ignoreCancel", { ms: 800 }, headers);
    assert.equal(res.status, 200, res.text);
    await started(res.body.id, headers);
    assert.equal((await cancel(res.body.id, headers)).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await httpJson(`${stack.baseUrl}/task/${res.body.id}`, { headers });
    assert.equal(after.body.status, "REVOKED");
    assert.equal(after.body.result, undefined);
  });

  it("a delayed (queued) task is revoked and never runs; a finished one is 409", async () => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 }, delay_ms: 800 } });
    assert.equal((await cancel(res.body.id)).body.status, "REVOKED");
    await new Promise((r) => setTimeout(r, 1500));
    const after = await httpJson(`${stack.baseUrl}/task/${res.body.id}`);
    assert.equal(after.body.status, "REVOKED");
    assert.equal(after.body.attempts, 0, "never started");
    const again = await cancel(res.body.id);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "failed_precondition");
  });
});
