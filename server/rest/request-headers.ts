import type { IncomingHttpHeaders } from "node:http";

/**
 * Node's request headers as a fetch `Headers`, as service implementations
 * see them through `ctx.requestHeader`. HTTP/2 pseudo-headers (`:path`, ...)
 * are left out; repeated headers keep every value.
 */
export function headersFromNode(nodeHeaders: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(nodeHeaders)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) {
      for (const v of value) headers.append(name, v);
    } else {
      headers.append(name, value);
    }
  }
  return headers;
}
