import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventSource } from "eventsource";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

const ORIGIN = "http://app.example";

/** One event an EventSource dispatched. */
interface Received {
  type: string;
  data: any;
  lastEventId: string;
}

/** How an EventSource session ended: after `end` (closed by us), or on a connection error. */
interface Session {
  events: Received[];
  /** HTTP status of a failed connection (the client closes itself on a non-200). */
  errorCode?: number;
}

/**
 * Opens `GET /task/{id}/events` with the real `eventsource` client, sending
 * `headers` through its custom fetch, and closes it on `end` as clients must.
 */
function readEvents(url: string, headers: Record<string, string> = {}): Promise<Session> {
  return new Promise((resolve, reject) => {
    const events: Received[] = [];
    const es = new EventSource(url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
    });
    const timer = setTimeout(() => {
      es.close();
      reject(new Error(`no end after 20 s; got ${JSON.stringify(events.map((e) => e.type))}`));
    }, 20_000);
    const record = (type: string) => (e: MessageEvent) => events.push({ type, data: JSON.parse(e.data as string), lastEventId: e.lastEventId });
    for (const type of ["task", "progress", "log"]) es.addEventListener(type, record(type));
    es.addEventListener("end", (e) => {
      record("end")(e);
      es.close();
      clearTimeout(timer);
      resolve({ events });
    });
    es.addEventListener("error", (e) => {
      if ("data" in e) {
        record("error")(e as MessageEvent);
        return;
      }
      // A connection error: the client gives up on a non-200 answer and reports its status.
      es.close();
      clearTimeout(timer);
      resolve({ events, errorCode: (e as { code?: number }).code });
    });
  });
}

for (const backend of BACKENDS) describe(`GET /task/{id}/events as Server-Sent Events [${backend}]`, () => {
  let stack: Stack;
  let url: string;
  before(async () => {
    stack = await startStack({ backend, corsOrigins: [ORIGIN] });
    url = stack.baseUrl;
  });
  after(() => stack.stop());

  it("an EventSource gets the task, progress and log lines of demo.main.pi, the final task, then end", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "demo.main.pi", args: { samples: 100_000, chunks: 4, pauseMs: 150 }, delay_ms: 1000 } });
    assert.equal(submit.status, 200, submit.text);
    const { events, errorCode } = await readEvents(`${url}/task/${submit.body.id}/events`);
    assert.equal(errorCode, undefined);
    const types = events.map((e) => e.type);
    assert.equal(types[0], "task", "the snapshot first");
    assert.deepEqual(types.slice(-2), ["task", "end"]);
    assert.equal(types.filter((t) => t === "end").length, 1);

    const final = events.at(-2)!.data;
    assert.equal(final.status, "SUCCESS");
    assert.equal(final.progress, 1);
    assert.deepEqual(events.at(-1)!.data, { status: "SUCCESS" });
    // Exactly as GET /task/{id} renders it.
    assert.deepEqual(final, (await httpJson(`${url}/task/${submit.body.id}`)).body);
    for (const e of events.filter((e) => e.type === "task").slice(0, -1)) assert.ok(["PENDING", "STARTED"].includes(e.data.status));

    const logs = events.filter((e) => e.type === "log");
    assert.deepEqual(
      logs.map((e) => e.data.message.split(":")[0]),
      ["chunk 1/4", "chunk 2/4", "chunk 3/4", "chunk 4/4"],
    );
    for (const e of logs) {
      assert.deepEqual(Object.keys(e.data).sort(), ["attempt", "level", "message", "seq", "time"]);
      assert.equal(e.data.level, "INFO");
      assert.equal(e.data.attempt, 1);
      assert.equal(e.lastEventId, e.data.seq, "a log line's id is its seq");
    }
    const progress = events.filter((e) => e.type === "progress");
    assert.ok(progress.length >= 1);
    for (const e of progress) {
      assert.deepEqual(Object.keys(e.data).sort(), ["attempt", "fraction", "message"]);
      assert.ok(e.data.fraction > 0 && e.data.fraction <= 1);
    }
  });

  it("the raw stream: headers, CORS and the frames of a task that is final already", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 } } });
    const done = await waitForFinal(url, submit.body.id);
    const res = await fetch(`${url}/task/${submit.body.id}/events`, { headers: { origin: ORIGIN } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(res.headers.get("access-control-allow-origin"), ORIGIN);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await res.text(), `event: task\ndata: ${JSON.stringify(done)}\n\nevent: end\ndata: {"status":"SUCCESS"}\n\n`);
  });

  it("errors before the stream are JSON with their status: 404 unknown or not yours, 401 bad token, 405 other verbs", async () => {
    for (const id of ["5861c3a8-fa0f-4b84-9e54-04b545408114", "nope"]) {
      const res = await httpJson(`${url}/task/${id}/events`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { code: "not_found", message: `task ${id} not found` });
    }
    const session = await readEvents(`${url}/task/5861c3a8-fa0f-4b84-9e54-04b545408114/events`);
    assert.equal(session.errorCode, 404, "EventSource reports the status and stops");
    assert.deepEqual(session.events, []);

    const alice = { authorization: `Bearer ${(await stack.tokens.issue({ name: "alice", allowedTasks: {}, roles: [] })).token}` };
    const bob = { authorization: `Bearer ${(await stack.tokens.issue({ name: "bob", allowedTasks: {}, roles: [] })).token}` };
    const owned = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 2, y: 3 } }, headers: alice });
    const path = `${url}/task/${owned.body.id}/events`;
    assert.equal((await httpJson(path, { headers: bob })).status, 404);
    assert.equal((await httpJson(path)).status, 404, "anonymous callers cannot watch an owned task");
    const bad = await httpJson(path, { headers: { authorization: "Bearer garbage" } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, "unauthenticated");
    const post = await httpJson(path, { method: "POST", body: {} });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");

    const mine = await readEvents(path, alice);
    assert.equal(mine.errorCode, undefined);
    assert.equal(mine.events.at(-2)!.data.result, 5);
  });

  it("a reconnect with Last-Event-ID skips the log lines already seen", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "demo.main.pi", args: { samples: 1000, chunks: 4, pauseMs: 500 } } });
    const id = submit.body.id;
    let first: string | undefined;
    for (let i = 0; i < 200 && first === undefined; i++) {
      first = (await httpJson(`${url}/task/${id}/logs`)).body.lines[0]?.seq;
      if (first === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(first, "the first line was stored");
    const { events } = await readEvents(`${url}/task/${id}/events`, { "last-event-id": first });
    const messages = events.filter((e) => e.type === "log").map((e) => e.data.message.split(":")[0]);
    assert.deepEqual(messages, ["chunk 2/4", "chunk 3/4", "chunk 4/4"]);
    assert.equal(events.at(-1)!.type, "end");
  });
});
