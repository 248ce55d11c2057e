import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

const ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "connect-protocol-version",
  "connect-timeout-ms",
  "grpc-timeout",
  "x-grpc-web",
  "x-user-agent",
  "idempotency-key",
].join(", ");
const EXPOSE_HEADERS = ["grpc-status", "grpc-message", "grpc-status-details-bin", "retry-after", "location"].join(", ");

/**
 * Applies CORS for the configured origins (`FRONTEND_URL`: a list, or `*`).
 * Returns true when it answered the request itself (a preflight).
 * With no origins configured it does nothing: browsers on other origins are refused.
 */
export function applyCors(
  origins: readonly string[],
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
): boolean {
  const origin = req.headers.origin;
  if (origins.length === 0 || typeof origin !== "string") return false;
  const any = origins.includes("*");
  if (!any && !origins.includes(origin)) return false;
  res.setHeader("access-control-allow-origin", any ? "*" : origin);
  if (!any) res.setHeader("vary", "origin");
  res.setHeader("access-control-expose-headers", EXPOSE_HEADERS);
  if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", ALLOW_HEADERS);
    res.setHeader("access-control-max-age", "7200");
    res.statusCode = 204;
    res.end();
    return true;
  }
  return false;
}
