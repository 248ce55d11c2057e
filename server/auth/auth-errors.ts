/**
 * Auth failures as plain errors. The server maps them to protocol codes in
 * one place, so nothing in server/auth depends on Connect or HTTP.
 */

/** The caller is not (validly) authenticated: no, malformed or rejected credentials. → Code.Unauthenticated / 401 */
export class UnauthenticatedError extends Error {
  override name = "UnauthenticatedError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The caller is authenticated but not allowed to do this. → Code.PermissionDenied / 403 */
export class PermissionDeniedError extends Error {
  override name = "PermissionDeniedError";
  constructor(message: string) {
    super(message);
  }
}

/**
 * Too many attempts. → Code.ResourceExhausted / 429 with `Retry-After: retryAfterSec`.
 * `retryAfterSec` is a whole number of seconds, at least 1.
 */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  readonly retryAfterSec: number;
  constructor(message: string, retryAfterSec: number) {
    super(message);
    // Retry-After takes whole seconds; never tell a client "retry in 0 s".
    this.retryAfterSec = Math.max(1, Math.ceil(retryAfterSec));
  }
}
