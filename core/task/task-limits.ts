import type { TaskErrorInfo } from "./task-error.js";

/**
 * A concurrency key of a task type: at most `max` tasks of the type with the
 * same key run at once, across every worker (the leases live in the store).
 * Tasks of other keys, and of other types, are not held up.
 */
export interface ConcurrencyOptions<Args = unknown> {
  /**
   * The key of one task, from its parsed arguments (e.g. `(args) => args.user`).
   * Must return a string of 1 to {@link MAX_CONCURRENCY_KEY_LENGTH} characters
   * without NUL; a key function that throws or returns anything else fails
   * the task at once (not retried), as `ConcurrencyKeyFailed`.
   */
  key: (args: Args) => string;
  /** Tasks of one key running at once: a whole number >= 1. */
  max: number;
}

/**
 * A rate limit of a task type: a token bucket shared by every worker (kept in
 * the store), refilled at `perSecond` tokens a second up to `burst`; each
 * start of an attempt takes one token.
 */
export interface RateLimitOptions {
  /** Starts per second, > 0; fractions allowed (0.5: one start every 2 s). */
  perSecond: number;
  /** Most tokens saved up while idle, i.e. starts at once after a pause: >= 1. Default `max(1, perSecond)`. */
  burst?: number;
}

/** A rate limit as a definition keeps it: the burst resolved. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** Longest concurrency key a key function may return. */
export const MAX_CONCURRENCY_KEY_LENGTH = 512;

/** Most tasks of one key at once a definition may allow (a higher bound is no bound). */
export const MAX_CONCURRENCY = 100_000;

/** Highest rate a definition may set (beyond it the store round trips are the limit anyway). */
export const MAX_PER_SECOND = 1_000_000;

/**
 * Checks a definition's `concurrency` option (at define time, like `retries`).
 * @throws Error naming what is wrong.
 */
export function checkConcurrencyOptions(options: ConcurrencyOptions<never> | undefined): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new Error("concurrency must be an object { key, max }");
  if (typeof options.key !== "function") throw new Error("concurrency.key must be a function of the task's args returning a string");
  const { max } = options;
  if (!Number.isInteger(max) || max < 1 || max > MAX_CONCURRENCY) {
    throw new Error(`concurrency.max must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${String(max)}`);
  }
}

/**
 * Checks a definition's `rateLimit` option and resolves its burst.
 * @throws Error naming what is wrong.
 */
export function toRateLimit(options: RateLimitOptions | undefined): RateLimit | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) throw new Error("rateLimit must be an object { perSecond, burst? }");
  const { perSecond } = options;
  if (typeof perSecond !== "number" || !Number.isFinite(perSecond) || perSecond <= 0 || perSecond > MAX_PER_SECOND) {
    throw new Error(`rateLimit.perSecond must be a number > 0 and at most ${MAX_PER_SECOND}, got ${String(perSecond)}`);
  }
  const burst = options.burst ?? Math.max(1, perSecond);
  if (typeof burst !== "number" || !Number.isFinite(burst) || burst < 1 || burst > MAX_PER_SECOND) {
    throw new Error(`rateLimit.burst must be a number from 1 to ${MAX_PER_SECOND}, got ${String(burst)}`);
  }
  return Object.freeze({ perSecond, burst });
}

/** A task's concurrency key, or why it has none (the task then fails, not retried). */
export type KeyOutcome = { ok: true; key: string } | { ok: false; error: TaskErrorInfo };

/**
 * Calls a concurrency key function on a task's parsed args and checks what
 * it returned. Never throws.
 */
export function concurrencyKeyOf(key: (args: never) => unknown, args: unknown): KeyOutcome {
  let value: unknown;
  try {
    value = (key as (args: unknown) => unknown)(args);
  } catch (thrown) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    return keyFailed(`the concurrency key function threw: ${why}`);
  }
  if (typeof value !== "string") {
    return keyFailed(`the concurrency key function returned ${value === null ? "null" : typeof value}, not a string`);
  }
  if (value.length === 0 || value.length > MAX_CONCURRENCY_KEY_LENGTH) {
    return keyFailed(`the concurrency key must have 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters, got ${value.length}`);
  }
  // Postgres text cannot hold U+0000.
  if (value.includes("\u0000")) return keyFailed("the concurrency key must not contain a NUL character");
  return { ok: true, key: value };
}

function keyFailed(message: string): KeyOutcome {
  return { ok: false, error: { type: "ConcurrencyKeyFailed", message } };
}

/**
 * How long a delivery whose key is busy waits before it comes back: 100 ms
 * doubling per delivery up to 2 s, then "equal jitter" (a random point in its
 * upper half) so that tasks throttled together do not come back together.
 * `deliveries` is the message's delivery count (1-based); `random` returns
 * [0, 1) (injectable for tests).
 */
export function busyKeyDelayMs(deliveries: number, random: () => number = Math.random): number {
  const base = Math.min(2000, 100 * 2 ** Math.min(10, Math.max(0, deliveries - 1)));
  return Math.round(base / 2 + random() * (base / 2));
}
