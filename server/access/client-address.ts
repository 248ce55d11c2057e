import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { createContextValues, type ContextValues } from "@connectrpc/connect";
import { kClientAddress } from "./caller.js";

/**
 * Context values for one request: the client's address (the socket's peer;
 * a proxy in front should be configured to pass it on, which is not read here
 * so that clients cannot spoof it with a header).
 */
export function contextValuesFor(req: IncomingMessage | Http2ServerRequest): ContextValues {
  return createContextValues().set(kClientAddress, req.socket?.remoteAddress ?? "unknown");
}
