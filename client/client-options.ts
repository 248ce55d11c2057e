import type { TokenSource } from "./bearer-token-interceptor.js";

/**
 * Wire protocol of a client. All three reach the same server port.
 * "grpc" needs HTTP/2 (Node only); browsers use "connect" or "grpc-web".
 */
export type Protocol = "connect" | "grpc" | "grpc-web";

/** The parts of {@link TasksClientOptions} that do not depend on the transport. */
export interface CallBehaviourOptions {
  /**
   * Deadline of one call in ms (sent to the server as the call's timeout).
   * Not applied to `watch` and `result`, which wait as long as the task runs;
   * `get` with `waitMs` gets `waitMs` more. 0: none. Default 30_000.
   */
  timeoutMs?: number;
  /**
   * Retries, with exponential backoff and jitter, of calls that failed with
   * `Unavailable` (and only that code), for calls that are safe to repeat:
   * get, list, types, logs, re-subscribing `watch`, `result`, and `submit`
   * when it carries an idempotency key (`run` always does). Default 3.
   */
  retries?: number;
}

/** Options of `createTasksClient` (Node and browser entries alike). */
export interface TasksClientOptions extends CallBehaviourOptions {
  /** Where the server listens, e.g. "http://127.0.0.1:8080" (any path prefix is kept). */
  baseUrl: string;
  /** Bearer token for every call; see {@link TokenSource}. Default: none (anonymous). */
  token?: TokenSource;
  /** Default "connect" (JSON over HTTP/1.1 in Node, fetch in browsers). */
  protocol?: Protocol;
}
