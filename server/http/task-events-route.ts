import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { TaskLogLineSchema, TaskProgressSchema, TaskSchema } from "../../gen/tstasks/v1/task_pb.js";
import {
  TaskService,
  WatchTaskRequestSchema,
  WatchTaskResponseSchema,
  type WatchTaskRequest,
} from "../../gen/tstasks/v1/task_service_pb.js";
import { isFinalStatus } from "../../core/task/task-status.js";
import { restErrorBody, writeError } from "../rest/error-response.js";
import { handlerContextForRequest } from "../rest/handler-context-for-request.js";
import { HttpError } from "../rest/http-error.js";
import type { ResponseSink } from "../rest/json-response.js";
import { restJson } from "../rest/response-json.js";
import { statusFromProto } from "../routes/task-to-proto.js";
import { SSE_KEEPALIVE, sseFrame } from "./sse-frame.js";

/** The WatchTask implementation the route streams (the error-mapped service method). */
export type WatchTaskMethod = (
  req: WatchTaskRequest,
  ctx: HandlerContext,
) => AsyncIterable<MessageInitShape<typeof WatchTaskResponseSchema>>;

/** Options of {@link createTaskEventsRoute}. */
export interface TaskEventsRouteOptions {
  /** The service's `watchTask`: it checks the caller, the id and ownership, as over Connect. */
  watch: WatchTaskMethod;
  /** The server's one error mapper (errors before the stream starts become JSON errors). */
  mapError: (thrown: unknown) => ConnectError;
  /** Values for the handler context (the client address), built from the raw request. */
  contextValues?: (req: IncomingMessage | Http2ServerRequest) => ContextValues;
  /** Aborted on server shutdown: open streams end (without `end`, so EventSource clients reconnect). */
  shutdownSignal?: AbortSignal;
  /** Comment lines this often while the stream is open, in ms. Default 15000. */
  keepaliveMs?: number;
}

/** Answers the request and returns true when it is for this route; returns false (untouched) otherwise. */
export type MaybeHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => boolean;

/** What the route writes to: both Node response kinds satisfy it. */
interface StreamSink extends ResponseSink {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
  readonly writableEnded: boolean;
  flushHeaders?(): void;
}

const PATH = /^\/task\/([^/]+)\/events$/;

/**
 * `GET /task/{id}/events`: the WatchTask stream as Server-Sent Events, for
 * curl and browsers (the REST transcoder serves unary methods only).
 *
 * Before the stream starts, failures are the REST API's JSON errors with
 * their status (404 unknown or not yours, 401 bad token, 400 empty id);
 * other verbs get 405. Then `200 text/event-stream` with, in order:
 * `event: task` (data: the task JSON exactly as `GET /task/{id}` renders
 * it), `event: progress` (`{"fraction","message","attempt"}`), `event: log`
 * (one line as `GET /task/{id}/logs` renders it, with `id: <seq>`), a
 * `: keepalive` comment every `keepaliveMs`, and after the final task
 * `event: end` (data `{"status"}`) and the end of the response. EventSource
 * clients must close on `end`, or they reconnect. A reconnect's
 * `Last-Event-ID` (the last log line's seq) skips the lines already seen.
 * A failure mid-stream is `event: error` with the JSON error body, then the
 * end of the response.
 */
export function createTaskEventsRoute(options: TaskEventsRouteOptions): MaybeHandler {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const match = PATH.exec(path);
    if (!match) return false;
    const sink = res as unknown as StreamSink;
    if (req.method !== "GET") {
      writeError(sink, new HttpError(405, Code.Unimplemented, `method ${req.method ?? ""} not allowed for ${path}`, { allow: "GET" }));
      return true;
    }
    stream(options, req, sink, decodeSegment(match[1]!), url).catch(() => {
      // Only a bug gets here (every known failure is answered inside); never leave the client hanging.
      if (!sink.headersSent) writeError(sink, new ConnectError("internal error", Code.Internal));
      else if (!sink.writableEnded) sink.end();
    });
    return true;
  };
}

async function stream(options: TaskEventsRouteOptions, req: IncomingMessage | Http2ServerRequest, sink: StreamSink, id: string, url: string): Promise<void> {
  let closed = false;
  const requestAbort = new AbortController();
  sink.once("close", () => {
    closed = true;
    requestAbort.abort(new ConnectError("client went away", Code.Canceled));
  });
  // requestMethod is GET: other verbs were answered 405 before the stream.
  const ctx = handlerContextForRequest(req, {
    service: TaskService,
    method: TaskService.method.watchTask,
    protocolName: "sse",
    url,
    shutdownSignal: options.shutdownSignal,
    requestSignal: requestAbort.signal,
    contextValues: options.contextValues,
  });
  const lastEventId = req.headers["last-event-id"];
  const seenUpTo = typeof lastEventId === "string" && /^\d{1,15}$/.test(lastEventId) ? BigInt(lastEventId) : 0n;

  const events = options.watch(create(WatchTaskRequestSchema, { id }), ctx)[Symbol.asyncIterator]();
  let next: IteratorResult<MessageInitShape<typeof WatchTaskResponseSchema>>;
  try {
    // The first event (the task) proves the id, the token and ownership are fine.
    next = await events.next();
  } catch (e) {
    writeError(sink, options.mapError(e), ctx.responseHeader);
    ctx.abort();
    return;
  }

  const send = async (text: string): Promise<void> => {
    if (closed || sink.write(text)) return;
    // A slow reader: wait for the buffer to drain, which also slows the watch down.
    await new Promise<void>((resolve) => {
      const done = (): void => {
        sink.off("drain", done);
        sink.off("close", done);
        resolve();
      };
      sink.once("drain", done);
      sink.once("close", done);
    });
  };

  sink.statusCode = 200;
  sink.setHeader("content-type", "text/event-stream");
  sink.setHeader("cache-control", "no-cache");
  // Reverse proxies (nginx) must pass events on as they come, not buffer them.
  sink.setHeader("x-accel-buffering", "no");
  sink.flushHeaders?.();
  const keepalive = setInterval(() => void send(SSE_KEEPALIVE), options.keepaliveMs ?? 15_000);
  keepalive.unref();

  let finalStatus: string | undefined;
  try {
    for (; !next.done && !closed; next = await events.next()) {
      const event = create(WatchTaskResponseSchema, next.value).event;
      switch (event.case) {
        case "task": {
          const status = statusFromProto(event.value.status);
          if (status !== undefined && isFinalStatus(status)) finalStatus = status;
          await send(sseFrame("task", restJson(TaskSchema, event.value)));
          break;
        }
        case "progress":
          await send(sseFrame("progress", restJson(TaskProgressSchema, event.value)));
          break;
        case "log":
          if (event.value.seq > seenUpTo) await send(sseFrame("log", restJson(TaskLogLineSchema, event.value), String(event.value.seq)));
          break;
      }
    }
    if (finalStatus !== undefined) await send(sseFrame("end", { status: finalStatus }));
  } catch (e) {
    await send(sseFrame("error", restErrorBody(options.mapError(e))));
  } finally {
    clearInterval(keepalive);
    // Ends the watch (and its subscription) when we stopped early.
    await events.return?.(undefined);
    ctx.abort();
    if (!closed && !sink.writableEnded) sink.end();
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
