import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

/** The path both the server and a worker's health port serve metrics at. */
export const METRICS_PATH = "/metrics";

/** Options of {@link answerMetrics}. */
export interface MetricsEndpointOptions {
  registry: Registry;
  /**
   * When set (`METRICS_TOKEN`), a scrape must send `Authorization: Bearer
   * <token>`; otherwise 401. Undefined: open, like `/ping`.
   */
  token?: string;
}

/**
 * Answers a request for {@link METRICS_PATH}: `GET` (and `HEAD`) get the
 * registry in Prometheus text format with the registry's content type and
 * `cache-control: no-store`; another method gets 405 with `allow`; a missing
 * or wrong bearer token (when `token` is set) gets 401. A registry whose
 * collection fails answers 500 with a one-line reason (a scrape error shows
 * in Prometheus as `up == 0`). The caller has matched the path already.
 */
export async function answerMetrics(req: IncomingMessage, res: ServerResponse, options: MetricsEndpointOptions): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return sendText(req, res, 405, "method not allowed: use GET\n");
  }
  if (options.token !== undefined && !bearerMatches(req.headers["authorization"], options.token)) {
    res.setHeader("www-authenticate", 'Bearer realm="metrics"');
    return sendText(req, res, 401, "metrics need Authorization: Bearer <METRICS_TOKEN>\n");
  }
  let text: string;
  try {
    text = await options.registry.metrics();
  } catch (e) {
    return sendText(req, res, 500, `metrics collection failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  sendText(req, res, 200, text, options.registry.contentType);
}

/** Whether an Authorization header carries exactly `Bearer <token>`; compared in constant time. */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== "string") return false;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (match === null) return false;
  // Hashing first gives equal lengths, so the comparison time does not reveal the token's length.
  return timingSafeEqual(digest(match[1]!), digest(token));
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, contentType = "text/plain; charset=utf-8"): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : text);
}
