import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

/**
 * Headers every answer carries: this server serves JSON and binary RPC, never
 * pages, so browsers are told not to sniff, frame, or run anything from it,
 * and not to leak the URL (which holds task ids) as a referrer.
 */
const HEADERS: readonly [string, string][] = [
  ["x-content-type-options", "nosniff"],
  ["x-frame-options", "DENY"],
  ["referrer-policy", "no-referrer"],
  ["content-security-policy", "default-src 'none'; frame-ancestors 'none'"],
  ["cross-origin-opener-policy", "same-origin"],
];

/** Sets the security headers on a response before anything is written. */
export function applySecurityHeaders(res: ServerResponse | Http2ServerResponse): void {
  for (const [name, value] of HEADERS) res.setHeader(name, value);
}
