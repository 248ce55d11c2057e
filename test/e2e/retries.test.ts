import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`retries [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  const submit = (body: object) => httpJson(`${stack.baseUrl}/task`, { body });

  it("retries a failing task with backoff until it succeeds, keeping every attempt's error", async () => {
    const res = await submit({ type: "demo.main.flaky", args: { failTimes: 2 } });
    assert.equal(res.status, 200, res.text);
    // Between attempts the task is visibly RETRY with the last error.
    const seen = new Set<string>();
    let done: any;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { body } = await httpJson(`${stack.baseUrl}/task/${res.body.id}`);
      seen.add(body.status);
      if (body.status === "RETRY") assert.match(body.error.message, /fails on purpose/);
      if (body.status === "SUCCESS") {
        done = body;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(done, "reached SUCCESS");
    assert.ok(seen.has("RETRY"), `statuses seen: ${[...seen].join(", ")}`);
    assert.equal(done.result, 3);
    assert.equal(done.attempts, 3);
    assert.deepEqual(
      done.errors.map((e: { attempt: number; type: string }) => [e.attempt, e.type]),
      [
        [1, "Error"],
        [2, "Error"],
      ],
    );
    // Backoff: the retries were not immediate (200 ms then 400 ms, with jitter: at least 100 + 200).
    assert.ok(Date.parse(done.finished_at) - Date.parse(done.created_at) >= 300);
  });

  it("fails for good when every allowed attempt failed; a submission may lower the retries", async () => {
    const res = await submit({ type: "demo.main.flaky", args: { failTimes: 50 }, max_retries: 1 });
    assert.equal(res.status, 200, res.text);
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.attempts, 2);
    assert.equal(done.errors.length, 2);
    assert.match(done.error.message, /attempt 2 fails/);
  });

  it("a NonRetryableError fails at once, whatever the retry policy", async () => {
    const res = await submit({ type: "demo.main.refuse", args: { reason: "bad input" } });
    const done = await waitForFinal(stack.baseUrl, res.body.id);
    assert.equal(done.status, "FAILURE");
    assert.equal(done.attempts, 1);
    assert.deepEqual(done.error, { type: "NonRetryableError", message: "bad input", attempt: 0 });
    assert.equal(done.errors.length, 1);
  });

  it("refuses a retry override out of range, over REST and gRPC", async () => {
    const res = await submit({ type: "demo.main.flaky", args: { failTimes: 0 }, max_retries: 99 });
    assert.equal(res.status, 400);
    assert.match(res.body.errors.max_retries, /from 0 to 25/);
    const client = createClient(TaskService, createGrpcTransport({ baseUrl: stack.baseUrl }));
    await assert.rejects(client.submitTask({ type: "demo.main.flaky", args: { failTimes: 0 }, maxRetries: -1 }));
    const ok = await client.submitTask({ type: "demo.main.flaky", args: { failTimes: 1 }, maxRetries: 3 });
    const done = await waitForFinal(stack.baseUrl, ok.task!.id);
    assert.equal(done.result, 2);
  });
});
