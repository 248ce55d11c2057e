import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { allowedTokenHeaders } from "../support/allowed-token.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`timeouts [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  const submit = (body: object, headers?: Record<string, string>) => httpJson(`${stack.baseUrl}/task`, { body, headers });

  it("an attempt over its time limit has its signal aborted and ends FAILURE DeadlineExceeded", async () => {
    const res = await submit({ type: "demo.main.sleep", args: { ms: 30_000 }, timeout_ms: 300 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.timeout_ms, 300);
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.error.type, "DeadlineExceeded");
    assert.match(done.error.message, /300 ms limit$/);
    assert.ok(Date.parse(done.finished_at) - Date.parse(done.started_at) < 3000);
  });

  it("a task that ignores its signal is abandoned after the grace, and its late result is discarded", async () => {
    const headers = await allowedTokenHeaders(stack.tokens, "demo.main.ignoreCancel");
    const res = await submit({ type: "demo.main.ignoreCancel", args: { ms: 2500 }, timeout_ms: 200 }, headers);
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(stack.baseUrl, res.body.id, undefined, headers);
    assert.equal(done.status, "FAILURE");
    assert.match(done.error.message, /abandoned/);
    await new Promise((r) => setTimeout(r, 2500));
    const later = await httpJson(`${stack.baseUrl}/task/${res.body.id}`, { headers });
    assert.equal(later.body.status, "FAILURE", "the result that came late did not overwrite the failure");
  });

  it("a task not started by its queue deadline ends FAILURE Expired, even with no worker for its queue", async () => {
    await stack.store.registerTaskTypes([
      {
        name: "nowhere.main.task",
        queue: "nowhere",
        protected: false,
        argsSchema: { type: "object" },
        description: "",
        pack: "nowhere",
        packVersion: "0",
      },
    ]);
    const res = await submit({ type: "nowhere.main.task", args: {}, queue_timeout_ms: 500 });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.expires_at);
    const done = await waitForFinal(stack.baseUrl, res.body.id, 10_000);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.error.type, "Expired");
    assert.equal(done.attempts, 0);
  });
});
