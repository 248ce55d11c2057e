import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTasksClient, isInvalidArgument, isUnauthenticated } from "../../client/index.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { runTstasks } from "../support/cli-process.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// CancelTasks (POST /task:cancel) and RetryTasks (POST /task:retry) on both backends. The server works
// in batches of 7 here, so every call of more than 7 tasks spans several batches (transactions).
const BATCH = 7;

for (const backend of BACKENDS) describe(`bulk actions [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, bulkBatchSize: BATCH });
  });
  after(() => stack.stop());

  /** Authorization headers of a token for user `name` (its tasks are its own); `admin` adds the admin role. */
  const userHeaders = async (name: string, admin = false) => {
    const { token } = await stack.tokens.issue({ name, allowedTasks: {}, roles: admin ? ["admin"] : [] });
    return { authorization: `Bearer ${token}` };
  };
  const submit = async (headers: Record<string, string>, type: string, args: object, extra: object = {}) => {
    const res = await httpJson(`${stack.baseUrl}/task`, { body: { type, args, ...extra }, headers });
    assert.equal(res.status, 200, res.text);
    return res.body.id as string;
  };
  const submitMany = (n: number, headers: Record<string, string>, type: string, args: object, extra: object = {}) =>
    Promise.all(Array.from({ length: n }, () => submit(headers, type, args, extra)));
  const task = async (id: string, headers: Record<string, string>) => (await httpJson(`${stack.baseUrl}/task/${id}`, { headers })).body;
  const bulk = (action: "cancel" | "retry", body: object, headers?: Record<string, string>) =>
    httpJson(`${stack.baseUrl}/task:${action}`, { method: "POST", body, headers });
  const tick = () => new Promise((r) => setTimeout(r, 30));

  it("cancels every PENDING task of a type while no worker serves it, in batches, and leaves other types alone", async () => {
    const alice = await userHeaders("bulk-alice");
    // No worker: the tasks stay PENDING (queued, unclaimed).
    for (const w of stack.workers) await w.stop();
    const adds = await submitMany(20, alice, "test.main.add", { x: 1, y: 2 });
    const sleeps = await submitMany(3, alice, "demo.main.sleep", { ms: 10 });

    const res = await bulk("cancel", { type: "test.main.add", status: "PENDING" }, alice);
    assert.equal(res.status, 200, res.text);
    // 20 matches in batches of 7 (7, 7, 6): all of them counted, all revoked.
    assert.deepEqual(res.body, { matched: 20, cancelled: 20, skipped: 0 });
    for (const id of adds) assert.equal((await task(id, alice)).status, "REVOKED");
    for (const id of sleeps) assert.equal((await task(id, alice)).status, "PENDING");

    // A worker again: the other type runs, the revoked tasks never do.
    await stack.startWorker();
    for (const id of sleeps) assert.equal((await waitForFinal(stack.baseUrl, id, 20_000, alice)).status, "SUCCESS");
    for (const id of adds) {
      const t = await task(id, alice);
      assert.deepEqual([t.status, t.attempts ?? 0], ["REVOKED", 0]);
    }
    // Again: all match, none is left to cancel.
    assert.deepEqual((await bulk("cancel", { type: "test.main.add" }, alice)).body, { matched: 20, cancelled: 0, skipped: 20 });
  });

  it("cancels running tasks over Connect: they end REVOKED and their worker stops them", async () => {
    const { authorization } = await userHeaders("bulk-bob");
    const headers = { authorization };
    const client = createTasksClient({ baseUrl: stack.baseUrl, token: authorization.slice("Bearer ".length) });
    const worker = stack.workers.at(-1)!.worker;
    const ids = await submitMany(3, headers, "demo.main.sleep", { ms: 60_000 });
    await waitUntil(async () => (await Promise.all(ids.map((id) => task(id, headers)))).every((t) => t.status === "STARTED"), {
      label: "the sleeps to start",
    });
    assert.equal(worker.running, 3);
    const result = await client.cancelMany({ type: "demo.main.sleep", status: "STARTED" });
    assert.deepEqual(result, { matched: 3, cancelled: 3, skipped: 0 });
    // The cancel notices reached the worker: it let go of the 60 s sleeps.
    await waitUntil(async () => worker.running === 0, { timeoutMs: 5000, label: "the worker to stop the cancelled tasks" });
    for (const id of ids) {
      const t = await task(id, headers);
      assert.equal(t.status, "REVOKED");
      assert.equal(t.result, undefined);
    }
  });

  it("retries every FAILURE task in a time range over Connect: they run again and succeed where they can", async () => {
    const { authorization } = await userHeaders("bulk-carol");
    const headers = { authorization };
    const client = createTasksClient({ baseUrl: stack.baseUrl, token: authorization.slice("Bearer ".length) });
    const from = new Date();
    await tick();
    // flaky fails its first failTimes attempts; without retries, one attempt and FAILURE.
    const once = await submitMany(9, headers, "demo.main.flaky", { failTimes: 1 }, { max_retries: 0 });
    const always = await submit(headers, "demo.main.flaky", { failTimes: 50 }, { max_retries: 0 });
    await tick();
    const to = new Date();
    await tick();
    const later = await submit(headers, "demo.main.flaky", { failTimes: 1 }, { max_retries: 0 });
    for (const id of [...once, always, later]) assert.equal((await waitForFinal(stack.baseUrl, id, 20_000, headers)).status, "FAILURE");

    const result = await client.retryMany({ status: "FAILURE", createdAfter: from, createdBefore: to });
    assert.deepEqual(result, { matched: 10, retried: 10, skipped: 0 });
    for (const id of once) {
      const t = await waitForFinal(stack.baseUrl, id, 20_000, headers);
      assert.deepEqual([t.status, t.result, t.attempts], ["SUCCESS", 2, 2]);
    }
    const failedAgain = await waitForFinal(stack.baseUrl, always, 20_000, headers);
    assert.deepEqual([failedAgain.status, failedAgain.attempts], ["FAILURE", 2]);
    // Outside the range: not retried.
    assert.deepEqual([(await task(later, headers)).status, (await task(later, headers)).attempts], ["FAILURE", 1]);
    // A repeat retries only what failed (again) since: the one that always fails.
    assert.deepEqual(await client.retryMany({ createdAfter: from, createdBefore: to }), { matched: 10, retried: 1, skipped: 9 });
  });

  it("a non-admin acts on its own tasks only, an admin on everyone's; a limit caps the changes", async () => {
    const dave = await userHeaders("bulk-dave");
    const erin = await userHeaders("bulk-erin");
    const admin = await userHeaders("bulk-root", true);
    const from = new Date();
    // Delayed a minute: they stay PENDING throughout.
    const davesTasks = await submitMany(9, dave, "test.main.add", { x: 1, y: 1 }, { delay_ms: 60_000 });
    const erinsTasks = await submitMany(10, erin, "test.main.add", { x: 2, y: 2 }, { delay_ms: 60_000 });

    // dave through the CLI: only his 9, though erin's match the filter too.
    const env = { TSTASKS_TOKEN: dave.authorization.slice("Bearer ".length) };
    const run = await runTstasks(["cancel", "--type", "test.main.add", "--status", "PENDING", "--url", stack.baseUrl], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "matched 9, cancelled 9, skipped 0");
    for (const id of davesTasks) assert.equal((await task(id, dave)).status, "REVOKED");
    for (const id of erinsTasks) assert.equal((await task(id, erin)).status, "PENDING");

    // erin with a limit: the 4 newest of hers, then (--all, JSON) the other 6.
    const limited = await bulk("cancel", { created_after: from.toISOString(), limit: 4 }, erin);
    assert.deepEqual(limited.body, { matched: 4, cancelled: 4, skipped: 0 });
    const erinEnv = { TSTASKS_TOKEN: erin.authorization.slice("Bearer ".length) };
    const rest = await runTstasks(["cancel", "--all", "--output", "json", "--url", stack.baseUrl], { env: erinEnv });
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(JSON.parse(rest.stdout), { matched: 10, cancelled: 6, skipped: 4 });

    // The admin retries both users' tasks of the range (CLI: retry --created-after), through batches of 7.
    const retried = await runTstasks(["retry", "--status", "REVOKED", "--created-after", from.toISOString(), "--url", stack.baseUrl], {
      env: { TSTASKS_TOKEN: admin.authorization.slice("Bearer ".length) },
    });
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal(retried.stdout.trim(), "matched 19, retried 19, skipped 0");
    // As RetryTask does, a retry runs at once (its run_at is dropped): dave's sums are 2, erin's 4.
    for (const id of davesTasks) assert.equal((await waitForFinal(stack.baseUrl, id, 20_000, dave)).result, 2);
    for (const id of erinsTasks) assert.equal((await waitForFinal(stack.baseUrl, id, 20_000, erin)).result, 4);
  });

  it("refuses an empty filter without all (400), a negative limit (400), and callers without a token (401), on REST and Connect", async () => {
    const frank = await userHeaders("bulk-frank");
    const id = await submit(frank, "test.main.add", { x: 1, y: 1 }, { delay_ms: 60_000 });
    for (const action of ["cancel", "retry"] as const) {
      const empty = await bulk(action, {}, frank);
      assert.equal(empty.status, 400, empty.text);
      assert.equal(empty.body.code, "invalid_argument");
      assert.match(empty.body.message, /all: true/);
      const negative = await bulk(action, { type: "test.main.add", limit: -1 }, frank);
      assert.equal(negative.status, 400, negative.text);
      const anonymous = await bulk(action, { type: "test.main.add" });
      assert.equal(anonymous.status, 401, anonymous.text);
      assert.equal(anonymous.body.code, "unauthenticated");
    }
    assert.equal((await task(id, frank)).status, "PENDING", "nothing was cancelled");

    const connect = createTasksClient({ baseUrl: stack.baseUrl, token: frank.authorization.slice("Bearer ".length) });
    await assert.rejects(connect.cancelMany({}), (e) => isInvalidArgument(e));
    await assert.rejects(connect.retryMany({ limit: 5 }), (e) => isInvalidArgument(e));
    await assert.rejects(createTasksClient({ baseUrl: stack.baseUrl }).cancelMany({ all: true }), (e) => isUnauthenticated(e));
    const cli = await runTstasks(["cancel", "--limit", "3", "--url", stack.baseUrl], { env: { TSTASKS_TOKEN: "x" } });
    assert.equal(cli.code, 2, "--limit alone is no filter: a usage error before any call");
    // all: true is the explicit way to act on every task of the caller.
    assert.deepEqual(await connect.cancelMany({ all: true }), { matched: 1, cancelled: 1, skipped: 0 });
    assert.equal((await task(id, frank)).status, "REVOKED");
  });
});
