import { UnauthenticatedError } from "./auth-errors.js";

/** RFC 6750 §2.1 b64token (token68): ALPHA / DIGIT / "-._~+/" then optional "=" padding. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the token from an `Authorization` header value.
 *
 * - absent or empty (only whitespace) → `undefined` (the caller decides whether a token is needed);
 * - the scheme is matched case-insensitively (`bearer x`, `BEARER x` are fine), separated by spaces or tabs;
 * - any other scheme → UnauthenticatedError "Authorization header must use the Bearer scheme";
 * - `Bearer` with nothing after it → UnauthenticatedError "Authorization header has no token after Bearer";
 * - more than one token or characters outside the token68 set → UnauthenticatedError "Authorization header is malformed".
 */
export function readBearerToken(header: string | null | undefined): string | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  const parts = value.split(/[ \t]+/);
  const scheme = parts[0] ?? "";
  if (scheme.toLowerCase() !== "bearer") {
    throw new UnauthenticatedError("Authorization header must use the Bearer scheme");
  }
  if (parts.length === 1) {
    throw new UnauthenticatedError("Authorization header has no token after Bearer");
  }
  const token = parts[1] ?? "";
  if (parts.length > 2 || !TOKEN68.test(token)) {
    throw new UnauthenticatedError("Authorization header is malformed");
  }
  return token;
}
