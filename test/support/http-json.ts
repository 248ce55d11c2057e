/** A JSON HTTP answer. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  /** Parsed body (undefined when empty); raw text in `text`. */
  body: any;
  text: string;
}

/**
 * Sends a request with fetch and parses the JSON answer. `body` objects are
 * sent as JSON; strings are sent as they are (to test malformed bodies).
 */
export async function httpJson(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  let body: string | undefined;
  if (typeof init.body === "string") body = init.body;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/**
 * Polls `GET /task/{id}` until the task is final (SUCCESS, FAILURE, REVOKED)
 * and returns its JSON, sending `headers` (e.g. the owner's token). Fails
 * after `timeoutMs` (default 20 s).
 */
export async function waitForFinal(baseUrl: string, id: string, timeoutMs = 20_000, headers?: Record<string, string>): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await httpJson(`${baseUrl}/task/${id}`, { headers });
    if (status !== 200) throw new Error(`GET /task/${id} answered ${status}: ${JSON.stringify(body)}`);
    if (["SUCCESS", "FAILURE", "REVOKED"].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Submits `n` test.main.add tasks `{ x: i, y: 1 }` at once over `POST /task`
 * (asserting each is accepted) and returns their ids in order; task i's
 * result is i + 1.
 */
export async function submitAdds(baseUrl: string, n: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await httpJson(`${baseUrl}/task`, { body: { type: "test.main.add", args: { x: i, y: 1 } } });
      if (res.status !== 200) throw new Error(`POST /task answered ${res.status}: ${res.text}`);
      return res.body.id as string;
    }),
  );
}
