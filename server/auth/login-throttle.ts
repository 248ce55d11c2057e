import { RateLimiterMemory } from "rate-limiter-flexible";
import { RateLimitedError } from "./auth-errors.js";

/** Options of createLoginThrottle. */
export interface LoginThrottleOptions {
  /** Failures allowed per key within the window before check() refuses. Default 5. */
  maxFailures?: number;
  /** Window in seconds, counted from the key's first failure. Default 900 (15 min). */
  windowSec?: number;
}

/**
 * Counts failed logins per key (e.g. `${user}|${ip}`) to slow down password guessing.
 * Call check() before verifying the password, then fail() or succeed() with the outcome.
 */
export interface LoginThrottle {
  /** Throws RateLimitedError (with retryAfterSec) when `key` has maxFailures failures in the current window. */
  check(key: string): Promise<void>;
  /** Records one failed attempt for `key`. */
  fail(key: string): Promise<void>;
  /** Forgets the failures of `key` (after a successful login). */
  succeed(key: string): Promise<void>;
}

/**
 * Creates a login throttle: after `maxFailures` failures within `windowSec` (fixed window from the
 * first failure), check() throws RateLimitedError("too many failed login attempts; retry in N s", N)
 * until the window ends; a success resets the key.
 *
 * State lives in this process (rate-limiter-flexible's RateLimiterMemory; entries expire on their
 * own). A multi-server deployment would swap in the library's RateLimiterRedis/RateLimiterPostgres.
 * The methods are async because the library's API is, even for the memory store.
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const maxFailures = options.maxFailures ?? 5;
  const windowSec = options.windowSec ?? 900;
  if (!Number.isInteger(maxFailures) || maxFailures < 1) throw new Error("login throttle: maxFailures must be a whole number ≥ 1");
  if (!Number.isInteger(windowSec) || windowSec < 1) throw new Error("login throttle: windowSec must be a whole number ≥ 1");
  const failures = new RateLimiterMemory({ points: maxFailures, duration: windowSec, keyPrefix: "login-fail" });
  return {
    async check(key) {
      const res = await failures.get(key);
      if (res !== null && res.consumedPoints >= maxFailures) {
        const retryAfterSec = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new RateLimitedError(`too many failed login attempts; retry in ${retryAfterSec} s`, retryAfterSec);
      }
    },
    async fail(key) {
      // penalty() counts without rejecting: recording a failure must never itself throw.
      await failures.penalty(key, 1);
    },
    async succeed(key) {
      await failures.delete(key);
    },
  };
}
