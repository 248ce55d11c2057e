import { setTimeout as sleep } from "node:timers/promises";

/** First and largest pause between two attempts to reach JetStream again. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Pause before retry number `attempt` (1-based): 250 ms doubling up to 5 s,
 * with ±20 % jitter so many workers do not retry in lockstep.
 */
export function retryDelayMs(attempt: number): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * Waits {@link retryDelayMs}(attempt), or less if `signal` aborts.
 * Never rejects.
 */
export async function waitBeforeRetry(attempt: number, signal: AbortSignal): Promise<void> {
  await sleep(retryDelayMs(attempt), undefined, { signal }).catch(() => {});
}
