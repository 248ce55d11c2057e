/**
 * The signed-in user: the token from the login form, kept in
 * sessionStorage (it lives as long as the tab, and is not sent anywhere but
 * to this server's API), with the claims the page shows.
 */

/** What the page knows about the user it calls the API for. */
export interface Session {
  token: string;
  /** The token's `sub`. */
  user: string;
  /** True when the token's roles include "admin" (the server lets admins see every task). */
  admin: boolean;
  /** When the token expires (ms since the epoch); undefined when it has no `exp`. */
  expiresAt?: number;
}

const KEY = "tstasks.dashboard.token";

/**
 * Reads a token's claims without verifying it (the server verifies it on
 * every call; the page only needs the name and roles to show). Undefined for
 * text that is no JWT.
 */
export function sessionFromToken(token: string): Session | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown; exp?: unknown };
    const roles = Array.isArray(claims.roles) ? claims.roles : [];
    const session: Session = { token, user: typeof claims.sub === "string" ? claims.sub : "?", admin: roles.includes("admin") };
    if (typeof claims.exp === "number") session.expiresAt = claims.exp * 1000;
    return session;
  } catch {
    return undefined;
  }
}

/** The stored session, unless there is none or its token has expired (then it is forgotten). */
export function loadSession(): Session | undefined {
  const token = sessionStorage.getItem(KEY);
  const session = token ? sessionFromToken(token) : undefined;
  if (session?.expiresAt !== undefined && session.expiresAt <= Date.now()) {
    clearSession();
    return undefined;
  }
  return session;
}

/** Keeps the token for this tab. */
export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.token);
}

/** Forgets the token (logout, or the server said 401). */
export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
