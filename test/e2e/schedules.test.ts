import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ScheduleService } from "../../gen/tstasks/v1/schedule_service_pb.js";
import { createJetStreamQueue } from "../../core/queue/jetstream/jetstream-queue.js";
import { createPostgresTaskStore } from "../../core/store/postgres/postgres-task-store.js";
import { silentLogger } from "../../core/log/default-logger.js";
import { build } from "../../server/server.js";
import { createTasksClient } from "../../client/index.js";
import { waitUntil } from "../harness/wait-until.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson } from "../support/http-json.js";
import { runTstasks } from "../support/cli-process.js";
import { startStack, type Stack } from "../support/stack.js";
import { newSchedule } from "../../core/store/schedule-store-contract.js";

// Schedules on a whole stack. The stack's own server has its scheduler all
// but off (a round an hour), so each test starts the "scheduler servers" it
// needs (build() with their own store and queue connections on the real
// backend, as separate `npm run server` processes would have) and can stop
// them all to simulate downtime.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of BACKENDS) describe(`schedules [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  const auth: Record<string, Record<string, string>> = {};
  const servers = new Set<{ close(): Promise<void> }>();

  before(async () => {
    stack = await startStack({ backend, workers: 1, scheduler: { intervalMs: 3_600_000 } });
    url = stack.baseUrl;
    for (const [name, roles] of [["admin", ["admin"]], ["alice", []], ["bob", []], ["carol", []], ["dave", []], ["erin", []], ["frank", []], ["gina", []], ["hank", []], ["ivan", []], ["judy", []]] as const) {
      const { token } = await stack.tokens.issue({ name, allowedTasks: {}, roles: [...roles] });
      auth[name] = { authorization: `Bearer ${token}` };
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    await stack.stop();
  });

  /** Starts a server whose scheduler runs every 100 ms (`graceMs`: when a late tick counts as missed); returns its stop. */
  async function startSchedulerServer(graceMs?: number): Promise<{ close(): Promise<void> }> {
    const own = backend === "real";
    const store = own ? await createPostgresTaskStore({ databaseUrl: stack.postgres!.url, poolSize: 2 }) : stack.store;
    const queue = own ? await createJetStreamQueue({ url: stack.nats!.url, name: `scheduler-${servers.size}` }) : stack.queue;
    const server = build({ store, queue, users: stack.users, tokens: stack.tokens, log: silentLogger(), scheduler: { intervalMs: 100, graceMs } });
    await server.listen(0, "127.0.0.1");
    const handle = {
      async close() {
        if (!servers.delete(handle)) return;
        await server.close(100);
        if (own) {
          await queue.close();
          await store.close();
        }
      },
    };
    servers.add(handle);
    return handle;
  }

  async function create(who: string, body: Record<string, unknown>) {
    return httpJson(`${url}/schedules`, { body, headers: auth[who] });
  }

  /** Ids in the listing's order: by creation time, then id (random UUIDs: several may share a millisecond). */
  function inListingOrder(made: { id: string; createdAt: number }[]): string[] {
    return [...made].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((m) => m.id);
  }

  /** The tasks a schedule made (their idempotency keys name it and the tick), by tick. */
  async function tasksOf(owner: string, scheduleId: string) {
    const page = await stack.store.listTasks({ owner, limit: 1000 });
    return page.tasks
      .filter((t) => t.idempotencyKey?.startsWith(`schedule:${scheduleId}:`))
      .map((t) => ({ ...t, tick: Date.parse(t.idempotencyKey!.slice(`schedule:${scheduleId}:`.length)) }))
      .sort((a, b) => a.tick - b.tick);
  }

  it("an interval schedule of 1 s fires at least twice, its tasks succeed; pause stops it, resume restarts it, delete removes it", async () => {
    const scheduler = await startSchedulerServer();
    try {
      await intervalScheduleLifecycle();
    } finally {
      await scheduler.close();
    }
  });

  async function intervalScheduleLifecycle(): Promise<void> {
    const res = await create("alice", { name: "adds", type: "test.main.add", args: { x: 20, y: 22 }, interval_ms: 1000 });
    assert.equal(res.status, 200, res.text);
    const s = res.body;
    assert.equal(s.type, "test.main.add");
    assert.equal(s.owner, "alice");
    assert.equal(s.interval_ms, 1000);
    assert.equal(s.catch_up, "ONE");
    assert.ok(Date.parse(s.next_run_at) > Date.parse(s.created_at));

    const fired = await waitUntil(async () => {
      const tasks = await tasksOf("alice", s.id);
      return tasks.filter((t) => t.status === "SUCCESS").length >= 2 && tasks;
    }, { timeoutMs: 15_000, label: "two successful scheduled tasks" });
    for (const t of fired.filter((t) => t.status === "SUCCESS")) assert.equal(t.result, 42);
    // Consecutive ticks, one task each.
    fired.slice(1).forEach((t, i) => assert.equal(t.tick - fired[i]!.tick, 1000));
    const got = await httpJson(`${url}/schedules/${s.id}`, { headers: auth["alice"] });
    assert.equal(got.status, 200);
    assert.ok(got.body.last_task_id);
    assert.ok(got.body.last_run_at);

    const paused = await httpJson(`${url}/schedules/${s.id}/pause`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.next_run_at, undefined);
    const atPause = (await tasksOf("alice", s.id)).length;
    await sleep(2500);
    assert.equal((await tasksOf("alice", s.id)).length, atPause, "a paused schedule submits nothing");

    const resumed = await httpJson(`${url}/schedules/${s.id}/resume`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(resumed.status, 200, resumed.text);
    assert.equal(resumed.body.paused, false);
    // Ticks passed while paused are skipped: the next tick is after the resume.
    assert.ok(Date.parse(resumed.body.next_run_at) > Date.now() - 100);
    await waitUntil(async () => (await tasksOf("alice", s.id)).length >= atPause + 2, { timeoutMs: 10_000, label: "ticks after resume" });

    const deleted = await httpJson(`${url}/schedules/${s.id}`, { method: "DELETE", headers: auth["alice"] });
    assert.equal(deleted.status, 200, deleted.text);
    const atDelete = (await tasksOf("alice", s.id)).length;
    assert.equal((await httpJson(`${url}/schedules/${s.id}`, { headers: auth["alice"] })).status, 404);
    await sleep(2000);
    assert.equal((await tasksOf("alice", s.id)).length, atDelete, "a deleted schedule submits nothing");
  }

  it("refuses bad requests (400), no token (401), a protected type without permission (403), and hides others' schedules (404)", async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ type: "test.main.add", args: { x: 1, y: 2 }, cron: "61 * * * *" }, "cron"],
      [{ type: "test.main.add", args: { x: 1, y: 2 }, cron: "0 0 3 * * *" }, "cron"],
      [{ type: "test.main.add", args: { x: 1, y: 2 }, cron: "0 3 * * *", time_zone: "Mars/Olympus" }, "time_zone"],
      [{ type: "test.main.add", args: { x: 1, y: 2 }, interval_ms: 500 }, "interval_ms"],
      [{ type: "test.main.add", args: { x: 1, y: 2 } }, "cron"],
      [{ type: "test.main.add", args: { x: 1, y: 2 }, cron: "* * * * *", interval_ms: 1000 }, "cron"],
      [{ type: "test.main.add", args: { x: 1.5 }, interval_ms: 1000 }, "y"],
      [{ type: "no.such.type", args: {}, interval_ms: 1000 }, "type"],
    ];
    for (const [body, field] of bad) {
      const res = await create("bob", body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.body.code, "invalid_argument");
      assert.ok(field in (res.body.errors ?? {}), `${JSON.stringify(body)}: errors name ${field}: ${res.text}`);
    }
    assert.match((await create("bob", bad[2]![0])).body.message, /not an IANA time zone/);

    assert.equal((await httpJson(`${url}/schedules`, { body: { type: "test.main.add", args: { x: 1, y: 2 }, interval_ms: 1000 } })).status, 401);
    assert.equal((await httpJson(`${url}/schedules`)).status, 401);
    const protectedType = await create("bob", { type: "test.main.myProtectedTask", args: { x: 1, y: 2 }, interval_ms: 1000 });
    assert.equal(protectedType.status, 403, protectedType.text);
    const { token } = await stack.tokens.issue({ name: "bob", allowedTasks: { "test.main.myProtectedTask": true }, roles: [] });
    const allowed = await httpJson(`${url}/schedules`, {
      body: { type: "test.main.myProtectedTask", args: { x: 1, y: 2 }, cron: "0 3 * * *", time_zone: "Europe/Paris", paused: true },
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.body.time_zone, "Europe/Paris");
    assert.equal(allowed.body.paused, true);

    const mine = await create("carol", { type: "test.main.add", args: { x: 1, y: 2 }, cron: "0 3 * * *", paused: true });
    assert.equal(mine.status, 200, mine.text);
    const id = mine.body.id;
    for (const [method, path] of [["GET", ""], ["POST", "/pause"], ["POST", "/resume"], ["DELETE", ""]] as const) {
      const res = await httpJson(`${url}/schedules/${id}${path}`, { method, body: method === "POST" ? {} : undefined, headers: auth["bob"] });
      assert.equal(res.status, 404, `${method} ${path} by another user: ${res.text}`);
    }
    assert.equal((await httpJson(`${url}/schedules/not-a-uuid`, { headers: auth["carol"] })).status, 404);
    const bobs = await httpJson(`${url}/schedules`, { headers: auth["bob"] });
    assert.deepEqual(bobs.body.schedules.map((s: any) => s.owner), ["bob"]);
    const all = await httpJson(`${url}/schedules`, { headers: auth["admin"] });
    assert.ok(all.body.schedules.some((s: any) => s.id === id));
    assert.equal((await httpJson(`${url}/schedules/${id}`, { headers: auth["admin"] })).status, 200);

    // Over Connect (and so gRPC): the same service, the same codes.
    const client = createClient(ScheduleService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    await assert.rejects(client.listSchedules({}), (e) => ConnectError.from(e).code === Code.Unauthenticated);
    await assert.rejects(
      client.getSchedule({ id }, { headers: auth["bob"] }),
      (e) => ConnectError.from(e).code === Code.NotFound,
    );
    const listed = await client.listSchedules({}, { headers: auth["carol"] });
    assert.deepEqual(listed.schedules.map((s) => s.id), [id]);

    // The TypeScript client's schedules.*, as docs/workflows.md shows them.
    const tasks = createTasksClient({ baseUrl: url, token: auth["carol"]!.authorization!.slice("Bearer ".length) });
    const nightly = await tasks.schedules.create({ type: "test.main.add", args: { x: 1, y: 2 }, cron: "0 3 * * *", timeZone: "Europe/Paris", catchUp: "NONE" });
    assert.equal(nightly.catchUp, "NONE");
    assert.equal(nightly.nextRunAt?.toLocaleString("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" }), "03:00");
    assert.equal((await tasks.schedules.pause(nightly.id)).paused, true);
    assert.equal((await tasks.schedules.get(nightly.id)).nextRunAt, undefined);
    assert.ok((await tasks.schedules.resume(nightly.id)).nextRunAt);
    assert.deepEqual((await tasks.schedules.list()).map((s) => s.id), [id, nightly.id]);
    await tasks.schedules.delete(nightly.id);
    await assert.rejects(tasks.schedules.get(nightly.id), (e) => ConnectError.from(e).code === Code.NotFound);
  });

  it("GET /schedules pages oldest first (page_size, page_token), refuses a bad page_size or token (400), and a token of another's listing shows nothing of theirs", async () => {
    const made: { id: string; createdAt: number }[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await create("gina", { name: `page-${i}`, type: "test.main.add", args: { x: i, y: 0 }, interval_ms: 60_000, paused: true });
      assert.equal(res.status, 200, res.text);
      made.push({ id: res.body.id, createdAt: Date.parse(res.body.created_at) });
    }
    const created = inListingOrder(made);
    const pages: string[][] = [];
    const tokens: string[] = [];
    let token = "";
    do {
      const res = await httpJson(`${url}/schedules?page_size=3${token ? `&page_token=${encodeURIComponent(token)}` : ""}`, { headers: auth["gina"] });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.body.schedules.every((s: any) => s.owner === "gina"));
      pages.push(res.body.schedules.map((s: any) => s.id));
      token = res.body.next_page_token ?? "";
      if (token) tokens.push(token);
    } while (token && pages.length < 10);
    assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
    assert.deepEqual(pages.flat(), created, "oldest first, each schedule once");
    // page_size 0 is the default (100): one page.
    const whole = await httpJson(`${url}/schedules?page_size=0`, { headers: auth["gina"] });
    assert.deepEqual(whole.body.schedules.map((s: any) => s.id), created);
    assert.equal(whole.body.next_page_token ?? "", "");

    for (const size of [-1, 1001]) {
      const res = await httpJson(`${url}/schedules?page_size=${size}`, { headers: auth["gina"] });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, "invalid_argument");
      assert.ok("page_size" in (res.body.errors ?? {}), res.text);
    }
    for (const bad of ["garbage", Buffer.from(JSON.stringify([new Date().toISOString(), "not-a-uuid"])).toString("base64url")]) {
      const res = await httpJson(`${url}/schedules?page_token=${bad}`, { headers: auth["gina"] });
      assert.equal(res.status, 400, res.text);
      assert.ok("page_token" in (res.body.errors ?? {}), res.text);
    }

    // hank replays gina's first token: the cursor only positions his own listing.
    const hankMade: { id: string; createdAt: number }[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await create("hank", { type: "test.main.add", args: { x: i, y: 0 }, interval_ms: 60_000, paused: true });
      hankMade.push({ id: res.body.id, createdAt: Date.parse(res.body.created_at) });
    }
    const hanks = inListingOrder(hankMade);
    const replay = await httpJson(`${url}/schedules?page_size=3&page_token=${tokens[0]}`, { headers: auth["hank"] });
    assert.equal(replay.status, 200, replay.text);
    assert.deepEqual(replay.body.schedules.map((s: any) => s.id), hanks);
    // An admin pages through everyone's with the same tokens.
    const admin = await httpJson(`${url}/schedules?page_size=3&page_token=${tokens[0]}`, { headers: auth["admin"] });
    assert.deepEqual(admin.body.schedules.map((s: any) => s.id), created.slice(3, 6));

    // Over Connect, and the TypeScript client, which follows the pages.
    const client = createClient(ScheduleService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const first = await client.listSchedules({ pageSize: 5 }, { headers: auth["gina"] });
    assert.deepEqual(first.schedules.map((s) => s.id), created.slice(0, 5));
    const second = await client.listSchedules({ pageSize: 5, pageToken: first.nextPageToken }, { headers: auth["gina"] });
    assert.deepEqual(second.schedules.map((s) => s.id), created.slice(5));
    assert.equal(second.nextPageToken, "");
    await assert.rejects(client.listSchedules({ pageSize: 1001 }, { headers: auth["gina"] }), (e) => ConnectError.from(e).code === Code.InvalidArgument);
    const tasks = createTasksClient({ baseUrl: url, token: auth["gina"]!.authorization!.slice("Bearer ".length) });
    assert.deepEqual((await tasks.schedules.list({ pageSize: 2 })).map((s) => s.id), created);
  });

  it("more schedules than a page: schedules.list() and tstasks schedule list show them all", async () => {
    // 105 > the default page of 100, stored directly (the API path is tested above).
    const made: { id: string; createdAt: number }[] = [];
    for (let i = 0; i < 105; i++) {
      const s = await stack.store.insertSchedule(newSchedule({ owner: "ivan", type: "test.main.add", paused: true, nextRunAt: null }));
      made.push({ id: s.id, createdAt: s.createdAt.getTime() });
    }
    const ids = inListingOrder(made);
    const token = auth["ivan"]!.authorization!.slice("Bearer ".length);
    assert.deepEqual((await createTasksClient({ baseUrl: url, token }).schedules.list()).map((s) => s.id), ids);
    const list = await runTstasks(["schedule", "list"], { env: { TSTASKS_URL: url, TSTASKS_TOKEN: token } });
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split("\n").slice(1);
    assert.equal(rows.length, 105, list.stdout);
    assert.ok(ids.every((id) => list.stdout.includes(id)));
  });

  it("the CLI: tstasks schedule create, list, pause, resume, get, delete, and its exit codes", async () => {
    const env = { TSTASKS_URL: url, TSTASKS_TOKEN: auth["frank"]!.authorization!.slice("Bearer ".length) };
    const created = await runTstasks(["schedule", "create", "test.main.add", "--arg", "x=1", "--arg", "y=2", "--every-ms", "60000", "--name", "nightly-sum"], { env });
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    const list = await runTstasks(["schedule", "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID +TYPE +WHEN +NEXT +LAST TASK +NAME/);
    assert.ok(list.stdout.includes(id) && list.stdout.includes("every 60000 ms") && list.stdout.includes("nightly-sum"), list.stdout);
    const paused = await runTstasks(["schedule", "pause", id, "--output", "json"], { env });
    assert.equal(JSON.parse(paused.stdout).paused, true);
    const resumed = await runTstasks(["schedule", "resume", id, "--output", "json"], { env });
    assert.equal(JSON.parse(resumed.stdout).paused, false);
    assert.equal((await runTstasks(["schedule", "delete", id], { env })).code, 0);
    const gone = await runTstasks(["schedule", "get", id], { env });
    assert.equal(gone.code, 3, gone.stderr);
    const badZone = await runTstasks(["schedule", "create", "test.main.add", "--arg", "x=1", "--arg", "y=2", "--cron", "0 3 * * *", "--time-zone", "Mars/Olympus"], { env });
    assert.equal(badZone.code, 4);
    assert.match(badZone.stderr, /not an IANA time zone/);
    const badPolicy = await runTstasks(["schedule", "create", "test.main.add", "--every-ms", "1000", "--catch-up", "all"], { env });
    assert.equal(badPolicy.code, 2, badPolicy.stderr);
    assert.equal((await runTstasks(["schedule", "list"], { env: { TSTASKS_URL: url } })).code, 4);
  });

  if (backend === "real") {
    it("two servers on one Postgres and NATS submit exactly one task per tick", async () => {
      const a = await startSchedulerServer();
      const b = await startSchedulerServer();
      const res = await create("dave", { type: "test.main.add", args: { x: 1, y: 1 }, interval_ms: 1000 });
      assert.equal(res.status, 200, res.text);
      const firstTick = Date.parse(res.body.next_run_at);
      await sleep(5500);
      await httpJson(`${url}/schedules/${res.body.id}/pause`, { method: "POST", body: {}, headers: auth["dave"] });
      const pausedAt = Date.now();
      const tasks = await tasksOf("dave", res.body.id);
      const elapsed = Math.floor((pausedAt - firstTick) / 1000) + 1;
      // Every tick from the first has its task, none twice (keys name the tick), no tick skipped.
      assert.deepEqual(tasks.map((t) => t.tick), Array.from({ length: tasks.length }, (_, i) => firstTick + i * 1000));
      assert.ok(tasks.length >= elapsed - 1 && tasks.length <= elapsed, `${tasks.length} tasks for ${elapsed} ticks`);
      assert.ok(tasks.length >= 4);
      await waitUntil(async () => (await tasksOf("dave", res.body.id)).every((t) => t.status === "SUCCESS"), { timeoutMs: 10_000 });
      await a.close();
      await b.close();
    });
  }

  it("ticks missed while no scheduler ran: catch_up NONE submits none of them and goes on from the first tick after now; ONE submits exactly one", async () => {
    const ids: Record<"NONE" | "ONE", string> = { NONE: "", ONE: "" };
    for (const catchUp of ["NONE", "ONE"] as const) {
      const res = await create("judy", { type: "test.main.add", args: { x: 3, y: 3 }, interval_ms: 1000, catch_up: catchUp, paused: true });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.catch_up, catchUp);
      ids[catchUp] = res.body.id;
    }
    // Both were due five seconds ago and no scheduler ran since: ticks at -5 s … now were missed.
    const dueAt = new Date(Date.now() - 5000);
    for (const id of Object.values(ids)) assert.ok(await stack.store.setSchedulePaused(id, false, dueAt));
    const restarting = Date.now();
    const scheduler = await startSchedulerServer(1500);
    try {
      await waitUntil(async () => (await tasksOf("judy", ids.NONE)).length >= 2 && (await tasksOf("judy", ids.ONE)).length >= 3, {
        timeoutMs: 15_000,
        label: "ticks after the restart",
      });
    } finally {
      await scheduler.close();
    }
    const none = (await tasksOf("judy", ids.NONE)).map((t) => t.tick);
    const one = (await tasksOf("judy", ids.ONE)).map((t) => t.tick);
    const ticks = JSON.stringify({ dueAt, restarting: new Date(restarting), none: none.map((t) => new Date(t)), one: one.map((t) => new Date(t)) });
    // Each goes on tick by tick from its first task, one task a tick.
    for (const list of [none, one]) list.slice(1).forEach((t, i) => assert.equal(t - list[i]!, 1000, ticks));
    // All ticks are on the schedule's grid (dueAt + n s).
    for (const t of [...none, ...one]) assert.equal((t - dueAt.getTime()) % 1000, 0, ticks);
    // NONE: no task for a tick at or before the restart; its first is the first tick after the round's now.
    assert.ok(none[0]! > restarting, `NONE submitted a missed tick: ${ticks}`);
    // ONE: exactly one task for the missed ticks, for the latest of them (the earlier ones have none)…
    assert.ok(one[0]! > restarting - 1000, `ONE submitted an earlier missed tick: ${ticks}`);
    assert.equal(one.filter((t) => t < none[0]!).length, 1, `ONE catches up once: ${ticks}`);
    // …in the same round that moved NONE past now: the catch-up tick is the one just before NONE's first.
    assert.equal(one[0]! + 1000, none[0]!, ticks);
  });

  it("ticks missed while no server ran are submitted once (catch_up ONE), not once each", async () => {
    const res = await create("erin", { type: "test.main.add", args: { x: 2, y: 2 }, interval_ms: 1000 });
    assert.equal(res.status, 200, res.text);
    const id = res.body.id;
    const first = await startSchedulerServer(1500);
    await waitUntil(async () => (await tasksOf("erin", id)).length >= 1, { timeoutMs: 10_000, label: "a first tick" });
    await first.close();
    const stoppedAt = Date.now();
    const beforeDowntime = (await tasksOf("erin", id)).length;
    await sleep(4500); // four ticks pass, longer than the grace: missed
    assert.equal((await tasksOf("erin", id)).length, beforeDowntime);
    const restarting = Date.now();
    const second = await startSchedulerServer(1500);
    await waitUntil(async () => (await tasksOf("erin", id)).length > beforeDowntime, { timeoutMs: 5000, label: "the catch-up task" });
    await second.close();
    const tasks = await tasksOf("erin", id);
    // The downtime's ticks made one task, for the latest tick passed at the restart: none of the
    // earlier missed ticks (about four, from stoppedAt on) has a task.
    const ticks = JSON.stringify(tasks.map((t) => new Date(t.tick).toISOString()));
    const afterStop = tasks.filter((t) => t.tick > stoppedAt);
    assert.ok(afterStop.length >= 1, ticks);
    assert.ok(afterStop[0]!.tick > restarting - 1000, `the catch-up is for the latest missed tick, the missed ones before it have none: ${ticks}`);
    assert.ok(afterStop[0]!.tick - stoppedAt >= 3000, `several ticks were missed: ${ticks}`);
  });
});
