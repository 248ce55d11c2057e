import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import type { Interceptor } from "@connectrpc/connect";
import {
  argumentErrors,
  Code,
  ConnectError,
  createTasksClient,
  createTasksClientWith,
  isInvalidArgument,
  isPermissionDenied,
  isUnauthenticated,
  type Protocol,
  type TasksClient,
} from "../../client/index.js";
import type { SubmitTasksRequest } from "../../gen/tstasks/v1/task_service_pb.js";
import { waitUntil } from "../harness/wait-until.js";
import { allowedTokenHeaders } from "../support/allowed-token.js";
import { BACKENDS } from "../support/backends.js";
import { runTstasks } from "../support/cli-process.js";
import { httpJson, waitForFinal, type JsonAnswer } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// SubmitTasks (`POST /task:batch`, the client's submitMany, `tstasks
// submit-many`) against the real server and workers: per-task results in
// order with the errors a single submit gives, idempotency, the limits of a
// call, and the accepted tasks really running.

const PROTECTED = "test.main.myProtectedTask";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A unique prefix for the idempotency keys of one test, so tests never share keys. */
let keySerial = 0;
const keyPrefix = () => `batch-test-${process.pid}-${++keySerial}-`;

/** Waits for each task to be final and returns its result, asserting SUCCESS. */
async function resultsOf(client: TasksClient, ids: readonly string[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const id of ids) {
    const task = await client.get(id, { waitMs: 30_000 });
    assert.equal(task.status, "SUCCESS", `task ${id}: ${JSON.stringify(task.error)}`);
    results.push(task.result);
  }
  return results;
}

