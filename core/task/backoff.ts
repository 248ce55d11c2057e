/** How long to wait between attempts: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 1000. */
  initialMs?: number;
  /** Each later delay is this many times the previous one. Default 2. */
  factor?: number;
  /** Longest delay, in ms. Default 60 000. */
  maxMs?: number;
}

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based):
 * `initialMs * factor^(attempt-1)`, capped at `maxMs`, then "equal jitter"
 * (a random point in its upper half) so that tasks failing together do not
 * retry together. `random` returns [0, 1) (injectable for tests).
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 1000;
  const factor = options.factor ?? 2;
  const max = options.maxMs ?? 60_000;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + random() * (base / 2));
}
