/**
 * The part of Node's `ServerResponse` / `Http2ServerResponse` the REST layer
 * writes to; both satisfy it, which avoids calling methods on a union type.
 */
export interface ResponseSink {
  readonly headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string | readonly string[]): unknown;
  end(chunk: string): unknown;
}

/**
 * Writes a complete JSON response: `status`, `content-type:
 * application/json`, the given headers (several `set-cookie` stay separate)
 * and `body` serialised with JSON.stringify. `body` may already be a string of
 * JSON. Does nothing when headers were already sent (the client is gone or
 * another writer answered).
 */
export function writeJson(res: ResponseSink, status: number, body: unknown, headers?: Headers): void {
  if (res.headersSent) {
    return;
  }
  if (headers !== undefined) {
    copyHeaders(res, headers);
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.setHeader("content-length", String(Buffer.byteLength(text)));
  res.end(text);
}

function copyHeaders(res: ResponseSink, headers: Headers): void {
  headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    res.setHeader(name, value);
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) {
    res.setHeader("set-cookie", cookies);
  }
}
