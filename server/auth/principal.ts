/**
 * The authenticated caller, as the rest of the server sees it after a token
 * was verified. It is built only by the token service.
 */

/** Who is calling and what the verified token allows. */
export interface Principal {
  /** The user name (the token's `sub`). */
  sub: string;
  /** Role names, e.g. "admin". Empty when the token has no `roles` claim. */
  roles: readonly string[];
  /** Task type → allowed, from the `allowed_tasks` claim (pytasks' map). Empty when absent. */
  allowedTasks: Readonly<Record<string, boolean>>;
  /** The token's `iss`. */
  issuer: string;
  /** The token's `exp`, epoch seconds. */
  expiresAt: number;
  /** The whole verified payload, for claims this interface does not model. */
  claims: Record<string, unknown>;
}

/** The role that may run every task type. */
export const ADMIN_ROLE = "admin";

/** True when the principal has the "admin" role. */
export function isAdmin(p: Principal): boolean {
  return p.roles.includes(ADMIN_ROLE);
}

/**
 * True when the principal may submit tasks of `type`: admins may run
 * everything, everyone else needs `allowedTasks[type] === true` (a missing
 * entry or `false` denies).
 */
export function mayRun(p: Principal, type: string): boolean {
  if (isAdmin(p)) return true;
  // hasOwn: a type named "constructor" or "__proto__" must not read the prototype.
  return Object.hasOwn(p.allowedTasks, type) && p.allowedTasks[type] === true;
}
