import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createContextKey,
  createContextValues,
  type HandlerContext,
  type ServiceImpl,
} from "@connectrpc/connect";
import { ArgumentErrorsSchema, LogLevel, TaskSchema, TaskStatus, type Task } from "../../gen/tstasks/v1/task_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import {
  TaskService,
  type CancelTaskRequest,
  type GetTaskLogsRequest,
  type GetTaskRequest,
  type ListTasksRequest,
  type SubmitTaskRequest,
  type SubmitTasksRequest,
  type WatchTaskRequest,
} from "../../gen/tstasks/v1/task_service_pb.js";
import { createRestHandler } from "./rest-handler.js";

const callerKey = createContextKey<string>("anonymous", { description: "who called" });

/** A tiny in-memory TaskService: enough behaviour to exercise the transcoder. */
class MemoryTasks implements ServiceImpl<typeof TaskService> {
  readonly tasks = new Map<string, Task>();
  lastList: ListTasksRequest | undefined;
  lastContext: HandlerContext | undefined;
  private next = 1;

  submitTask(req: SubmitTaskRequest, ctx: HandlerContext) {
    this.lastContext = ctx;
    if (req.type === "boom") {
      throw new Error("secret database password leaked in this message");
    }
    if (req.type === "bad.args") {
      throw new ConnectError("arguments do not match the schema", Code.InvalidArgument, undefined, [
        { desc: ArgumentErrorsSchema, value: { errors: { a: "must be an integer", b: "is required" } } },
      ]);
    }
    const task = create(TaskSchema, {
      id: String(this.next++),
      type: req.type,
      status: TaskStatus.PENDING,
      args: req.args ?? {},
      queue: "tasks",
      createdAt: timestampNow(),
    });
    this.tasks.set(task.id, task);
    return { task };
  }

  /** Accepts every task but "bad.args", whose result is the error a single submit would throw. */
  submitTasks(req: SubmitTasksRequest, ctx: HandlerContext) {
    this.lastContext = ctx;
    return {
      results: req.tasks.map((t) =>
        t.type === "bad.args"
          ? { outcome: { case: "error" as const, value: { code: "invalid_argument", message: "no", errors: { a: "must be an integer" } } } }
          : { outcome: { case: "task" as const, value: this.submitTask(t, ctx).task } },
      ),
    };
  }

  getTask(req: GetTaskRequest, ctx: HandlerContext) {
    const task = this.tasks.get(req.id);
    if (task === undefined) {
      throw new ConnectError(`task ${req.id} not found`, Code.NotFound);
    }
    ctx.responseHeader.set("x-task-source", "memory");
    return { task };
  }

  async *watchTask(req: WatchTaskRequest) {
    const task = this.tasks.get(req.id);
    if (task === undefined) throw new ConnectError(`task ${req.id} not found`, Code.NotFound);
    yield { event: { case: "task" as const, value: task } };
  }

  getTaskLogs(req: GetTaskLogsRequest) {
    if (!this.tasks.has(req.id)) throw new ConnectError(`task ${req.id} not found`, Code.NotFound);
    const lines = [
      { seq: 7n, level: LogLevel.INFO, message: "first", attempt: 1 },
      { seq: 9n, level: LogLevel.WARN, message: "second", attempt: 1 },
    ];
    return { lines: lines.filter((l) => l.seq > req.afterSeq).slice(0, req.pageSize || 1000), truncated: false };
  }

  listTasks(req: ListTasksRequest) {
    this.lastList = req;
    const all = [...this.tasks.values()].filter((t) => req.status === TaskStatus.UNSPECIFIED || t.status === req.status);
    return { tasks: all.slice(0, req.pageSize || 50), nextPageToken: "" };
  }

  cancelTask(req: CancelTaskRequest) {
    const task = this.tasks.get(req.id);
    if (task === undefined) throw new ConnectError(`task ${req.id} not found`, Code.NotFound);
    if (task.status !== TaskStatus.PENDING) {
      throw new ConnectError("task already started", Code.FailedPrecondition);
    }
    task.status = TaskStatus.REVOKED;
    return { task };
  }

