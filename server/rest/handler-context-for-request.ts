import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createHandlerContext, type ContextValues } from "@connectrpc/connect";
import { headersFromNode } from "./request-headers.js";

/** A Node request of either kind (HTTP/1 or the HTTP/2 compatibility API). */
type NodeRequest = IncomingMessage | Http2ServerRequest;

/** What {@link handlerContextForRequest} needs besides the request itself. */
export interface RequestContextInit {
  service: DescService;
  method: DescMethod;
  /** What the implementation sees as `ctx.protocolName` ("rest", "sse"). */
  protocolName: string;
  /** The request's path and query as received (`req.url`). */
  url: string;
  /** Aborted when the client goes away. */
  requestSignal: AbortSignal;
  /** Aborted on server shutdown. */
  shutdownSignal?: AbortSignal | undefined;
  /** Values for the context (the client address, a principal), built from the raw request. */
  contextValues?: ((req: NodeRequest) => ContextValues) | undefined;
}

/**
 * The Connect handler context for a service method called straight from a
 * Node request (REST, SSE), as a Connect handler would build it: the
 * request's verb (default GET), absolute URL, headers (pseudo-headers left
 * out) and context values; no timeout. The caller must `abort()` it when
 * the call ends, as Connect does, so work tied to `ctx.signal` stops.
 */
export function handlerContextForRequest(req: NodeRequest, init: RequestContextInit): ReturnType<typeof createHandlerContext> {
  return createHandlerContext({
    service: init.service,
    method: init.method,
    protocolName: init.protocolName,
    requestMethod: req.method ?? "GET",
    url: absoluteUrl(req, init.url),
    timeoutMs: undefined,
    shutdownSignal: init.shutdownSignal,
    requestSignal: init.requestSignal,
    requestHeader: headersFromNode(req.headers),
    contextValues: init.contextValues?.(req),
  });
}

/** `path` on the request's host (Host, else `:authority`), https when the socket is TLS. */
function absoluteUrl(req: NodeRequest, path: string): string {
  const host = req.headers.host ?? req.headers[":authority"] ?? "localhost";
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  return `${encrypted ? "https" : "http"}://${String(host)}${path}`;
}
