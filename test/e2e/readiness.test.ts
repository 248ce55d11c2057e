import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../harness/wait-until.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// Killing Postgres or NATS processes: real backend only.
describe("readiness follows the real backends [real]", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend: "real" });
  });
  after(() => stack.stop());

  it("is 503 naming the queue while NATS is down, and ready again after it returns", async () => {
    await stack.nats!.kill();
    const down = await waitUntil(async () => {
      const res = await httpJson(`${stack.baseUrl}/ready`);
      return res.status === 503 ? res : undefined;
    }, { timeoutMs: 10_000, label: "/ready 503" });
    assert.equal(down.body.code, "unavailable");
    assert.match(down.body.message, /queue/);
    assert.doesNotMatch(down.body.message, /store down/);
    assert.deepEqual((await httpJson(`${stack.baseUrl}/ping`)).body, { status: "online" }, "liveness is not readiness");
    // A submit now is accepted all the same (the row is the outbox) and delivered once NATS is back.
    const submit = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.subtract", args: { x: 9, y: 4 } } });
    assert.equal(submit.status, 200, submit.text);
    assert.equal(submit.body.status, "PENDING");
    assert.ok((await stack.store.awaitingDispatch([submit.body.id])).has(submit.body.id), "left to the outbox dispatcher");
    await stack.nats!.restart();
    await waitUntil(async () => (await httpJson(`${stack.baseUrl}/ready`)).status === 200, { timeoutMs: 20_000, label: "/ready 200" });
    const done = await waitForFinal(stack.baseUrl, submit.body.id, 30_000);
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 5);
  });

  it("is 503 naming the store while Postgres is down; a submit then is 503 unavailable", async () => {
    await stack.postgres!.kill();
    const down = await waitUntil(async () => {
      const res = await httpJson(`${stack.baseUrl}/ready`);
      return res.status === 503 ? res : undefined;
    }, { timeoutMs: 10_000, label: "/ready 503" });
    assert.match(down.body.message, /store/);
    const submit = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    assert.equal(submit.status, 503, submit.text);
    assert.equal(submit.body.code, "unavailable");
    assert.doesNotMatch(submit.text, /select|insert|stack|at .*\.ts/i, "no SQL or stack traces in the body");
    await stack.postgres!.restart();
    await waitUntil(async () => (await httpJson(`${stack.baseUrl}/ready`)).status === 200, { timeoutMs: 30_000, label: "/ready 200" });
    const ok = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    assert.equal(ok.status, 200, ok.text);
  });
});
