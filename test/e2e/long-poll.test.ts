import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { LogLevel, TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`long polling and task logs [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  before(async () => {
    stack = await startStack({ backend });
    url = stack.baseUrl;
  });
  after(() => stack.stop());

  it("GET /task/{id}?wait=20s answers as soon as the task is final", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "demo.main.pi", args: { samples: 1000, chunks: 3, pauseMs: 200 } } });
    const started = Date.now();
    const res = await httpJson(`${url}/task/${submit.body.id}?wait=20s`);
    const waited = Date.now() - started;
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, "SUCCESS", "the answer waited for the end");
    assert.equal(res.body.result.samples, 1000);
    assert.ok(waited < 15_000, `it did not sit out the whole wait (${waited} ms)`);
    // Already final: the same answer, at once.
    assert.deepEqual((await httpJson(`${url}/task/${submit.body.id}?wait=20s`)).body, res.body);
  });

  it("after a short wait it answers with the unfinished state", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "demo.main.sleep", args: { ms: 5000 } } });
    const res = await httpJson(`${url}/task/${submit.body.id}?wait=300ms`);
    assert.equal(res.status, 200, res.text);
    assert.ok(["PENDING", "STARTED"].includes(res.body.status), res.body.status);
    assert.equal(res.body.id, submit.body.id);
    await httpJson(`${url}/task/${submit.body.id}/cancel`, { method: "POST", body: {} });
  });

  it("a bad wait is 400 naming the field; an unknown id is still 404", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    for (const wait of ["abc", "61s", "10"]) {
      const res = await httpJson(`${url}/task/${submit.body.id}?wait=${wait}`);
      assert.equal(res.status, 400, wait);
      assert.equal(res.body.code, "invalid_argument");
      assert.match(res.body.message, /wait ".*" (is not a duration|is too long)/);
      assert.ok(res.body.errors.wait);
    }
    const unknown = await httpJson(`${url}/task/5861c3a8-fa0f-4b84-9e54-04b545408114?wait=1s`);
    assert.equal(unknown.status, 404);
  });

  it("GetTask with wait over Connect", async () => {
    const client = createClient(TaskService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const { task } = await client.submitTask({ type: "test.main.add", args: { x: 20, y: 22 } });
    const got = (await client.getTask({ id: task!.id, wait: "20s" }, { timeoutMs: 25_000 })).task!;
    assert.equal(got.status, TaskStatus.SUCCESS);
    assert.equal(got.result?.kind.value, 42);
    await assert.rejects(client.getTask({ id: task!.id, wait: "1h" }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument);
  });

  it("GET /task/{id}/logs after a pi run: every line in order, pages by after_seq, truncated false", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "demo.main.pi", args: { samples: 5000, chunks: 6 } } });
    await waitForFinal(url, submit.body.id);
    const res = await httpJson(`${url}/task/${submit.body.id}/logs`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.truncated, false);
    const lines = res.body.lines as { seq: string; level: string; message: string; time: string; attempt: number }[];
    assert.deepEqual(
      lines.map((l) => l.message.split(":")[0]),
      ["chunk 1/6", "chunk 2/6", "chunk 3/6", "chunk 4/6", "chunk 5/6", "chunk 6/6"],
    );
    assert.ok(lines.every((l, i) => l.level === "INFO" && l.attempt === 1 && !Number.isNaN(Date.parse(l.time)) && (i === 0 || BigInt(l.seq) > BigInt(lines[i - 1]!.seq))));

    const page = await httpJson(`${url}/task/${submit.body.id}/logs?after_seq=${lines[1]!.seq}&page_size=2`);
    assert.deepEqual(page.body.lines.map((l: { seq: string }) => l.seq), [lines[2]!.seq, lines[3]!.seq]);

    const client = createClient(TaskService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const rpc = await client.getTaskLogs({ id: submit.body.id });
    assert.equal(rpc.lines.length, 6);
    assert.equal(rpc.lines[0]!.level, LogLevel.INFO);
    assert.equal(String(rpc.lines[0]!.seq), lines[0]!.seq);
  });

  it("GET /task/{id}/logs refuses bad paging, hides unknown and other users' tasks", async () => {
    const alice = { authorization: `Bearer ${(await stack.tokens.issue({ name: "alice", allowedTasks: {}, roles: [] })).token}` };
    const owned = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 1 } }, headers: alice });
    const path = `${url}/task/${owned.body.id}/logs`;
    assert.equal((await httpJson(path)).status, 404, "not for anonymous callers");
    const mine = await httpJson(path, { headers: alice });
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.body, { lines: [], truncated: false });
    for (const query of ["page_size=-1", "after_seq=-1"]) {
      const res = await httpJson(`${path}?${query}`, { headers: alice });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.code, "invalid_argument");
    }
    assert.equal((await httpJson(`${url}/task/5861c3a8-fa0f-4b84-9e54-04b545408114/logs`)).status, 404);
  });
});
