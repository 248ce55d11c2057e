import { isUnavailable } from "./error-predicates.js";
import { abortableSleep } from "./abortable-sleep.js";

/** How {@link retryUnavailable} retries. */
export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  retries: number;
  /** Delay before the first retry; it doubles each time. Default 250 ms. */
  baseDelayMs?: number;
  /** Longest delay between attempts. Default 4000 ms. */
  maxDelayMs?: number;
  /** Stops waiting (and retrying) when it aborts. */
  signal?: AbortSignal;
}

/**
 * Delay before retry number `retry` (0-based): `base · 2^retry`, capped at
 * `max`, then "equal jitter" (between half and all of it) so that many
 * clients cut off by one outage do not come back in lockstep.
 */
export function backoffDelay(retry: number, baseDelayMs = 250, maxDelayMs = 4000): number {
  const full = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
  return full / 2 + Math.random() * (full / 2);
}

/**
 * Runs `call`, and again after a backoff while it fails with `Unavailable`,
 * at most `policy.retries` more times; any other error, and the last
 * `Unavailable`, is thrown as is. Only for calls that are safe to repeat:
 * `Unavailable` may come after the server did the work (its answer was lost).
 */
export async function retryUnavailable<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (e) {
      if (!isUnavailable(e) || retry >= policy.retries || policy.signal?.aborted) throw e;
      await abortableSleep(backoffDelay(retry, policy.baseDelayMs, policy.maxDelayMs), policy.signal);
    }
  }
}