for (const backend of BACKENDS) describe(`batch submit [${backend}]`, () => {
  let stack: Stack;
  let client: TasksClient;

  before(async () => {
    stack = await startStack({ backend });
    client = createTasksClient({ baseUrl: stack.baseUrl });
  });
  after(() => stack.stop());

  const batch = (tasks: unknown, headers?: Record<string, string>) => httpJson(`${stack.baseUrl}/task:batch`, { body: { tasks }, headers });

  /** How many tasks the store holds (every owner's). */
  async function storedCount(): Promise<number> {
    let count = 0;
    let after: { createdAt: Date; id: string } | undefined;
    do {
      const page = await stack.store.listTasks({ limit: 1000, after });
      count += page.tasks.length;
      after = page.next;
    } while (after);
    return count;
  }

  /** The REST error body a single POST /task of `body` answers with (asserting it is refused). */
  async function singleRefusal(body: unknown, headers?: Record<string, string>): Promise<{ code: string; message: string; errors: Record<string, string> }> {
    const res = await httpJson(`${stack.baseUrl}/task`, { body, headers });
    assert.ok(res.status >= 400, `a single submit of ${JSON.stringify(body)} was accepted: ${res.text}`);
    return { code: res.body.code, message: res.body.message, errors: res.body.errors ?? {} };
  }

  function assertOk(res: JsonAnswer, count: number): any[] {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.results.length, count, res.text);
    return res.body.results;
  }

  it("REST: mixed good and bad tasks get per-task results in order, each error as a single submit words it; the good ones run", async () => {
    const tasks = [
      { type: "test.main.add", args: { x: 1, y: 2 } },
      { type: "test.main.nope", args: {} },
      { type: "test.main.add", args: { x: 1.5 } },
      { type: PROTECTED, args: { x: 1, y: 2 } },
      { type: "test.main.add", args: { x: 1, y: 1 }, idempotency_key: "k".repeat(201) },
      { type: "test.main.add", args: { x: 1, y: 1 }, max_retries: 26 },
      { type: "test.main.add", args: { x: 1, y: 1 }, delay_ms: 1000, run_at: new Date(Date.now() + 60_000).toISOString() },
      { type: "test.main.subtract", args: { x: 9, y: 4 } },
    ];
    const before = await storedCount();
    const results = assertOk(await batch(tasks), tasks.length);

    assert.deepEqual(
      results.map((r) => Object.keys(r)),
      [["task"], ["error"], ["error"], ["error"], ["error"], ["error"], ["error"], ["task"]],
    );
    assert.deepEqual(
      results.map((r) => r.error?.code ?? "ok"),
      ["ok", "invalid_argument", "invalid_argument", "unauthenticated", "invalid_argument", "invalid_argument", "invalid_argument", "ok"],
    );
    for (const i of [1, 2, 3, 4, 5, 6]) {
      assert.deepEqual(results[i].error, await singleRefusal(tasks[i]), `task ${i}: the same error as POST /task`);
    }
    // What the refusals say, beyond being equal to the single submit's.
    assert.deepEqual(results[1].error.errors, { type: "unknown task type" });
    assert.deepEqual(Object.keys(results[2].error.errors).sort(), ["x", "y"]);
    assert.match(results[3].error.message, /protected/);
    assert.deepEqual(Object.keys(results[4].error.errors), ["idempotency_key"]);
    assert.deepEqual(Object.keys(results[5].error.errors), ["max_retries"]);
    assert.deepEqual(Object.keys(results[6].error.errors), ["run_at"]);

    const [sum, difference] = [results[0].task, results[7].task];
    for (const task of [sum, difference]) {
      assert.match(task.id, UUID);
      assert.equal(task.status, "PENDING", "status without the TASK_STATUS_ prefix, as GET /task/{id}");
      assert.equal(typeof task.created_at, "string", "proto field names");
    }
    assert.notEqual(sum.id, difference.id);
    assert.deepEqual(sum.args, { x: 1, y: 2 });
    assert.equal(sum.type, "test.main.add");
    assert.equal((await storedCount()) - before, 2, "nothing stored for the refused tasks");

    const [sumDone, differenceDone] = await Promise.all([waitForFinal(stack.baseUrl, sum.id), waitForFinal(stack.baseUrl, difference.id)]);
    assert.equal(sumDone.status, "SUCCESS");
    assert.equal(sumDone.result, 3);
    assert.equal(differenceDone.status, "SUCCESS");
    assert.equal(differenceDone.result, 5);
  });

  it("REST with tokens: a protected type runs for a token that allows it, is permission_denied for one that does not; a bad token fails the call", async () => {
    const allowed = await allowedTokenHeaders(stack.tokens, PROTECTED);
    const { token: bobToken } = await stack.tokens.issue({ name: "bob", allowedTasks: {}, roles: [] });
    const bob = { authorization: `Bearer ${bobToken}` };
    const tasks = [
      { type: PROTECTED, args: { x: 2, y: 3 } },
      { type: "test.main.add", args: { x: 2, y: 3 } },
    ];
    const [mine, bobs] = await Promise.all([batch(tasks, allowed), batch(tasks, bob)]);
    const [allowedResults, bobResults] = [assertOk(mine, 2), assertOk(bobs, 2)];
    assert.equal(allowedResults[0].task.owner, "demo-tester");
    assert.equal(allowedResults[1].task.owner, "demo-tester");
    assert.equal(bobResults[0].error.code, "permission_denied");
    assert.deepEqual(bobResults[0].error, await singleRefusal(tasks[0], bob));
    assert.equal(bobResults[1].task.owner, "bob", "the other task of the call is accepted, as bob's");
    const done = await waitForFinal(stack.baseUrl, allowedResults[0].task.id, 20_000, allowed);
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 5);

    const bad = await batch(tasks, { authorization: "Bearer not.a.jwt" });
    assert.equal(bad.status, 401, bad.text);
    assert.equal(bad.body.code, "unauthenticated");
    assert.equal(bad.body.results, undefined, "a whole-call failure, not per-task results");
  });

  it("REST: a repeated idempotency key answers with the task stored first, within a call and across calls and single submits", async () => {
    const p = keyPrefix();
    const before = await storedCount();
    const first = assertOk(
      await batch([
        { type: "test.main.add", args: { x: 1, y: 1 }, idempotency_key: `${p}a` },
        { type: "test.main.add", args: { x: 2, y: 2 }, idempotency_key: `${p}a` },
        { type: "test.main.add", args: { x: 3, y: 3 } },
        // A refused task does not take its key: the next task with it is the first one stored.
        { type: "test.main.add", args: { x: 0.5 }, idempotencyKey: `${p}c` },
        { type: "test.main.add", args: { x: 4, y: 4 }, idempotencyKey: `${p}c` },
        { type: "test.main.add", args: { x: 5, y: 5 }, idempotency_key: `${p}a` },
      ]),
      6,
    );
    const idA = first[0].task.id;
    assert.match(idA, UUID);
    assert.equal(first[1].task.id, idA, "second task with key a: the first one's task");
    assert.equal(first[5].task.id, idA, "third task with key a too");
    assert.deepEqual(first[1].task.args, { x: 1, y: 1 }, "...with the first one's arguments");
    assert.notEqual(first[2].task.id, idA);
    assert.equal(first[3].error.code, "invalid_argument");
    assert.deepEqual(first[4].task.args, { x: 4, y: 4 });
    assert.equal((await storedCount()) - before, 3, "one task per key, plus the one without a key");

    const second = assertOk(
      await batch([
        { type: "test.main.add", args: { x: 7, y: 7 }, idempotency_key: `${p}a` },
        { type: "test.main.add", args: { x: 8, y: 8 }, idempotency_key: `${p}b` },
      ]),
      2,
    );
    assert.equal(second[0].task.id, idA, "a key stored by an earlier call");
    assert.deepEqual(second[0].task.args, { x: 1, y: 1 });
    assert.equal(second[0].task.idempotency_key, `${p}a`);
    assert.notEqual(second[1].task.id, idA);
    const single = await httpJson(`${stack.baseUrl}/task`, { body: { type: "test.main.add", args: { x: 9, y: 9 }, idempotency_key: `${p}b` } });
    assert.equal(single.status, 200, single.text);
    assert.equal(single.body.id, second[1].task.id, "a single submit finds a key a batch stored");
    assert.equal((await storedCount()) - before, 4);

    const done = await waitForFinal(stack.baseUrl, idA);
    assert.equal(done.result, 2);
    assert.equal(done.attempts, 1, "submitted once, run once");
  });

  it("REST: no tasks, or more than 1000, fail the whole call with 400 invalid_argument; 1000 fit the default body limit", async () => {
    const before = await storedCount();
    const [empty, missing, tooMany] = await Promise.all([
      batch([]),
      httpJson(`${stack.baseUrl}/task:batch`, { body: {} }),
      batch(Array.from({ length: 1001 }, (_, i) => ({ type: "test.main.add", args: { x: i, y: 0 } }))),
    ]);
    for (const res of [empty, missing]) {
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, "invalid_argument");
      assert.match(res.body.message, /at least one task/);
      assert.deepEqual(res.body.errors, { tasks: "must hold 1 to 1000 tasks" });
    }
    assert.equal(tooMany.status, 400, tooMany.text);
    assert.equal(tooMany.body.code, "invalid_argument");
    assert.match(tooMany.body.message, /at most 1000 tasks, got 1001/);
    assert.equal((await storedCount()) - before, 0, "nothing of the 1001 was stored");

    // A task the request message cannot hold fails the call (it is not a SubmitTasksRequest); so does a wrong verb.
    const notAMessage = await batch([{ type: "test.main.add", args: { x: 1, y: 2 } }, { type: "test.main.add", args: "str" }]);
    assert.equal(notAMessage.status, 400, notAMessage.text);
    assert.equal(notAMessage.body.code, "invalid_argument");
    assert.match(notAMessage.body.message, /tasks/);
    assert.equal((await storedCount()) - before, 0, "not even the good task of it");
    const wrongVerb = await httpJson(`${stack.baseUrl}/task:batch`);
    assert.equal(wrongVerb.status, 405);

    // The largest call of small tasks with the longest keys (200 characters) fits in MAX_REQUEST_BYTES' default (1 MiB).
    const p = keyPrefix();
    const full = Array.from({ length: 1000 }, (_, i) => ({
      type: "test.main.add",
      args: { x: i, y: 1 },
      idempotency_key: `${p}${i}-`.padEnd(200, "k"),
      max_retries: 1,
      timeout_ms: 60_000,
    }));
    assert.ok(JSON.stringify({ tasks: full }).length > 200_000);
    const results = assertOk(await batch(full), 1000);
    assert.ok(results.every((r, i) => r.task?.args.x === i), "all accepted, in order");
    assert.equal((await storedCount()) - before, 1000);
  });

  for (const protocol of ["connect", "grpc"] satisfies Protocol[]) {
    it(`client submitMany over ${protocol}: refused tasks are ConnectErrors with their code and argumentErrors, as submit throws them`, async () => {
      const tasks = [
        { type: "test.main.add", args: { x: 1.5 } },
        { type: PROTECTED, args: { x: 1, y: 2 } },
        { type: "test.main.add", args: { x: 20, y: 22 } },
      ];
      const c = createTasksClient({ baseUrl: stack.baseUrl, protocol });
      const results = await c.submitMany(tasks);
      assert.equal(results.length, 3);
      const [invalid, unauthenticated, accepted] = results;
      assert.ok(invalid && !invalid.ok && unauthenticated && !unauthenticated.ok && accepted?.ok);

      const single = await c.submit("test.main.add", { x: 1.5 }).then(
        () => assert.fail("a single submit of bad arguments was accepted"),
        (e: unknown) => e,
      );
      assert.ok(invalid.error instanceof ConnectError);
      assert.ok(isInvalidArgument(invalid.error));
      assert.equal(invalid.error.rawMessage, (single as ConnectError).rawMessage);
      assert.deepEqual(argumentErrors(invalid.error), argumentErrors(single));
      assert.deepEqual(Object.keys(argumentErrors(invalid.error)).sort(), ["x", "y"]);
      assert.ok(isUnauthenticated(unauthenticated.error));
      assert.equal(isPermissionDenied(unauthenticated.error), false);
      assert.equal(accepted.task.status, "PENDING");
      assert.deepEqual(await resultsOf(c, [accepted.task.id]), [42]);
    });
  }

  it("client submitMany: 1500 tasks go as two calls (1000 + 500) and all reach SUCCESS with their results, in order", async () => {
    const sizes: number[] = [];
    const countCalls: Interceptor = (next) => async (req) => {
      if (req.method.name === "SubmitTasks") sizes.push((req.message as SubmitTasksRequest).tasks.length);
      return next(req);
    };
    const counted = createTasksClientWith(createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1", interceptors: [countCalls] }));
    const results = await counted.submitMany(Array.from({ length: 1500 }, (_, i) => ({ type: "test.main.add", args: { x: i, y: 1 } })));
    assert.deepEqual(sizes, [1000, 500]);
    assert.equal(results.length, 1500);
    const ids = results.map((r, i) => {
      assert.ok(r.ok, `task ${i}: ${r.ok ? "" : r.error.message}`);
      assert.deepEqual(r.task.args, { x: i, y: 1 }, `task ${i} in its place`);
      return r.task.id;
    });
    assert.equal(new Set(ids).size, 1500);
    const values = await resultsOf(client, ids);
    values.forEach((v, i) => assert.equal(v, i + 1, `task ${i}`));
  });

  it("CLI submit-many FILE: one id or error line per task in input order, exit 4 when one is refused; the tasks run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tstasks-batch-"));
    try {
      const p = keyPrefix();
      const file = join(dir, "tasks.jsonl");
      await writeFile(
        file,
        [
          JSON.stringify({ type: "test.main.add", args: { x: 1, y: 2 }, idempotency_key: `${p}file` }),
          "",
          JSON.stringify({ type: "test.main.add", args: { x: 1.5 } }),
          JSON.stringify({ type: "test.main.subtract", args: { x: 9, y: 4 }, maxRetries: 1 }),
        ].join("\n") + "\n",
      );
      const env = { TSTASKS_URL: stack.baseUrl };
      const run = await runTstasks(["submit-many", file], { env });
      assert.equal(run.code, 4, run.stderr);
      assert.equal(run.stderr, "");
      const lines = run.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 3, run.stdout);
      assert.match(lines[0]!, UUID);
      assert.match(lines[1]!, /^error 3: invalid_argument: Input payload validation failed \(.*x: must be integer/);
      assert.match(lines[1]!, /y: is required/);
      assert.match(lines[2]!, UUID);
      assert.deepEqual(await resultsOf(client, [lines[0]!, lines[2]!]), [3, 5]);

      // Standard input, JSON output, all accepted: exit 0; the key of the file's first line answers with its task.
      const stdin = [
        JSON.stringify({ type: "test.main.add", args: { x: 7, y: 7 }, idempotencyKey: `${p}file` }),
        JSON.stringify({ type: "test.main.add", args: { x: 10, y: 20 }, delay_ms: 10 }),
      ].join("\n");
      const [json, refusedJson] = await Promise.all([
        runTstasks(["submit-many", "-", "--output", "json"], { env, stdin }),
        runTstasks(["-o", "json", "submit-many", "-"], { env, stdin: JSON.stringify({ type: "test.main.nope" }) }),
      ]);
      assert.equal(json.code, 0, json.stderr);
      const printed = json.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(printed.length, 2);
      assert.equal(printed[0].id, lines[0], "the task stored first for the key");
      assert.deepEqual(printed[0].args, { x: 1, y: 2 });
      assert.match(printed[1].id, UUID);
      assert.ok(Date.parse(printed[1].runAt) > 0, "delay_ms reached the server");
      assert.deepEqual(await resultsOf(client, [printed[1].id]), [30]);
      assert.equal(refusedJson.code, 4, refusedJson.stderr);
      const refusal = JSON.parse(refusedJson.stdout);
      assert.deepEqual(refusal, {
        line: 1,
        error: { code: "invalid_argument", message: (await singleRefusal({ type: "test.main.nope" })).message, errors: { type: "unknown task type" } },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("CLI submit-many: a bad line is exit 2 naming it, and nothing is submitted", async () => {
    const before = await storedCount();
    const good = JSON.stringify({ type: "test.main.add", args: { x: 1, y: 2 } });
    const [badJson, badField, missing] = await Promise.all([
      runTstasks(["submit-many", "-"], { env: { TSTASKS_URL: stack.baseUrl }, stdin: `${good}\n${good}\n{"type": "test.main.add", "args": {\n${good}\n` }),
      runTstasks(["submit-many", "-"], { env: { TSTASKS_URL: stack.baseUrl }, stdin: `${good}\n{"type":"test.main.add","retries":3}\n` }),
      runTstasks(["submit-many", join(tmpdir(), `no-such-file-${process.pid}.jsonl`)], { env: { TSTASKS_URL: stack.baseUrl } }),
    ]);
    assert.equal(badJson.code, 2, badJson.stderr);
    assert.match(badJson.stderr, /^tstasks: line 3 of standard input: not valid JSON \([^\n]+\)\n$/);
    assert.equal(badJson.stdout, "");
    assert.equal(badField.code, 2, badField.stderr);
    assert.match(badField.stderr, /^tstasks: line 2 of standard input: unknown field "retries"/);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /^tstasks: cannot read .*no-such-file.*ENOENT/);
    assert.equal((await storedCount()) - before, 0, "the good lines before the bad one were not submitted either");
  });

  if (backend === "real") {
    // Last: it kills Postgres (the stack stays usable after the restart).
    it("REST and client: with Postgres down the whole call fails 503 unavailable, never as per-task successes; after it returns the call works", async () => {
      const p = keyPrefix();
      const tasks = Array.from({ length: 20 }, (_, i) => ({ type: "test.main.add", args: { x: i, y: 0 }, idempotency_key: `${p}${i}` }));
      await stack.postgres!.kill();
      try {
        const down = await batch(tasks);
        assert.equal(down.status, 503, down.text);
        assert.equal(down.body.code, "unavailable");
        assert.equal(down.body.results, undefined);
        assert.doesNotMatch(down.text, /insert|select|at .*\.ts/i, "no SQL or stack traces in the body");
        const noRetries = createTasksClientWith(createGrpcTransport({ baseUrl: stack.baseUrl }), { retries: 0 });
        await assert.rejects(
          noRetries.submitMany(tasks.map((t) => ({ type: t.type, args: t.args }))),
          (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable,
        );
      } finally {
        await stack.postgres!.restart();
      }
      const again = await waitUntil(async () => {
        const res = await batch(tasks);
        return res.status === 200 ? res : undefined;
      }, { timeoutMs: 30_000, label: "a batch accepted after the restart" });
      const ids = assertOk(again, 20).map((r) => r.task.id as string);
      const values = await resultsOf(client, ids);
      values.forEach((v, i) => assert.equal(v, i));
    });
  }
});

describe("batch submit and the submit rate limit", () => {
  const backend = BACKENDS.includes("embedded") ? "embedded" : BACKENDS[0]!;
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, submitRateLimit: 2 });
  });
  after(() => stack.stop());

  it(`a call counts as one submission, whatever its size [${backend}]`, async () => {
    const tasks = Array.from({ length: 5 }, (_, i) => ({ type: "test.main.add", args: { x: i, y: 1 } }));
    const send = () => httpJson(`${stack.baseUrl}/task:batch`, { body: { tasks } });
    const first = await send();
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.results.filter((r: { task?: unknown }) => r.task).length, 5);
    const second = await send();
    assert.equal(second.status, 200, second.text);
    const third = await send();
    assert.equal(third.status, 429, third.text);
    assert.equal(third.body.code, "resource_exhausted");
    assert.ok(Number(third.headers.get("retry-after")) >= 1);
  });
});
