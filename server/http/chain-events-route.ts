import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import {
  ChainSchema,
  ChainService,
  ChainStatus,
  WatchChainRequestSchema,
  WatchChainResponseSchema,
  type WatchChainRequest,
} from "../../gen/tstasks/v1/chain_service_pb.js";
import { restErrorBody, writeError } from "../rest/error-response.js";
import { handlerContextForRequest } from "../rest/handler-context-for-request.js";
import { HttpError } from "../rest/http-error.js";
import type { ResponseSink } from "../rest/json-response.js";
import { restJson } from "../rest/response-json.js";
import { SSE_KEEPALIVE, sseFrame } from "./sse-frame.js";
import type { MaybeHandler } from "./task-events-route.js";

/** The WatchChain implementation the route streams (the error-mapped service method). */
export type WatchChainMethod = (req: WatchChainRequest, ctx: HandlerContext) => AsyncIterable<MessageInitShape<typeof WatchChainResponseSchema>>;

/** Options of {@link createChainEventsRoute}. */
export interface ChainEventsRouteOptions {
  /** The service's `watchChain`: it checks the caller, the id and ownership, as over Connect. */
  watch: WatchChainMethod;
  /** The server's one error mapper (errors before the stream starts become JSON errors). */
  mapError: (thrown: unknown) => ConnectError;
  /** Values for the handler context (the client address), built from the raw request. */
  contextValues?: (req: IncomingMessage | Http2ServerRequest) => ContextValues;
  /** Aborted on server shutdown: open streams end (without `end`, so EventSource clients reconnect). */
  shutdownSignal?: AbortSignal;
  /** Comment lines this often while the stream is open, in ms. Default 15000. */
  keepaliveMs?: number;
}

/** What the route writes to: both Node response kinds satisfy it. */
interface StreamSink extends ResponseSink {
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  once(event: "close", listener: () => void): unknown;
  readonly writableEnded: boolean;
  flushHeaders?(): void;
}

const PATH = /^\/chains\/([^/]+)\/events$/;

/**
 * `GET /chains/{id}/events`: the WatchChain stream as Server-Sent Events
 * (the REST transcoder serves unary methods only), like `/task/{id}/events`.
 *
 * Before the stream starts, failures are the REST API's JSON errors with
 * their status (404 unknown or not yours, 401 bad token, 400 empty id);
 * other verbs get 405. Then `200 text/event-stream` with `event: chain`
 * (data: the chain JSON exactly as `GET /chains/{id}` renders it) each time
 * it changes, a `: keepalive` comment every `keepaliveMs`, and after the
 * final chain `event: end` (data `{"status"}`) and the end of the response.
 * A failure mid-stream is `event: error` with the JSON error body.
 */
export function createChainEventsRoute(options: ChainEventsRouteOptions): MaybeHandler {
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
      if (!sink.headersSent) writeError(sink, new ConnectError("internal error", Code.Internal));
      else if (!sink.writableEnded) sink.end();
    });
    return true;
  };
}

async function stream(options: ChainEventsRouteOptions, req: IncomingMessage | Http2ServerRequest, sink: StreamSink, id: string, url: string): Promise<void> {
  let closed = false;
  const requestAbort = new AbortController();
  sink.once("close", () => {
    closed = true;
    requestAbort.abort(new ConnectError("client went away", Code.Canceled));
  });
  const ctx = handlerContextForRequest(req, {
    service: ChainService,
    method: ChainService.method.watchChain,
    protocolName: "sse",
    url,
    shutdownSignal: options.shutdownSignal,
    requestSignal: requestAbort.signal,
    contextValues: options.contextValues,
  });
  const events = options.watch(create(WatchChainRequestSchema, { id }), ctx)[Symbol.asyncIterator]();
  let next: IteratorResult<MessageInitShape<typeof WatchChainResponseSchema>>;
  try {
    // The first message (the chain) proves the id, the token and ownership are fine.
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
  // Chain events are small and few (one per step change): no backpressure wait, unlike task logs.
  const send = (text: string): void => {
    if (!closed) sink.write(text);
  };
  const keepalive = setInterval(() => send(SSE_KEEPALIVE), options.keepaliveMs ?? 15_000);
  keepalive.unref();
  let finalStatus: string | undefined;
  try {
    for (; !next.done && !closed; next = await events.next()) {
      const chain = create(WatchChainResponseSchema, next.value).chain ?? create(ChainSchema);
      const json = restJson(ChainSchema, chain) as { status?: string };
      if (chain.status !== ChainStatus.RUNNING && chain.status !== ChainStatus.UNSPECIFIED) finalStatus = json.status;
      send(sseFrame("chain", json));
    }
    if (finalStatus !== undefined) send(sseFrame("end", { status: finalStatus }));
  } catch (e) {
    send(sseFrame("error", restErrorBody(options.mapError(e))));
  } finally {
    clearInterval(keepalive);
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
