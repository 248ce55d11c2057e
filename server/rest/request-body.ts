import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { Code } from "@connectrpc/connect";
import { HttpError } from "./http-error.js";

/** A Node request (HTTP/1 or the HTTP/2 compatibility API) seen as a byte stream with headers. */
export type BodySource = Readable & { readonly headers: IncomingHttpHeaders };

/**
 * Reads the request body as UTF-8 text, at most `maxBytes` bytes.
 *
 * Rejects with an {@link HttpError}:
 * - 413 resource_exhausted "request body exceeds N bytes" as soon as the
 *   declared content-length or the bytes received pass the limit. The rest of
 *   the body is drained and dropped, not buffered, so the client can still
 *   read the answer instead of seeing a reset mid-upload;
 * - 415 invalid_argument when the body is not empty and the content-type is
 *   set to something other than `application/json` (parameters such as
 *   charset are allowed). A missing content-type is accepted as JSON.
 */
export function readJsonBody(req: BodySource, maxBytes: number): Promise<string> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.once("error", (e) => {
      failed = true;
      reject(e);
    });
    req.once("end", () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString("utf8");
      const contentType = req.headers["content-type"];
      if (text.length > 0 && contentType !== undefined && !isJsonContentType(contentType)) {
        reject(
          new HttpError(
            415,
            Code.InvalidArgument,
            `unsupported content-type "${contentType}": send application/json`,
          ),
        );
        return;
      }
      resolve(text);
    });
  });
}

/** True for `application/json`, with or without parameters, any case. */
export function isJsonContentType(value: string): boolean {
  return value.split(";")[0]!.trim().toLowerCase() === "application/json";
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, Code.ResourceExhausted, `request body exceeds ${maxBytes} bytes`);
}
