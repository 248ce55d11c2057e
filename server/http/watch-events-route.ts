import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { create, type DescMessage, type DescMethodServerStreaming, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import { restErrorBody, writeError } from "../rest/error-response.js";
import { handlerContextForRequest } from "../rest/handler-context-for-request.js";
import { HttpError } from "../rest/http-error.js";
import type { ResponseSink } from "../rest/json-response.js";
import { SSE_KEEPALIVE, sseFrame } from "./sse-frame.js";
import type { MaybeHandler } from "./task-events-route.js";

/** What the route's owner passes through from the server (see server.ts). */
export interface WatchEventsServerOptions<I extends DescMessage, O extends DescMessage> {
  /** The service's watch method, error-mapped: it checks the caller, the id and ownership, as over Connect. */
  watch: (req: MessageShape<I>, ctx: HandlerContext) => AsyncIterable<MessageInitShape<O>>;
  /** The server's one error mapper (errors before the stream starts become JSON errors). */
  mapError: (thrown: unknown) => ConnectError;
  /** Values for the handler context (the client address), built from the raw request. */
  contextValues?: (req: IncomingMessage | Http2ServerRequest) => ContextValues;
  /** Aborted on server shutdown: open streams end (without `end`, so EventSource clients reconnect). */
  shutdownSignal?: AbortSignal;
  /** Comment lines this often while the stream is open, in ms. Default 15000. */
  keepaliveMs?: number;
}

/** One stream message as an SSE frame, and the final status once the watched thing is final. */
export interface WatchEventFrame {
  event: string;
  data: unknown;
  /** The status `event: end` names; undefined while it is not final. */
  finalStatus?: string;
}

/** Options of {@link createWatchEventsRoute}. */
export interface WatchEventsRouteOptions<I extends DescMessage, O extends DescMessage> extends WatchEventsServerOptions<I, O> {
  /** The path, with the id as its one capture group, e.g. `/^\/groups\/([^/]+)\/events$/`. */
  path: RegExp;
  /** The streaming method served (its request message has an `id` field). */
  method: DescMethodServerStreaming<I, O>;
  /** Renders one stream message. */
  frame: (message: MessageShape<O>) => WatchEventFrame;
}

/** What the route writes to: both Node response kinds satisfy it. */
interface StreamSink extends ResponseSink {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: "close", listener: () => void): unknown;
  readonly writableEnded: boolean;
  flushHeaders?(): void;
}

/**
 * `GET <path>`: a watch method that streams a few small messages per change
 * (WatchGroup, WatchChain) as Server-Sent Events, since the REST transcoder
 * serves unary methods only. Before the stream starts, failures are the REST
 * API's JSON errors with their status (404 unknown or not yours, 401 bad
 * token, 400 empty id); other verbs get 405. Then `200 text/event-stream`
 * with one frame per message, a `: keepalive` comment every `keepaliveMs`,
 * and, when the stream ends after a final message, `event: end` (data
 * `{"status"}`) and the end of the response. A failure mid-stream is
 * `event: error` with the JSON error body. Messages are written without
 * waiting for the socket to drain: they are few and small (WatchTask, whose
 * log lines are not, has its own route).
 */
export function createWatchEventsRoute<I extends DescMessage, O extends DescMessage>(options: WatchEventsRouteOptions<I, O>): MaybeHandler {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const match = options.path.exec(path);
    if (!match) return false;
    const sink = res as unknown as StreamSink;
    if (req.method !== "GET") {
      writeError(sink, new HttpError(405, Code.Unimplemented, `method ${req.method ?? ""} not allowed for ${path}`, { allow: "GET" }));
      return true;
    }
    stream(options, req, sink, decodeSegment(match[1]!), url).catch(() => {
      if (!sink.headersSent) writeError(sink, new ConnectError("internal error", Code.Internal));
      else if (!sink.writableEnded) sink.end();
    });
    return true;
  };
}

/** A percent-encoded path segment; one that is not valid encoding is looked up as is (and not found). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function stream<I extends DescMessage, O extends DescMessage>(
  options: WatchEventsRouteOptions<I, O>,
  req: IncomingMessage | Http2ServerRequest,
  sink: StreamSink,
  id: string,
  url: string,
): Promise<void> {
  let closed = false;
  const requestAbort = new AbortController();
  sink.once("close", () => {
    closed = true;
    requestAbort.abort(new ConnectError("client went away", Code.Canceled));
  });
  const ctx = handlerContextForRequest(req, {
    service: options.method.parent,
    method: options.method,
    protocolName: "sse",
    url,
    shutdownSignal: options.shutdownSignal,
    requestSignal: requestAbort.signal,
    contextValues: options.contextValues,
  });
  // Every method served here takes `{ id }` (see `method` in the options).
  const request = create(options.method.input, { id } as unknown as MessageInitShape<I>);
  const events = options.watch(request, ctx)[Symbol.asyncIterator]();
  let next: IteratorResult<MessageInitShape<O>>;
  try {
    // The first message proves the id, the token and ownership are fine.
    next = await events.next();
  } catch (e) {
    writeError(sink, options.mapError(e), ctx.responseHeader);
    ctx.abort();
    return;
  }
  sink.statusCode = 200;
  sink.setHeader("content-type", "text/event-stream");
  sink.setHeader("cache-control", "no-cache");
  sink.setHeader("x-accel-buffering", "no");
  sink.flushHeaders?.();
  const send = (text: string): void => {
    if (!closed) sink.write(text);
  };
  const keepalive = setInterval(() => send(SSE_KEEPALIVE), options.keepaliveMs ?? 15_000);
  keepalive.unref();
  let finalStatus: string | undefined;
  try {
    for (; !next.done && !closed; next = await events.next()) {
      const frame = options.frame(create(options.method.output, next.value));
      finalStatus = frame.finalStatus;
      send(sseFrame(frame.event, frame.data));
    }
    // The watch ends by itself only once the watched thing is final.
    if (next.done && finalStatus !== undefined) send(sseFrame("end", { status: finalStatus }));
  } catch (e) {
    send(sseFrame("error", restErrorBody(options.mapError(e))));
  } finally {
    clearInterval(keepalive);
    await events.return?.(undefined);
    ctx.abort();
    if (!closed && !sink.writableEnded) sink.end();
  }
}
