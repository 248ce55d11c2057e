/**
 * One Server-Sent Events message: `event: <name>`, an optional `id:` (what
 * an EventSource sends back as `Last-Event-ID` when it reconnects) and
 * `data` as one JSON line, ended by the blank line that dispatches it.
 * JSON.stringify never emits a newline, so `data` is always one line.
 */
export function sseFrame(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * An SSE comment: ignored by EventSource clients, but it keeps proxies and
 * load balancers from closing a quiet stream as idle.
 */
export const SSE_KEEPALIVE = ": keepalive\n\n";
