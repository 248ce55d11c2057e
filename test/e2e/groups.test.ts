import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { GroupService, GroupStatus } from "../../gen/tstasks/v1/group_service_pb.js";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { waitUntil } from "../harness/wait-until.js";
import { argumentErrors, Code, ConnectError, createTasksClient } from "../../client/index.js";
import { runTstasks } from "../support/cli-process.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

// Groups (fan-out / fan-in) end to end on both backends: POST /groups and the
// rest of GroupService over REST, Connect and SSE, with real workers running
// test.main.add members and test.groups.sum gathering them.

for (const backend of BACKENDS) describe(`groups [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  const auth: Record<string, Record<string, string>> = {};
  before(async () => {
    stack = await startStack({ backend });
    url = stack.baseUrl;
    for (const [name, roles, allowed] of [
      ["admin", ["admin"], {}],
      ["alice", [], {}],
      ["bob", [], {}],
      ["carol", [], { "test.main.myProtectedTask": true }],
    ] as const) {
      const { token } = await stack.tokens.issue({ name, allowedTasks: { ...allowed }, roles: [...roles] });
      auth[name] = { authorization: `Bearer ${token}` };
    }
  });
  after(() => stack.stop());

  const submit = async (body: object, headers?: Record<string, string>) => {
    const res = await httpJson(`${url}/groups`, { body, headers });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const get = async (id: string, headers?: Record<string, string>, query = "") => {
    const res = await httpJson(`${url}/groups/${id}${query}`, { headers });
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  /** Polls GET /groups/{id} until the group is final and its gather task (if any) too. */
  const waitDone = (id: string, headers?: Record<string, string>, timeoutMs = 60_000) =>
    waitUntil(
      async () => {
        const { group } = await get(id, headers, "?page_size=1");
        const gatherDone = !group.gather_task_id || ["SUCCESS", "FAILURE", "REVOKED"].includes(group.gather_status);
        return group.status !== "RUNNING" && gatherDone && group;
      },
      { timeoutMs, intervalMs: 100, label: `group ${id} to end` },
    );
  const task = async (id: string, headers?: Record<string, string>) => (await httpJson(`${url}/task/${id}`, { headers })).body;

  it("a 1,000-member group of test.main.add gathered into a sum: counts, progress 1, results paged in order", async () => {
    const members = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: 1 }));
    const submitted = await submit({ type: "test.main.add", members, gather: { type: "test.groups.sum", args: { label: "adds" } } }, auth["alice"]);
    assert.equal(submitted.total, 1000);
    assert.equal(submitted.owner, "alice");
    assert.equal(submitted.status, "RUNNING");
    assert.equal(submitted.counts.pending, 1000);
    assert.deepEqual(submitted.gather, { type: "test.groups.sum", args: { label: "adds" }, timeout_ms: 0 });

    const group = await waitDone(submitted.id, auth["alice"]);
    assert.equal(group.status, "SUCCESS");
    assert.equal(group.progress, 1);
    assert.deepEqual(group.counts, { pending: 0, started: 0, retry: 0, success: 1000, failure: 0, revoked: 0 });
    assert.ok(group.finished_at);
    assert.equal(group.gather_status, "SUCCESS");
    const gather = await task(group.gather_task_id, auth["alice"]);
    // Σ (i + 1) for i < 1000.
    assert.deepEqual(gather.result, { label: "adds", sum: 500_500, count: 1000, failed: 0 });
    assert.equal(gather.gather_of, submitted.id);
    assert.deepEqual(gather.args, { label: "adds" }, "the stored args stay the user's: results are read at run time");

    // Three pages of 400, 400, 200, in index order, each member's result i + 1.
    const seen: number[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await get(submitted.id, auth["alice"], `?page_size=400${token ? `&page_token=${token}` : ""}`);
      pages++;
      for (const m of page.members) {
        assert.equal(m.status, "SUCCESS");
        assert.equal(m.result, (m.index ?? 0) + 1);
        seen.push(m.index ?? 0);
      }
      token = page.next_page_token ?? "";
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i));
    const member = await task((await get(submitted.id, auth["alice"], "?page_size=1")).members[0].task_id, auth["alice"]);
    assert.equal(member.group_id, submitted.id);
  });

  it("refuses bad groups with the error naming the member, the gather or the field", async () => {
    const bad = await httpJson(`${url}/groups`, { body: { type: "test.main.add", members: [{ x: 1, y: 2 }, { x: "one", y: 2 }, { x: 1 }] } });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /members\[1\]\.x/);
    assert.match(bad.text, /members\[2\]\.y/);
    assert.doesNotMatch(bad.text, /members\[0\]/);
    const cases: [object, number, RegExp][] = [
      [{ type: "test.main.add", members: [] }, 400, /members/],
      [{ type: "no.such.type", members: [{}] }, 400, /unknown task type/],
      [{ type: "test.main.add", members: [{ x: 1, y: 2 }], max_retries: 99 }, 400, /max_retries/],
      [{ type: "test.main.add", members: [{ x: 1, y: 2 }], gather: { type: "no.such.gather" } }, 400, /unknown task type/],
      [{ type: "test.main.add", members: [{ x: 1, y: 2 }], gather: { type: "test.groups.sum", args: { results: [1] } } }, 400, /gather\.results/],
      [{ type: "test.main.add", members: [{ x: 1, y: 2 }], gather: { type: "test.groups.sum", args: { label: 7 } } }, 400, /gather\.label/],
      [{ type: "test.main.myProtectedTask", members: [{ x: 1, y: 2 }] }, 401, /protected/],
    ];
    for (const [body, status, text] of cases) {
      const res = await httpJson(`${url}/groups`, { body, headers: status === 401 ? {} : auth["alice"] });
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.text}`);
      assert.match(res.text, text);
    }
    const denied = await httpJson(`${url}/groups`, { body: { type: "test.main.myProtectedTask", members: [{ x: 1, y: 2 }] }, headers: auth["alice"] });
    assert.equal(denied.status, 403, denied.text);
    const allowed = await httpJson(`${url}/groups`, { body: { type: "test.main.myProtectedTask", members: [{ x: 1, y: 2 }] }, headers: auth["carol"] });
    assert.equal(allowed.status, 200, allowed.text);
    // Nothing of a refused group was stored: only carol's group exists among these.
    assert.equal((await waitDone(allowed.body.id, auth["carol"])).status, "SUCCESS");
  });

  it("a group is its owner's: another user gets 404 on every method, an admin sees it; a repeated key answers the same group", async () => {
    const body = { type: "test.main.add", members: [{ x: 1, y: 1 }, { x: 2, y: 2 }], idempotency_key: "owned-1" };
    const first = await submit(body, auth["alice"]);
    const again = await submit(body, auth["alice"]);
    assert.equal(again.id, first.id);
    // Another owner's key is another group.
    assert.notEqual((await submit(body, auth["bob"])).id, first.id);
    for (const [method, path] of [["GET", ""], ["GET", "/events"], ["POST", "/cancel"], ["POST", "/retry"]] as const) {
      const res = await httpJson(`${url}/groups/${first.id}${path}`, { method, body: method === "POST" ? {} : undefined, headers: auth["bob"] });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    }
    assert.equal((await httpJson(`${url}/groups/${first.id}`)).status, 404, "anonymous callers do not see an owned group");
    assert.equal((await get(first.id, auth["admin"])).group.owner, "alice");
    assert.equal((await httpJson(`${url}/groups/not-a-uuid`, { headers: auth["alice"] })).status, 404);
    assert.equal((await httpJson(`${url}/groups/${first.id}?page_token=zzz`, { headers: auth["alice"] })).status, 400);
    // Anonymous groups are anyone's who has the id, as anonymous tasks.
    const anon = await submit({ type: "test.main.add", members: [{ x: 1, y: 1 }] });
    assert.equal(anon.owner, "");
    assert.equal((await get(anon.id, auth["bob"])).group.id, anon.id);
  });

  it("cancel revokes every unfinished member; the group ends REVOKED and gathers nothing", async () => {
    // No worker: every member stays PENDING until cancelled.
    for (const w of stack.workers) await w.stop();
    try {
      const members = Array.from({ length: 30 }, (_, i) => ({ x: i, y: 0 }));
      const group = await submit({ type: "test.main.add", members, gather: { type: "test.groups.sum" } }, auth["alice"]);
      const res = await httpJson(`${url}/groups/${group.id}/cancel`, { method: "POST", body: {}, headers: auth["alice"] });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { cancelled: 30, skipped: 0 });
      const after = (await get(group.id, auth["alice"])).group;
      assert.equal(after.status, "REVOKED");
      assert.equal(after.counts.revoked, 30);
      assert.equal(after.progress, 1);
      assert.equal(after.gather_task_id ?? "", "");
      const again = await httpJson(`${url}/groups/${group.id}/cancel`, { method: "POST", body: {}, headers: auth["alice"] });
      assert.deepEqual(again.body, { cancelled: 0, skipped: 30 });
    } finally {
      await stack.startWorker();
    }
  });

  it("retry requeues only the failed members; the gather runs again with every result", async () => {
    const members = Array.from({ length: 10 }, (_, i) => ({ x: i, y: 1, fail: i === 3 || i === 7 }));
    const submitted = await submit({ type: "test.groups.failIf", members, gather: { type: "test.groups.sum" } }, auth["alice"]);
    const failed = await waitDone(submitted.id, auth["alice"]);
    assert.equal(failed.status, "FAILURE");
    assert.deepEqual([failed.counts.success, failed.counts.failure], [8, 2]);
    const firstGather = await task(failed.gather_task_id, auth["alice"]);
    // 55 - (4 + 8): the failed members' results are null.
    assert.deepEqual(firstGather.result, { label: "", sum: 43, count: 10, failed: 2 });
    const page = await get(submitted.id, auth["alice"]);
    assert.deepEqual(page.members.filter((m: any) => m.status === "FAILURE").map((m: any) => [m.index, m.error.type]), [[3, "NonRetryableError"], [7, "NonRetryableError"]]);

    const res = await httpJson(`${url}/groups/${submitted.id}/retry`, { method: "POST", body: {}, headers: auth["alice"] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { retried: 2, skipped: 8 });
    const done = await waitUntil(
      async () => {
        const { group } = await get(submitted.id, auth["alice"], "?page_size=1");
        return group.status === "SUCCESS" && group.gather_task_id !== failed.gather_task_id && group.gather_status === "SUCCESS" && group;
      },
      { timeoutMs: 30_000, label: "the retried group and its second gather" },
    );
    assert.deepEqual((await task(done.gather_task_id, auth["alice"])).result, { label: "", sum: 55, count: 10, failed: 0 });
    // The members that had succeeded did not run again.
    const members1 = (await get(submitted.id, auth["alice"])).members;
    for (const m of members1) assert.equal((await task(m.task_id, auth["alice"])).attempts, m.index === 3 || m.index === 7 ? 2 : 1);
  });

  it("WatchGroup streams counts and progress over Connect and as SSE over REST, ending once the gather is final", async () => {
    const members = Array.from({ length: 200 }, (_, i) => ({ x: i, y: 0 }));
    const client = createClient(GroupService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    const token = auth["alice"]!;
    const group = await submit({ type: "test.main.add", members, gather: { type: "test.groups.sum" } }, token);
    const sse = fetch(`${url}/groups/${group.id}/events`, { headers: token }).then(async (res) => ({ status: res.status, type: res.headers.get("content-type"), text: await res.text() }));

    const progress: number[] = [];
    let last;
    for await (const event of client.watchGroup({ id: group.id }, { headers: token })) {
      progress.push(event.group!.progress);
      last = event.group!;
    }
    assert.ok(last);
    assert.equal(last.status, GroupStatus.SUCCESS);
    assert.equal(last.gatherStatus, TaskStatus.SUCCESS);
    assert.equal(last.counts?.success, 200);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), "progress never goes back");
    assert.equal(progress.at(-1), 1);

    const stream = await sse;
    assert.equal(stream.status, 200);
    assert.equal(stream.type, "text/event-stream");
    const frames = stream.text.split("\n\n").filter((f) => f.startsWith("event:"));
    const groups = frames.filter((f) => f.startsWith("event: group")).map((f) => JSON.parse(f.split("\ndata: ")[1]!));
    assert.ok(groups.length >= 1);
    assert.equal(groups.at(-1).status, "SUCCESS");
    assert.equal(groups.at(-1).gather_status, "SUCCESS");
    assert.equal(frames.at(-1), 'event: end\ndata: {"status":"SUCCESS"}');

    const missing = await fetch(`${url}/groups/${group.id}/events`, { headers: auth["bob"] });
    assert.equal(missing.status, 404);
    await missing.text();
  });

  it("the TypeScript client: groups.submit, get, watch, results, cancel, retry", async () => {
    const tasks = createTasksClient({ baseUrl: url, token: auth["alice"]!.authorization!.slice("Bearer ".length) });
    const members = Array.from({ length: 25 }, (_, i) => ({ x: i, y: i, fail: i === 5 }));
    const submitted = await tasks.groups.submit({ type: "test.groups.failIf", members, gather: { type: "test.groups.sum", args: { label: "client" } } });
    assert.equal(submitted.total, 25);
    assert.match(submitted.idempotencyKey, /^run-/, "the client gives every submit a key, so a retry never stores it twice");
    let last;
    for await (const g of tasks.groups.watch(submitted.id)) last = g;
    assert.deepEqual([last?.status, last?.gatherStatus, last?.counts.SUCCESS, last?.counts.FAILURE], ["FAILURE", "SUCCESS", 24, 1]);
    const all = [];
    for await (const m of tasks.groups.results(submitted.id, { pageSize: 10 })) all.push(m);
    assert.deepEqual(all.map((m) => m.index), Array.from({ length: 25 }, (_, i) => i));
    assert.equal(all[7]?.result, 14);
    assert.equal(all[5]?.status, "FAILURE");
    assert.equal(all[5]?.error?.type, "NonRetryableError");
    const page = await tasks.groups.get(submitted.id, { pageSize: 20 });
    assert.equal(page.members.length, 20);
    assert.ok(page.nextPageToken);
    assert.deepEqual(await tasks.groups.retry(submitted.id), { retried: 1, skipped: 24 });
    for await (const g of tasks.groups.watch(submitted.id)) last = g;
    assert.equal(last?.status, "SUCCESS");
    assert.deepEqual(await tasks.groups.cancel(submitted.id), { cancelled: 0, skipped: 25 });
    await assert.rejects(tasks.groups.get("00000000-0000-4000-8000-000000000000"), (e) => ConnectError.from(e).code === Code.NotFound);
    await assert.rejects(
      tasks.groups.submit({ type: "test.main.add", members: [{ x: 1 }] }),
      (e) => ConnectError.from(e).code === Code.InvalidArgument && argumentErrors(e)?.["members[0].y"] === "is required",
    );
  });

  it("the CLI: tstasks group submit, get, watch, results, cancel, retry, and its exit codes", async () => {
    const env = { TSTASKS_URL: url, TSTASKS_TOKEN: auth["bob"]!.authorization!.slice("Bearer ".length) };
    const lines = Array.from({ length: 12 }, (_, i) => JSON.stringify({ x: i, y: 1 })).join("\n");
    const submitted = await runTstasks(["group", "submit", "test.main.add", "--members", "-", "--gather", "test.groups.sum", "--gather-json", '{"label":"cli"}'], { env, stdin: lines });
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    const watched = await runTstasks(["group", "watch", id], { env });
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout.trim().split("\n").at(-1)!, /^SUCCESS 100\.0% of 12 .*success 12 .*gather \S+ SUCCESS$/);
    const shown = await runTstasks(["group", "get", id], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^id: /);
    assert.match(shown.stdout, /INDEX +TASK +STATUS +RESULT/);
    const results = await runTstasks(["group", "results", id], { env });
    assert.deepEqual(results.stdout.trim().split("\n").map((l) => JSON.parse(l).result), Array.from({ length: 12 }, (_, i) => i + 1));
    const retried = await runTstasks(["group", "retry", id, "--output", "json"], { env });
    assert.deepEqual(JSON.parse(retried.stdout), { retried: 0, skipped: 12 });
    const cancelled = await runTstasks(["group", "cancel", id], { env });
    assert.equal(cancelled.stdout.trim(), "cancelled 0, skipped 12");
    const inline = await runTstasks(["group", "submit", "test.groups.failIf", "-m", '{"x":1,"y":1,"fail":true}'], { env });
    assert.equal(inline.code, 0, inline.stderr);
    assert.equal((await runTstasks(["group", "watch", inline.stdout.trim()], { env })).code, 1, "a FAILURE group exits 1");
    assert.equal((await runTstasks(["group", "get", "00000000-0000-4000-8000-000000000000"], { env })).code, 3);
    const bad = await runTstasks(["group", "submit", "test.main.add", "-m", '{"x":"a","y":1}'], { env });
    assert.equal(bad.code, 4);
    assert.match(bad.stderr, /members\[0\]\.x/);
    assert.equal((await runTstasks(["group", "submit", "test.main.add"], { env })).code, 2);
  });
});
