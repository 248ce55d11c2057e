import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { captureLog } from "../support/capture-log.js";

// Result retention end to end: the server's sweeper deletes a task (and its
// log lines) once it has been finished for longer than the retention, and
// never an unfinished one. A tiny retention (1 s, swept every 200 ms) so
// the test sees it happen; production keeps tasks for days.
const RETENTION_MS = 1000;

for (const backend of BACKENDS) describe(`result retention [${backend}]`, () => {
  let stack: Stack;
  const captured = captureLog();
  before(async () => {
    stack = await startStack({ backend, retention: { retentionMs: RETENTION_MS, intervalMs: 200, log: captured.log } });
  });
  after(() => stack.stop());

  const submit = async (body: object): Promise<string> => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  };

  it("deletes a finished task with its logs once the retention is over, and keeps unfinished ones", async () => {
    const running = await submit({ type: "demo.main.sleep", args: { ms: 60_000 } });
    const delayed = await submit({ type: "test.main.add", args: { x: 1, y: 2 }, delay_ms: 60_000 });
    const done = await submit({ type: "demo.main.pi", args: { samples: 1000, chunks: 3 } });
    const finished = await waitForFinal(stack.baseUrl, done);
    assert.equal(finished.status, "SUCCESS");
    assert.equal((await stack.store.getLogs(done, 0, 1000)).lines.length, 3, "setup: the task wrote its log lines");
    const logs = await httpJson(`${stack.baseUrl}/task/${done}/logs`);
    assert.equal(logs.status, 200, logs.text);

    const goneAt = await waitUntil(
      async () => (await httpJson(`${stack.baseUrl}/task/${done}`)).status === 404 && Date.now(),
      { timeoutMs: 15_000, intervalMs: 25, label: "the finished task to be deleted" },
    );
    assert.ok(goneAt - Date.parse(finished.finished_at) >= RETENTION_MS, "deleted before its retention was over");
    assert.equal((await httpJson(`${stack.baseUrl}/task/${done}/logs`)).status, 404);
    assert.deepEqual(await stack.store.getLogs(done, 0, 1000), { lines: [], truncated: false }, "its log lines are gone too");
    const summary = captured.entries().find((e) => /^retention: deleted \d+ task\(s\) finished before /.test(String(e["msg"])));
    assert.ok(summary, captured.messages().join("\n"));
    assert.ok(Number(summary["deleted"]) >= 1 && summary["level"] === "info", JSON.stringify(summary));

    // Older than the retention, but unfinished: kept, whatever their age.
    await waitUntil(async () => (await stack.store.getTask(running))?.status === "STARTED", { label: "the sleep to start" });
    await new Promise((r) => setTimeout(r, RETENTION_MS));
    assert.equal((await httpJson(`${stack.baseUrl}/task/${running}`)).body.status, "STARTED");
    assert.equal((await httpJson(`${stack.baseUrl}/task/${delayed}`)).body.status, "PENDING");
    // Cancelled, it is final: then it goes too (and the worker is not held by it at shutdown).
    assert.equal((await httpJson(`${stack.baseUrl}/task/${running}/cancel`, { method: "POST", body: {} })).body.status, "REVOKED");
    await waitUntil(async () => (await httpJson(`${stack.baseUrl}/task/${running}`)).status === 404, {
      timeoutMs: 15_000,
      label: "the revoked task to be deleted",
    });
    assert.equal((await httpJson(`${stack.baseUrl}/task/${delayed}`)).body.status, "PENDING");
  });

  it("a repeated idempotency key makes a new task once the first one is deleted", async () => {
    const body = { type: "test.main.add", args: { x: 2, y: 3 }, idempotency_key: `retention-${backend}` };
    const first = await submit(body);
    assert.equal((await waitForFinal(stack.baseUrl, first)).result, 5);
    assert.equal(await submit(body), first, "while the first task is stored, the key answers with it");
    await waitUntil(async () => (await httpJson(`${stack.baseUrl}/task/${first}`)).status === 404, {
      timeoutMs: 15_000,
      label: "the first task to be deleted",
    });
    const second = await submit(body);
    assert.notEqual(second, first);
    assert.equal((await waitForFinal(stack.baseUrl, second)).result, 5);
  });
});
