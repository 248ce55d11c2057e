import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { MonitorService } from "../../gen/tstasks/v1/monitor_service_pb.js";
import { createTasksClient } from "../../client/index.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { runTstasks } from "../support/cli-process.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack, type StackWorker } from "../support/stack.js";

// MonitorService (GET /workers, GET /stats) and ListTasks' time filters on a
// whole stack: workers register themselves and heartbeat through their own
// store connections, as `npm run worker` does.

for (const backend of BACKENDS) describe(`monitoring: workers, statistics and time filters [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  let worker: StackWorker;
  const auth: Record<"admin" | "alice" | "bob", Record<string, string>> = { admin: {}, alice: {}, bob: {} };
  let aliceToken = "";

  before(async () => {
    stack = await startStack({ backend, workers: 0 });
    url = stack.baseUrl;
    worker = await stack.startWorker({ concurrency: 3 });
    for (const [name, roles] of [["admin", ["admin"]], ["alice", []], ["bob", []]] as const) {
      const { token } = await stack.tokens.issue({ name, allowedTasks: {}, roles: [...roles] });
      auth[name] = { authorization: `Bearer ${token}` };
      if (name === "alice") aliceToken = token;
    }
  });
  after(() => stack.stop());

  /** GET /workers as `who`; the body's workers. */
  async function workers(who: keyof typeof auth = "alice"): Promise<any[]> {
    const res = await httpJson(`${url}/workers`, { headers: auth[who] });
    assert.equal(res.status, 200, res.text);
    return res.body.workers ?? [];
  }

  /** Submits over REST as `who`; the task's id. */
  async function submit(who: keyof typeof auth, type: string, args: Record<string, unknown>): Promise<string> {
    const res = await httpJson(`${url}/task`, { body: { type, args }, headers: auth[who] });
    assert.equal(res.status, 200, res.text);
    return res.body.id;
  }

  /** Sums of a GET /stats answer's buckets (int64 counts are strings in JSON). */
  function totals(body: any): { submitted: number; succeeded: number; failed: number } {
    const sum = (key: string) => (body.buckets as any[]).reduce((n, b) => n + Number(b[key] ?? 0), 0);
    return { submitted: sum("submitted"), succeeded: sum("succeeded"), failed: sum("failed") };
  }

  it("every method needs a token: 401 over REST, Unauthenticated over Connect", async () => {
    for (const path of ["/workers", "/stats"]) {
      const res = await httpJson(`${url}${path}`);
      assert.equal(res.status, 401, `${path}: ${res.text}`);
      assert.equal(res.body.code, "unauthenticated");
    }
    const monitor = createClient(MonitorService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    await assert.rejects(monitor.listWorkers({}), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
    await assert.rejects(monitor.getTaskStats({}), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  });

  it("a started worker is listed, alive, with its host, pid, queues, task types and concurrency", async () => {
    const listed = (await workers()).find((w) => w.id === worker.registryId);
    assert.ok(listed, JSON.stringify(await workers()));
    assert.equal(listed.alive, true);
    assert.equal(listed.hostname, hostname());
    assert.equal(listed.pid, process.pid);
    assert.deepEqual(listed.queues, [...worker.worker.queues]);
    assert.ok(listed.queues.includes("default"));
    for (const type of ["test.main.add", "demo.main.sleep", "demo.main.refuse"]) assert.ok(listed.task_types.includes(type), type);
    assert.equal(listed.concurrency, 3);
    assert.equal(listed.in_flight ?? 0, 0);
    assert.ok(listed.heartbeat_age_seconds >= 0 && listed.heartbeat_age_seconds < 10, String(listed.heartbeat_age_seconds));
    assert.ok(Date.parse(listed.started_at) <= Date.parse(listed.heartbeat_at));
    // Workers belong to no user: an admin sees the same list.
    assert.deepEqual((await workers("admin")).map((w) => w.id), (await workers("bob")).map((w) => w.id));
  });

  it("the in-flight count rises while a slow task runs and falls when it ends", async () => {
    const id = await submit("bob", "demo.main.sleep", { ms: 30_000 });
    await waitUntil(async () => (await workers()).find((w) => w.id === worker.registryId)?.in_flight === 1, { label: "in_flight 1", timeoutMs: 20_000 });
    // The listed name is the one the task records, so a task's worker can be found in the list.
    const running = await httpJson(`${url}/task/${id}`, { headers: auth.bob });
    const listed = (await workers()).find((w) => w.id === worker.registryId);
    assert.ok(running.body.worker, running.text);
    assert.equal(listed?.name, running.body.worker);
    const cancelled = await httpJson(`${url}/task/${id}/cancel`, { method: "POST", headers: auth.bob });
    assert.equal(cancelled.status, 200, cancelled.text);
    await waitUntil(async () => ((await workers()).find((w) => w.id === worker.registryId)?.in_flight ?? 0) === 0, { label: "in_flight 0", timeoutMs: 20_000 });
  });

  it("GetTaskStats counts the tasks that ran, succeeded and failed; a non-admin sees only its own, an admin all", async () => {
    const ids = [
      await submit("alice", "test.main.add", { x: 1, y: 2 }),
      await submit("alice", "test.main.add", { x: 3, y: 4 }),
      await submit("alice", "demo.main.refuse", { reason: "no" }),
    ];
    for (const id of ids) await waitForFinal(url, id, 20_000, auth.alice);
    const alice = await httpJson(`${url}/stats`, { headers: auth.alice });
    assert.equal(alice.status, 200, alice.text);
    assert.equal(alice.body.window_seconds, 600);
    assert.equal(alice.body.bucket_seconds, 10);
    assert.equal(alice.body.buckets.length, 60);
    assert.deepEqual(totals(alice.body), { submitted: 3, succeeded: 2, failed: 1 });
    const ended = (alice.body.buckets as any[]).filter((b) => Number(b.succeeded ?? 0) + Number(b.failed ?? 0) > 0);
    assert.ok(ended.every((b) => b.latency_p50_ms > 0 && b.latency_p95_ms >= b.latency_p50_ms), JSON.stringify(ended));

    // Bob's: the sleep he cancelled (REVOKED counts as failed), nothing of alice's.
    const bob = await httpJson(`${url}/stats?window_seconds=300&bucket_seconds=60`, { headers: auth.bob });
    assert.equal(bob.status, 200, bob.text);
    assert.equal(bob.body.buckets.length, 5);
    assert.deepEqual(totals(bob.body), { submitted: 1, succeeded: 0, failed: 1 });
    // The admin's: everyone's.
    const admin = await httpJson(`${url}/stats`, { headers: auth.admin });
    assert.deepEqual(totals(admin.body), { submitted: 4, succeeded: 2, failed: 2 });

    // The client library reads the same figures.
    const client = createTasksClient({ baseUrl: url, token: aliceToken });
    const stats = await client.stats({ windowSeconds: 120, bucketSeconds: 30 });
    assert.equal(stats.buckets.length, 4);
    assert.equal(stats.buckets.reduce((n, b) => n + b.succeeded, 0), 2);
    assert.ok(stats.buckets.every((b) => b.start instanceof Date));
  });

  it("ListTasks filters by creation time over REST and Connect", async () => {
    const mine = (await httpJson(`${url}/task?page_size=100`, { headers: auth.alice })).body.tasks as any[];
    assert.equal(mine.length, 3);
    // Newest first: [2] is the oldest. Bounds around the middle one.
    const middle = Date.parse(mine[1].created_at);
    const after = new Date(middle).toISOString();
    const before = new Date(Date.parse(mine[0].created_at)).toISOString();
    const expected = mine.filter((t) => Date.parse(t.created_at) >= middle && Date.parse(t.created_at) < Date.parse(before)).map((t) => t.id);
    assert.ok(expected.includes(mine[1].id));
    const rest = await httpJson(`${url}/task?created_after=${after}&created_before=${before}`, { headers: auth.alice });
    assert.equal(rest.status, 200, rest.text);
    assert.deepEqual(rest.body.tasks.map((t: any) => t.id), expected);
    const later = await httpJson(`${url}/task?created_after=${new Date(Date.now() + 60_000).toISOString()}`, { headers: auth.alice });
    assert.deepEqual(later.body.tasks ?? [], []);

    const client = createTasksClient({ baseUrl: url, token: aliceToken });
    const listed: string[] = [];
    for await (const t of client.list({ createdAfter: new Date(after), createdBefore: new Date(before) })) listed.push(t.id);
    assert.deepEqual(listed, expected);

    const bad = await httpJson(`${url}/task?created_after=yesterday`, { headers: auth.alice });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.code, "invalid_argument");
  });

  it("a window over an hour or of more than 720 buckets is 400 invalid_argument (Connect: InvalidArgument) naming the field", async () => {
    const long = await httpJson(`${url}/stats?window_seconds=7200`, { headers: auth.alice });
    assert.equal(long.status, 400, long.text);
    assert.equal(long.body.code, "invalid_argument");
    assert.match(long.body.message, /window_seconds must be at most 3600/);
    assert.ok(long.body.errors?.window_seconds, long.text);
    const fine = await httpJson(`${url}/stats?window_seconds=3600&bucket_seconds=1`, { headers: auth.alice });
    assert.equal(fine.status, 400, fine.text);
    assert.match(fine.body.message, /3600 buckets, more than 720: use bucket_seconds of at least 5/);
    assert.ok(fine.body.errors?.bucket_seconds, fine.text);
    const client = createTasksClient({ baseUrl: url, token: aliceToken });
    await assert.rejects(client.stats({ windowSeconds: 7200 }), (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument);
  });

  it("tstasks workers prints the table, and --output json the list", async () => {
    const env = { TSTASKS_URL: url, TSTASKS_TOKEN: aliceToken };
    const text = await runTstasks(["workers"], { env });
    assert.equal(text.code, 0, text.stderr);
    const [header, ...rows] = text.stdout.trim().split("\n");
    assert.match(header!, /^NAME\s+ID\s+ALIVE\s+HEARTBEAT\s+QUEUES\s+CONCURRENCY\s+IN-FLIGHT$/);
    const row = rows.find((r) => r.includes(worker.registryId));
    assert.ok(row, text.stdout);
    assert.match(row, /\byes\b.*\bago\b.*\bdefault\b.*\b3\s+0$/);
    const json = await runTstasks(["workers", "--output", "json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as { id: string; concurrency: number; alive: boolean }[];
    assert.deepEqual(listed.filter((w) => w.id === worker.registryId).map((w) => [w.concurrency, w.alive]), [[3, true]]);
    const anonymous = await runTstasks(["workers"], { env: { TSTASKS_URL: url } });
    assert.equal(anonymous.code, 4, anonymous.stdout);
  });

  it("a stopped worker disappears; tasks waiting with no worker show as the queue's depth, of the caller's own tasks", async () => {
    await worker.stop();
    assert.deepEqual((await workers()).filter((w) => w.id === worker.registryId), []);
    const ids = [await submit("alice", "test.main.add", { x: 1, y: 1 }), await submit("alice", "test.main.add", { x: 2, y: 2 })];
    await submit("admin", "test.main.add", { x: 3, y: 3 });
    const alice = await httpJson(`${url}/stats`, { headers: auth.alice });
    assert.equal(alice.status, 200, alice.text);
    assert.equal(alice.body.queues.length, 1, alice.text);
    const [depth] = alice.body.queues;
    assert.deepEqual([depth.queue, Number(depth.waiting), Number(depth.running ?? 0)], ["default", 2, 0]);
    assert.ok(depth.oldest_waiting_seconds >= 0 && depth.oldest_waiting_seconds < 60, alice.text);
    const admin = await httpJson(`${url}/stats`, { headers: auth.admin });
    assert.equal(Number(admin.body.queues[0].waiting), 3);
    assert.deepEqual((await httpJson(`${url}/stats`, { headers: auth.bob })).body.queues ?? [], []);

    // A new worker (a new id) drains the queue.
    const next = await stack.startWorker();
    assert.notEqual(next.registryId, worker.registryId);
    assert.ok((await workers()).some((w) => w.id === next.registryId && w.alive));
    for (const id of ids) assert.equal((await waitForFinal(url, id, 20_000, auth.alice)).status, "SUCCESS");
    await waitUntil(async () => ((await httpJson(`${url}/stats`, { headers: auth.admin })).body.queues ?? []).length === 0, { label: "empty queues" });
  });
});
