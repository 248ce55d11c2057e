import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipAsync = promisify(gzip);

/** A fixed answer (a file or a generated text), prepared once and written many times. */
export interface StaticAnswer {
  readonly body: Buffer;
  /** The gzip of `body`, sent to clients that accept it. */
  readonly gzipped: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
  /** A strong ETag of `body` (the gzipped variant adds `-gz`, since its bytes differ). */
  readonly etag: string;
}

/**
 * Prepares an answer: its gzip (done once here, asynchronously, instead of
 * per request) and an ETag from a hash of the content.
 */
export async function createStaticAnswer(body: Buffer | string, contentType: string, cacheControl: string): Promise<StaticAnswer> {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const hash = createHash("sha256").update(bytes).digest("base64url").slice(0, 27);
  return { body: bytes, gzipped: await gzipAsync(bytes), contentType, cacheControl, etag: `"${hash}"` };
}

/**
 * Writes `answer` with status 200, or 304 without a body when the request's
 * `If-None-Match` names the ETag of the variant it would get. The gzipped
 * bytes go to clients that send `Accept-Encoding: gzip`; HEAD gets the
 * headers alone. Other headers already set on `res` (the security headers)
 * stay.
 */
export function writeStaticAnswer(
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
  answer: StaticAnswer,
): void {
  const sink = res as ServerResponse;
  const gz = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  const etag = gz ? `${answer.etag.slice(0, -1)}-gz"` : answer.etag;
  const body = gz ? answer.gzipped : answer.body;
  sink.setHeader("etag", etag);
  sink.setHeader("cache-control", answer.cacheControl);
  // Caches must keep the two encodings apart.
  sink.setHeader("vary", "accept-encoding");
  const match = req.headers["if-none-match"];
  if (typeof match === "string" && match.split(",").some((t) => t.trim() === etag || t.trim() === "*")) {
    sink.statusCode = 304;
    sink.end();
    return;
  }
  sink.statusCode = 200;
  sink.setHeader("content-type", answer.contentType);
  sink.setHeader("content-length", String(body.length));
  if (gz) sink.setHeader("content-encoding", "gzip");
  if (req.method === "HEAD") sink.end();
  else sink.end(body);
}