  retryTask(req: { id: string }) {
    const task = this.tasks.get(req.id);
    if (task === undefined) throw new ConnectError(`task ${req.id} not found`, Code.NotFound);
    task.status = TaskStatus.PENDING;
    return { task };
  }

  /** Bulk actions are the task service's (see test/e2e/bulk-actions.test.ts); here they only need to exist. */
  cancelTasks() {
    return { matched: 0, cancelled: 0, skipped: 0 };
  }

  retryTasks() {
    return { matched: 0, retried: 0, skipped: 0 };
  }

  listTaskTypes() {
    return {
      types: {
        "test.main.add": {
          name: "test.main.add",
          requireAuthorization: false,
          args: { type: "object" },
          queue: "tasks",
        },
      },
    };
  }
}

const system: ServiceImpl<typeof SystemService> = {
  ping: () => ({ status: "online" }),
  ready() {
    throw new ConnectError("queue down", Code.Unavailable, { "retry-after": "5" });
  },
};

describe("REST handler over a real HTTP server", () => {
  const tasks = new MemoryTasks();
  let server: http.Server;
  let base: string;

  before(async () => {
    const handler = createRestHandler({
      services: [
        { service: TaskService, impl: tasks },
        { service: SystemService, impl: system },
      ],
      // The server's mapper keeps ConnectErrors and hides everything else.
      mapError: (e) => (e instanceof ConnectError ? e : new ConnectError("internal error", Code.Internal)),
      maxBodyBytes: 1024,
      contextValues: (req) => createContextValues().set(callerKey, String(req.headers["x-caller"] ?? "anonymous")),
    });
    server = http.createServer((req, res) => handler(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });

  async function call(method: string, path: string, body?: string, headers?: Record<string, string>) {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body,
    });
    const text = await res.text();
    return { res, status: res.status, json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  }

  let firstId = "";

  it("POST /task submits with the JSON body and answers the bare task", async () => {
    const { res, status, json } = await call(
      "POST",
      "/task",
      JSON.stringify({ type: "test.main.add", args: { a: 1, b: 2 } }),
      { "x-caller": "alice" },
    );
    assert.equal(status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.ok(json !== undefined);
    assert.equal(json.type, "test.main.add");
    assert.equal(json.status, "PENDING");
    assert.deepEqual(json.args, { a: 1, b: 2 });
    assert.equal(typeof json.created_at, "string");
    assert.equal(json.attempts, 0, "zero values are emitted");
    assert.equal("createdAt" in json, false, "proto field names, not JSON names");
    firstId = String(json.id);
    const ctx = tasks.lastContext!;
    assert.equal(ctx.protocolName, "rest");
    assert.equal(ctx.requestMethod, "POST");
    assert.equal(ctx.method.name, "SubmitTask");
    assert.equal(ctx.requestHeader.get("x-caller"), "alice");
    assert.equal(ctx.values.get(callerKey), "alice");
    assert.ok(ctx.url.endsWith("/task"));
    assert.equal(ctx.signal.aborted, true, "the context signal is aborted once the call is done");
  });

  it("POST /task:batch reaches SubmitTasks (not SubmitTask) and answers the whole response, oneofs by field name", async () => {
    const body = JSON.stringify({ tasks: [{ type: "test.main.add", args: { a: 1 } }, { type: "bad.args" }] });
    const { status, json } = await call("POST", "/task:batch", body);
    assert.equal(status, 200);
    assert.equal(tasks.lastContext?.method.name, "SubmitTasks");
    const results = json?.results as Record<string, Record<string, unknown>>[];
    assert.equal(results.length, 2);
    assert.equal(results[0]?.task?.type, "test.main.add");
    assert.equal(results[0]?.task?.status, "PENDING", "enums inside list items lose their prefix too");
    assert.deepEqual(results[0]?.task?.args, { a: 1 });
    assert.equal("error" in results[0]!, false, "only the oneof case that is set");
    assert.deepEqual(results[1], { error: { code: "invalid_argument", message: "no", errors: { a: "must be an integer" } } });

    const wrongVerb = await call("GET", "/task:batch");
    assert.equal(wrongVerb.status, 405);
    assert.equal(wrongVerb.res.headers.get("allow"), "POST");
    // "/task" and "/task/{id}" must not swallow the verb path, nor it theirs.
    const single = await call("POST", "/task", JSON.stringify({ type: "test.main.add" }));
    assert.equal(single.status, 200);
    assert.equal(tasks.lastContext?.method.name, "SubmitTask");
    assert.equal((await call("POST", "/task:other", "{}")).status, 404);
  });

  it("GET /task/{id} answers the response_body field and copies response headers", async () => {
    const { res, status, json } = await call("GET", `/task/${firstId}`);
    assert.equal(status, 200);
    assert.equal(res.headers.get("x-task-source"), "memory");
    assert.equal(json?.id, firstId);
    assert.equal(json?.status, "PENDING");
    assert.equal("task" in (json ?? {}), false);
  });

  it("GET /task/{id}/logs renders int64 seq as a string and levels without prefix; query fields reach the request", async () => {
    const all = await call("GET", `/task/${firstId}/logs`);
    assert.equal(all.status, 200);
    assert.deepEqual(all.json, {
      lines: [
        { seq: "7", level: "INFO", message: "first", attempt: 1 },
        { seq: "9", level: "WARN", message: "second", attempt: 1 },
      ],
      truncated: false,
    });
    const after = await call("GET", `/task/${firstId}/logs?after_seq=7&page_size=5`);
    assert.deepEqual((after.json?.lines as { seq: string }[]).map((l) => l.seq), ["9"]);
  });

  it("the streaming WatchTask has no REST route (the SSE route in server/http serves it)", async () => {
    const { status, json } = await call("GET", `/task/${firstId}/events`);
    assert.equal(status, 404);
    assert.equal(json?.code, "not_found");
  });

  it("GET /task?status=SUCCESS&page_size=2 coerces query parameters", async () => {
    tasks.tasks.set("s1", create(TaskSchema, { id: "s1", type: "x", status: TaskStatus.SUCCESS, result: { kind: { case: "numberValue", value: 3 } } }));
    tasks.tasks.set("s2", create(TaskSchema, { id: "s2", type: "x", status: TaskStatus.SUCCESS }));
    tasks.tasks.set("s3", create(TaskSchema, { id: "s3", type: "x", status: TaskStatus.SUCCESS }));
    const { status, json } = await call("GET", "/task?status=success&page_size=2");
    assert.equal(status, 200);
    assert.equal(tasks.lastList?.status, TaskStatus.SUCCESS);
    assert.equal(tasks.lastList?.pageSize, 2);
    const list = json?.tasks as Record<string, unknown>[];
    assert.equal(list.length, 2);
    assert.deepEqual(
      list.map((t) => t.status),
      ["SUCCESS", "SUCCESS"],
    );
    assert.equal(list[0]?.result, 3);
    assert.equal(json?.next_page_token, "");
  });

  it("GET /task rejects an unknown query parameter", async () => {
    const { status, json } = await call("GET", "/task?colour=red");
    assert.equal(status, 400);
    assert.equal(json?.code, "invalid_argument");
    assert.match(String(json?.message), /colour/);
  });

  it("GET /tasks answers a map response_body", async () => {
    const { status, json } = await call("GET", "/tasks");
    assert.equal(status, 200);
    assert.deepEqual(json, {
      "test.main.add": {
        name: "test.main.add",
        require_authorization: false,
        args: { type: "object" },
        queue: "tasks",
        description: "",
        pack: "",
        pack_version: "",
        priority: 0,
      },
    });
  });

  it("GET /ping and a trailing slash", async () => {
    assert.deepEqual((await call("GET", "/ping")).json, { status: "online" });
    assert.deepEqual((await call("GET", "/ping/")).json, { status: "online" });
  });

  it("404 for an unknown path", async () => {
    const { status, json } = await call("GET", "/x?y=1");
    assert.equal(status, 404);
    assert.deepEqual(json, { code: "not_found", message: "no route for GET /x" });
  });

  it("404 from the implementation keeps its message", async () => {
    const { status, json } = await call("GET", "/task/nope");
    assert.equal(status, 404);
    assert.deepEqual(json, { code: "not_found", message: "task nope not found" });
  });

  it("405 with Allow for a known path and the wrong verb", async () => {
    const { res, status, json } = await call("POST", "/ping", "{}");
    assert.equal(status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
    assert.deepEqual(json, { code: "unimplemented", message: "method POST not allowed for /ping" });
  });

  it("400 for a body that is not JSON", async () => {
    const { status, json } = await call("POST", "/task", "{nope");
    assert.equal(status, 400);
    assert.equal(json?.code, "invalid_argument");
    assert.match(String(json?.message), /^request body is not valid JSON: \S/);
  });

  it("400 naming the field for a value of the wrong type", async () => {
    const args = await call("POST", "/task", JSON.stringify({ type: "x", args: "str" }));
    assert.equal(args.status, 400);
    assert.equal(args.json?.code, "invalid_argument");
    assert.match(String(args.json?.message), /"args"/);
    const type = await call("POST", "/task", JSON.stringify({ type: 5 }));
    assert.equal(type.status, 400);
    assert.match(String(type.json?.message), /type/);
  });

  it("415 for a non-JSON content type; an empty body is {}", async () => {
    const res = await fetch(base + "/task", { method: "POST", headers: { "content-type": "text/plain" }, body: "a=1" });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { code: string }).code, "invalid_argument");
    const empty = await fetch(base + "/task", { method: "POST" });
    assert.equal(empty.status, 200);
    assert.equal(((await empty.json()) as { type: string }).type, "");
  });

  it("413 for a body over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ type: "x", args: { pad: "x".repeat(4096) } });
    const declared = await call("POST", "/task", big);
    assert.equal(declared.status, 413);
    assert.deepEqual(declared.json, { code: "resource_exhausted", message: "request body exceeds 1024 bytes" });

    // Chunked, no content-length: the limit is enforced while reading.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(base + "/task", { method: "POST", headers: { "content-type": "application/json" } });
      req.on("response", (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 8; i++) req.write(big.slice(i * 600, (i + 1) * 600));
      req.end();
    });
    assert.equal(streamed.status, 413);
    assert.deepEqual(JSON.parse(streamed.body), { code: "resource_exhausted", message: "request body exceeds 1024 bytes" });
  });

  it("flattens an ArgumentErrors detail into errors", async () => {
    const { status, json } = await call("POST", "/task", JSON.stringify({ type: "bad.args" }));
    assert.equal(status, 400);
    assert.deepEqual(json, {
      code: "invalid_argument",
      message: "arguments do not match the schema",
      errors: { a: "must be an integer", b: "is required" },
    });
  });

  it("a plain Error becomes 500 internal without its message", async () => {
    const { status, json } = await call("POST", "/task", JSON.stringify({ type: "boom" }));
    assert.equal(status, 500);
    assert.deepEqual(json, { code: "internal", message: "internal error" });
  });

  it("failed_precondition is 409 and path variables reach the request", async () => {
    const first = await call("POST", `/task/${firstId}/cancel`, "");
    assert.equal(first.status, 200);
    assert.equal(first.json?.status, "REVOKED");
    const again = await call("POST", `/task/${firstId}/cancel`, "{}");
    assert.equal(again.status, 409);
    assert.deepEqual(again.json, { code: "failed_precondition", message: "task already started" });
  });

  it("copies error metadata such as Retry-After", async () => {
    const { res, status, json } = await call("GET", "/ready");
    assert.equal(status, 503);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.deepEqual(json, { code: "unavailable", message: "queue down" });
  });
});
