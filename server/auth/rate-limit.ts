import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitedError } from "./auth-errors.js";

/** Options of createRateLimit. */
export interface RateLimitOptions {
  /** Allowed calls per key per window (whole number ≥ 1). */
  points: number;
  /** Window length in seconds (whole number ≥ 1); the window starts at a key's first call. */
  durationSec: number;
  /** Names the limit in the error message, e.g. "token". */
  name: string;
}

/** A fixed-window limiter keyed by caller (e.g. IP or user). */
export interface RateLimit {
  /** Counts one call for `key`; throws RateLimitedError once more than `points` calls fell in the window. */
  consume(key: string): Promise<void>;
}

/**
 * Creates a fixed-window rate limit: at most `points` calls per key within `durationSec`.
 * Over the limit, consume() throws RateLimitedError("<name> rate limit exceeded; retry in N s", N).
 *
 * State lives in this process (rate-limiter-flexible's RateLimiterMemory), so with several server
 * processes each one counts separately; a multi-server deployment would swap in the library's
 * RateLimiterRedis or RateLimiterPostgres, which share the same consume() contract.
 */
export function createRateLimit(options: RateLimitOptions): RateLimit {
  const { points, durationSec, name } = options;
  if (!Number.isInteger(points) || points < 1) throw new Error(`${name} rate limit: points must be a whole number ≥ 1`);
  if (!Number.isInteger(durationSec) || durationSec < 1) {
    throw new Error(`${name} rate limit: durationSec must be a whole number ≥ 1`);
  }
  const limiter = new RateLimiterMemory({ points, duration: durationSec });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
      } catch (e) {
        // The limiter rejects with a RateLimiterRes when over the limit; anything else is a real error.
        if (!(e instanceof RateLimiterRes)) throw e;
        const retryAfterSec = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        throw new RateLimitedError(`${name} rate limit exceeded; retry in ${retryAfterSec} s`, retryAfterSec);
      }
    },
  };
}
