import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { it } from "node:test";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { handlerContextForRequest } from "./handler-context-for-request.js";

const req = { method: "POST", url: "/task", headers: { host: "example.test", "x-a": "1" }, socket: {} } as unknown as IncomingMessage;
const init = (extra: { requestSignal?: AbortSignal; shutdownSignal?: AbortSignal } = {}) => ({
  service: TaskService,
  method: TaskService.method.submitTask,
  protocolName: "rest",
  url: "/task",
  ...extra,
});

it("carries the request as Connect's context would", () => {
  const ctx = handlerContextForRequest(req, init());
  assert.equal(ctx.requestMethod, "POST");
  assert.equal(ctx.url, "http://example.test/task");
  assert.equal(ctx.requestHeader.get("x-a"), "1");
  assert.equal(ctx.timeoutMs(), undefined);
  assert.equal(ctx.method, TaskService.method.submitTask);
  ctx.responseHeader.set("x-b", "2");
  assert.equal(ctx.responseHeader.get("x-b"), "2", "one response header object, kept");
});

it("a signal read before the end aborts with the end's reason, or the client's or the shutdown's", () => {
  const ended = handlerContextForRequest(req, init());
  const signal = ended.signal;
  assert.equal(signal.aborted, false);
  ended.abort("done");
  assert.equal(signal.reason, "done");

  const client = new AbortController();
  const shutdown = new AbortController();
  const ctx = handlerContextForRequest(req, init({ requestSignal: client.signal, shutdownSignal: shutdown.signal }));
  const s = ctx.signal;
  shutdown.abort("stopping");
  assert.equal(s.aborted, true);
  assert.equal(s.reason, "stopping");
  client.abort("gone");
  assert.equal(s.reason, "stopping", "the first reason stays");
});

it("a signal read after the end, or after a linked signal aborted, is aborted already", () => {
  const ctx = handlerContextForRequest(req, init());
  ctx.abort("over");
  assert.equal(ctx.signal.aborted, true);
  assert.equal(ctx.signal.reason, "over");

  const shutdown = new AbortController();
  shutdown.abort("stopping");
  const late = handlerContextForRequest(req, init({ shutdownSignal: shutdown.signal }));
  assert.equal(late.signal.aborted, true);
  assert.equal(late.signal.reason, "stopping");
});

it("after the end, a linked signal no longer reaches it", () => {
  const shutdown = new AbortController();
  const ctx = handlerContextForRequest(req, init({ shutdownSignal: shutdown.signal }));
  const s = ctx.signal;
  ctx.abort(new Error("finished"));
  shutdown.abort("stopping");
  assert.equal((s.reason as Error).message, "finished");
  // abort() without a reason gives the usual AbortError.
  const plain = handlerContextForRequest(req, init());
  const p = plain.signal;
  plain.abort();
  assert.equal((p.reason as DOMException).name, "AbortError");
});
