import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ChainService, ChainStatus } from "../../gen/tstasks/v1/chain_service_pb.js";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { runTstasks } from "../support/cli-process.js";
import { createTasksClient } from "../../client/index.js";

// Chains on a whole stack, both backends: steps move on in the store (the
// tasks trigger) and are queued by the server's outbox dispatcher.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = ["SUCCESS", "FAILURE", "REVOKED"];

/** The 3-step chain of the issue: 1 + 2, then + 10, then + 100 → 113. */
const ADD_CHAIN = [
  { type: "test.main.add", args: { x: 1, y: 2 } },
  { type: "test.main.add", args: { y: 10 }, input_field: "x" },
  { type: "test.main.add", args: { y: 100 }, input_field: "x" },
];

for (const backend of BACKENDS) describe(`chains [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  const auth: Record<string, Record<string, string>> = {};

  before(async () => {
    stack = await startStack({ backend, workers: 1 });
    url = stack.baseUrl;
    for (const [name, roles] of [["admin", ["admin"]], ["alice", []], ["bob", []]] as const) {
      const { token } = await stack.tokens.issue({ name, allowedTasks: {}, roles: [...roles] });
      auth[name] = { authorization: `Bearer ${token}` };
    }
  });
  after(() => stack?.stop());

  async function submit(who: string | undefined, body: Record<string, unknown>) {
    return httpJson(`${url}/chains`, { body, headers: who ? auth[who] : {} });
  }

  /** Polls GET /chains/{id} until `done` holds for the chain (default: final); returns it. */
  async function waitChain(id: string, who: string | undefined, done: (c: any) => boolean = (c) => FINAL.includes(c.status), label = "final") {
    return waitUntil(
      async () => {
        const res = await httpJson(`${url}/chains/${id}`, { headers: who ? auth[who] : {} });
        assert.equal(res.status, 200, res.text);
        return done(res.body) ? res.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, label: `chain ${id} ${label}` },
    );
  }

  it("a 3-step chain of test.main.add ends SUCCESS with 113; each step is a task of its own, the previous result in its input field", async () => {
    const res = await submit("alice", { steps: ADD_CHAIN });
    assert.equal(res.status, 200, res.text);
    const c = res.body;
    assert.equal(c.owner, "alice");
    assert.ok(["RUNNING", "SUCCESS"].includes(c.status));
    assert.equal(c.steps.length, 3);
    assert.deepEqual(c.steps.map((s: any) => [s.index, s.type, s.input_field]), [
      [0, "test.main.add", ""],
      [1, "test.main.add", "x"],
      [2, "test.main.add", "x"],
    ]);
    assert.ok(c.steps[0].task_id);

    const done = await waitChain(c.id, "alice");
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 113);
    assert.equal(done.current_step, 2);
    assert.ok(done.finished_at);
    assert.equal(done.error, undefined);
    assert.deepEqual(done.steps.map((s: any) => s.status), ["SUCCESS", "SUCCESS", "SUCCESS"]);
    assert.deepEqual(done.steps.map((s: any) => s.result), [3, 13, 113]);
    const ids = done.steps.map((s: any) => s.task_id);
    assert.equal(new Set(ids).size, 3);
    const expectedArgs = [{ x: 1, y: 2 }, { x: 3, y: 10 }, { x: 13, y: 100 }];
    for (const [i, id] of ids.entries()) {
      const t = await httpJson(`${url}/task/${id}`, { headers: auth["alice"] });
      assert.equal(t.status, 200, t.text);
      assert.equal(t.body.status, "SUCCESS");
      assert.equal(t.body.owner, "alice");
      assert.equal(t.body.chain_id, c.id);
      assert.equal(t.body.chain_step, i);
      assert.equal(t.body.attempts, 1);
      assert.deepEqual(t.body.args, expectedArgs[i]);
    }
    // A task outside chains and groups carries none of their fields.
    const plain = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 1 } } });
    for (const field of ["chain_id", "chain_step", "group_id", "group_index", "gather_of"]) assert.equal(field in plain.body, false, field);
  });

  it("a failed step fails the chain with that step's error; later steps are never created", async () => {
    // hypot(1, 2) = 2.236…, which test.main.add refuses as x (an integer): step 1 fails at run time.
    const res = await submit("alice", {
      steps: [
        { type: "test.main.hypot", args: { x: 1, y: 2 } },
        { type: "test.main.add", args: { y: 1 }, input_field: "x" },
        { type: "test.main.add", args: { y: 1 }, input_field: "x" },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const done = await waitChain(res.body.id, "alice");
    assert.equal(done.status, "FAILURE");
    assert.equal(done.current_step, 1);
    assert.equal(done.error.type, "InvalidArguments");
    assert.match(done.error.message, /x/);
    assert.deepEqual(done.steps.map((s: any) => s.status), ["SUCCESS", "FAILURE", "UNSPECIFIED"]);
    assert.deepEqual(done.steps[1].error, done.error);
    assert.equal(done.steps[2].task_id, "");
    await sleep(1000);
    const later = await stack.store.getChain(res.body.id);
    assert.equal(later?.status, "FAILURE");
    assert.equal(later?.steps[2]?.taskId, null, "the step after the failed one never exists");
    const tasks = await stack.store.listTasks({ owner: "alice", limit: 1000 });
    assert.equal(tasks.tasks.filter((t) => t.chainId === res.body.id).length, 2);
  });

  it("retry after a failure requeues the failed step and the chain finishes; retry or cancel of a final chain is 409", async () => {
    const res = await submit("alice", {
      steps: [
        { type: "test.main.add", args: { x: 1, y: 2 } },
        { type: "test.chains.failFirst", args: {}, input_field: "x" },
        { type: "test.main.add", args: { y: 100 }, input_field: "x" },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const failed = await waitChain(res.body.id, "alice");
    assert.equal(failed.status, "FAILURE");
    assert.equal(failed.current_step, 1);
    assert.equal(failed.error.message, "attempt 1 fails on purpose");
    const failedTask = failed.steps[1].task_id;

    const retried = await httpJson(`${url}/chains/${res.body.id}/retry`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(retried.status, 200, retried.text);
    assert.ok(["RUNNING", "SUCCESS"].includes(retried.body.status));
    assert.equal(retried.body.error, undefined);
    const done = await waitChain(res.body.id, "alice");
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 103);
    assert.equal(done.steps[1].task_id, failedTask, "the same task ran again");
    const t = await httpJson(`${url}/task/${failedTask}`, { headers: auth["alice"] });
    assert.equal(t.body.attempts, 2);

    const again = await httpJson(`${url}/chains/${res.body.id}/retry`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(again.status, 409, again.text);
    const cancel = await httpJson(`${url}/chains/${res.body.id}/cancel`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(cancel.status, 409, cancel.text);
  });

  it("cancel revokes the running step: the chain is REVOKED and the next steps never run; retry runs it again", async () => {
    const res = await submit("alice", {
      steps: [
        { type: "test.main.add", args: { x: 1, y: 2 } },
        { type: "test.chains.hold", args: { ms: 60_000 }, input_field: "x" },
        { type: "test.main.add", args: { y: 100 }, input_field: "x" },
      ],
    });
    assert.equal(res.status, 200, res.text);
    const running = await waitChain(res.body.id, "alice", (c) => c.steps[1].status === "STARTED", "step 1 STARTED");
    const cancelled = await httpJson(`${url}/chains/${res.body.id}/cancel`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.status, "REVOKED");
    assert.equal(cancelled.body.current_step, 1);
    assert.equal(cancelled.body.error.type, "Revoked");
    assert.equal(cancelled.body.steps[1].status, "REVOKED");
    assert.ok(cancelled.body.finished_at);
    const t = await httpJson(`${url}/task/${running.steps[1].task_id}`, { headers: auth["alice"] });
    assert.equal(t.body.status, "REVOKED");
    await sleep(1000);
    const later = (await httpJson(`${url}/chains/${res.body.id}`, { headers: auth["alice"] })).body;
    assert.equal(later.status, "REVOKED");
    assert.equal(later.steps[2].task_id, "");
    const again = await httpJson(`${url}/chains/${res.body.id}/cancel`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(again.status, 409, again.text);
  });

  it("validation errors name the step", async () => {
    const cases: [unknown[], number, string][] = [
      [[ADD_CHAIN[0]], 400, "steps"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: { y: 1 } }], 400, "steps[1].input_field"],
      [[{ ...ADD_CHAIN[0], input_field: "x" }, ADD_CHAIN[1]], 400, "steps[0].input_field"],
      [[{ type: "test.main.add", args: { x: 1 } }, ADD_CHAIN[1]], 400, "steps[0].args.y"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: { y: "a" }, input_field: "x" }], 400, "steps[1].args.y"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: {}, input_field: "x" }], 400, "steps[1].args.y"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: { y: 1, z: 2 }, input_field: "x" }], 400, "steps[1].args.z"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: { y: 1 }, input_field: "z" }], 400, "steps[1].input_field"],
      [[ADD_CHAIN[0], { type: "test.main.add", args: { x: 1, y: 1 }, input_field: "x" }], 400, "steps[1].args.x"],
      [[...ADD_CHAIN.slice(0, 2), { type: "test.main.nope", args: {}, input_field: "x" }], 400, "steps[2].type"],
      [[ADD_CHAIN[0], { ...ADD_CHAIN[1], max_retries: 99 }], 400, "steps[1].max_retries"],
    ];
    for (const [steps, status, field] of cases) {
      const res = await submit("alice", { steps });
      assert.equal(res.status, status, `${field}: ${res.text}`);
      assert.equal(res.body.code, "invalid_argument");
      assert.ok(res.body.errors?.[field], `${field} named in ${res.text}`);
    }
    const tooMany = await submit("alice", { steps: Array.from({ length: 101 }, (_, i) => (i === 0 ? ADD_CHAIN[0] : ADD_CHAIN[1])) });
    assert.equal(tooMany.status, 400, tooMany.text);
    // A protected type: 403 for a token that does not allow it (naming the step), 401 without a token, as SubmitTask.
    const protectedStep = { type: "test.main.myProtectedTask", args: { y: 1 }, input_field: "x" };
    const denied = await submit("alice", { steps: [ADD_CHAIN[0], protectedStep] });
    assert.equal(denied.status, 403, denied.text);
    assert.match(denied.body.message, /^steps\[1\]: /);
    const anonymous = await submit(undefined, { steps: [ADD_CHAIN[0], protectedStep] });
    assert.equal(anonymous.status, 401, anonymous.text);
    const { token } = await stack.tokens.issue({ name: "carol", allowedTasks: { "test.main.myProtectedTask": true }, roles: [] });
    const allowed = await httpJson(`${url}/chains`, { body: { steps: [ADD_CHAIN[0], protectedStep] }, headers: { authorization: `Bearer ${token}` } });
    assert.equal(allowed.status, 200, allowed.text);
    const done = await waitUntil(async () => {
      const c = (await httpJson(`${url}/chains/${allowed.body.id}`, { headers: { authorization: `Bearer ${token}` } })).body;
      return FINAL.includes(c.status) && c;
    }, { timeoutMs: 30_000, label: "the protected chain final" });
    assert.equal(done.status, "SUCCESS");
    assert.equal(done.result, 4);
  });

  it("ownership as for tasks: someone else's chain is 404, an admin sees it; anonymous chains are anyone's; idempotency keys per owner", async () => {
    const res = await submit("alice", { steps: ADD_CHAIN, idempotency_key: "nightly-1" });
    assert.equal(res.status, 200, res.text);
    const id = res.body.id;
    for (const path of [`/chains/${id}`]) {
      assert.equal((await httpJson(`${url}${path}`, { headers: auth["bob"] })).status, 404);
      assert.equal((await httpJson(`${url}${path}`)).status, 404);
      assert.equal((await httpJson(`${url}${path}`, { headers: auth["admin"] })).status, 200);
    }
    for (const action of ["cancel", "retry"]) {
      assert.equal((await httpJson(`${url}/chains/${id}/${action}`, { method: "POST", body: {}, headers: auth["bob"] })).status, 404);
    }
    assert.equal((await httpJson(`${url}/chains/00000000-0000-4000-8000-000000000000`, { headers: auth["alice"] })).status, 404);
    assert.equal((await httpJson(`${url}/chains/not-a-uuid`, { headers: auth["alice"] })).status, 404);

    const repeat = await submit("alice", { steps: ADD_CHAIN, idempotency_key: "nightly-1" });
    assert.equal(repeat.status, 200, repeat.text);
    assert.equal(repeat.body.id, id);
    const bobs = await submit("bob", { steps: ADD_CHAIN, idempotency_key: "nightly-1" });
    assert.notEqual(bobs.body.id, id);

    const anon = await submit(undefined, { steps: ADD_CHAIN });
    assert.equal(anon.status, 200, anon.text);
    assert.equal(anon.body.owner, "");
    assert.equal((await httpJson(`${url}/chains/${anon.body.id}`, { headers: auth["bob"] })).status, 200);
    assert.equal((await waitChain(anon.body.id, undefined)).result, 113);
  });

  it("WatchChain streams the chain over Connect until it is final; GetChain answers over gRPC; GET /chains/{id}/events serves it as SSE", async () => {
    const client = createClient(ChainService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const headers = auth["alice"]!;
    // The first step holds 800 ms, so the watch sees the chain running before it ends (with the workers' kick
    // the three adds alone can all be done before the watch's first read).
    const watched: { type: string; args: object; input_field?: string }[] = [{ type: "test.chains.hold", args: { x: 3, ms: 800 } }, ...ADD_CHAIN.slice(1)];
    const submitted = await client.submitChain(
      { steps: watched.map((s) => ({ type: s.type, args: s.args as Record<string, number>, inputField: s.input_field ?? "" })) },
      { headers },
    );
    const seen: { status: ChainStatus; done: number }[] = [];
    for await (const msg of client.watchChain({ id: submitted.chain!.id }, { headers })) {
      const c = msg.chain!;
      seen.push({ status: c.status, done: c.steps.filter((s) => s.status === TaskStatus.SUCCESS).length });
    }
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.equal(seen[0]!.status, ChainStatus.RUNNING, JSON.stringify(seen));
    assert.equal(seen.at(-1)!.status, ChainStatus.SUCCESS);
    assert.equal(seen.at(-1)!.done, 3);
    // Each message is a change: steps done never go back, and no two messages are the same.
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done);
    assert.equal(seen.filter((s) => s.status === ChainStatus.SUCCESS).length, 1);
    await assert.rejects(
      async () => {
        for await (const _ of client.watchChain({ id: submitted.chain!.id }, { headers: auth["bob"] })) void _;
      },
      (e) => e instanceof ConnectError && e.code === Code.NotFound,
    );

    const grpc = createClient(ChainService, createGrpcTransport({ baseUrl: url }));
    const got = await grpc.getChain({ id: submitted.chain!.id }, { headers });
    assert.equal(got.chain?.status, ChainStatus.SUCCESS);
    assert.equal(got.chain?.result?.kind.value, 113);

    const sse = await submit("alice", { steps: ADD_CHAIN });
    const stream = await fetch(`${url}/chains/${sse.body.id}/events`, { headers });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get("content-type"), "text/event-stream");
    const text = await stream.text();
    const events = text.split("\n\n").filter((f) => f.startsWith("event: "));
    const chains = events.filter((e) => e.startsWith("event: chain")).map((e) => JSON.parse(e.split("\ndata: ")[1]!));
    assert.ok(chains.length >= 1);
    assert.equal(chains.at(-1).status, "SUCCESS");
    assert.equal(chains.at(-1).result, 113);
    assert.equal(events.at(-1), 'event: end\ndata: {"status":"SUCCESS"}');
    const notYours = await fetch(`${url}/chains/${sse.body.id}/events`, { headers: auth["bob"] });
    assert.equal(notYours.status, 404);
    assert.equal(((await notYours.json()) as { code: string }).code, "not_found");
  });

  it("the TypeScript client's chains.submit, get, watch, cancel and retry", async () => {
    const client = createTasksClient({ baseUrl: url, token: auth["alice"]!.authorization!.slice("Bearer ".length) });
    const chain = await client.chains.submit([
      { type: "test.main.add", args: { x: 1, y: 2 } },
      { type: "test.main.add", args: { y: 10 }, inputField: "x" },
      { type: "test.main.add", args: { y: 100 }, inputField: "x" },
    ]);
    assert.equal(chain.owner, "alice");
    assert.equal(chain.steps.length, 3);
    let last;
    for await (const c of client.chains.watch(chain.id)) last = c;
    assert.equal(last?.status, "SUCCESS");
    assert.equal(last?.result, 113);
    assert.deepEqual(last?.steps.map((s) => [s.status, s.result]), [["SUCCESS", 3], ["SUCCESS", 13], ["SUCCESS", 113]]);
    assert.ok(last?.finishedAt instanceof Date);
    assert.equal((await client.chains.get(chain.id)).result, 113);
    await assert.rejects(client.chains.retry(chain.id), (e) => ConnectError.from(e).code === Code.FailedPrecondition);
    await assert.rejects(
      client.chains.submit([{ type: "test.main.add", args: { x: 1, y: 2 } }, { type: "test.main.add", args: { y: 1 } }]),
      (e) => ConnectError.from(e).code === Code.InvalidArgument && /steps\[1\]/.test(ConnectError.from(e).rawMessage),
    );

    const failing = await client.chains.submit([
      { type: "test.main.add", args: { x: 1, y: 2 } },
      { type: "test.chains.failFirst", inputField: "x" },
    ], { idempotencyKey: "client-failing" });
    assert.equal((await client.chains.submit([{ type: "test.main.add", args: { x: 9, y: 9 } }, { type: "test.main.add", args: { y: 1 }, inputField: "x" }], { idempotencyKey: "client-failing" })).id, failing.id);
    let failed;
    for await (const c of client.chains.watch(failing.id)) failed = c;
    assert.equal(failed?.status, "FAILURE");
    assert.deepEqual(failed?.error, { type: "NonRetryableError", message: "attempt 1 fails on purpose" });
    assert.equal((await client.chains.retry(failing.id)).error, undefined);
    let retried;
    for await (const c of client.chains.watch(failing.id)) retried = c;
    assert.equal(retried?.result, 3);

    const held = await client.chains.submit([
      { type: "test.main.add", args: { x: 1, y: 2 } },
      { type: "test.chains.hold", args: { ms: 60_000 }, inputField: "x" },
    ]);
    await waitChain(held.id, "alice", (c) => c.steps[1].status === "STARTED", "step 1 STARTED");
    const cancelled = await client.chains.cancel(held.id);
    assert.equal(cancelled.status, "REVOKED");
    assert.equal(cancelled.steps[1]?.status, "REVOKED");
  });

  it("the CLI: tstasks chain submit (--step, --json, --wait), get, watch, cancel, retry, and its exit codes", async () => {
    const env = { TSTASKS_URL: url, TSTASKS_TOKEN: auth["bob"]!.authorization!.slice("Bearer ".length) };
    const waited = await runTstasks(["chain", "submit", "--step", "test.main.add x=1 y=2", "--step", "test.main.add x=@prev y=10", "--step", "test.main.add x=@prev y=100", "--wait"], { env });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout.trim(), "113");

    const submitted = await runTstasks(["chain", "submit", "--json", JSON.stringify(ADD_CHAIN)], { env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    const watched = await runTstasks(["chain", "watch", id], { env });
    assert.equal(watched.code, 0, watched.stderr);
    const lines = watched.stdout.trim().split("\n");
    assert.equal(lines.at(-1), "result 113");
    assert.equal(lines.at(-2), "SUCCESS");
    const got = await runTstasks(["chain", "get", id], { env });
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /status +SUCCESS/);
    assert.match(got.stdout, /STEP +TYPE +INPUT +TASK +STATUS +RESULT/);
    assert.match(got.stdout, /\n2 +test\.main\.add +x +[0-9a-f-]{36} +SUCCESS +113\n$/);
    const json = JSON.parse((await runTstasks(["chain", "get", id, "--output", "json"], { env })).stdout);
    assert.equal(json.result, 113);

    const failing = await runTstasks(["chain", "submit", "--step", "test.main.add x=1 y=2", "--step", "test.chains.failFirst x=@prev", "--wait"], { env });
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /ended FAILURE at step 2\/2: NonRetryableError: attempt 1 fails on purpose/);
    const failedId = (await stack.store.listTasks({ owner: "bob", type: "test.chains.failFirst", limit: 1 })).tasks[0]!.chainId!;
    const retried = await runTstasks(["chain", "retry", failedId], { env });
    assert.equal(retried.code, 0, retried.stderr);
    const after = await runTstasks(["chain", "watch", failedId], { env });
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /result 3\n$/);
    const conflict = await runTstasks(["chain", "cancel", failedId], { env });
    assert.equal(conflict.code, 4, conflict.stderr);

    assert.equal((await runTstasks(["chain", "get", "00000000-0000-4000-8000-000000000000"], { env })).code, 3);
    assert.equal((await runTstasks(["chain", "submit", "--step", "test.main.add x=1 y=2"], { env })).code, 2);
    assert.equal((await runTstasks(["chain", "submit", "--step", "test.main.add x=@prev y=@prev"], { env })).code, 2);
    const invalid = await runTstasks(["chain", "submit", "--step", "test.main.add x=1 y=2", "--step", "test.main.add y=1"], { env });
    assert.equal(invalid.code, 4);
    assert.match(invalid.stderr, /steps\[1\]/);
  });
});
