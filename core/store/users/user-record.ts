/** One account as stored: never sent to clients as is (it holds the password hash). */
export interface UserRecord {
  /** Unique, case-sensitive; see {@link isValidUserName}. */
  name: string;
  /** The self-describing hash made by `hashPassword`; never the password. */
  passwordHash: string;
  /** pytasks' `allowed_tasks` claim: task type → true for each protected type the user may submit. */
  allowedTasks: Record<string, boolean>;
  /** E.g. `["admin"]`; empty for a plain user. */
  roles: string[];
  createdAt: Date;
  /** Set to the time of the last {@link UserStore.updateUser}; equals createdAt until then. */
  updatedAt: Date;
}

/** A user to create. `allowedTasks` defaults to `{}`, `roles` to `[]`. */
export interface NewUser {
  name: string;
  passwordHash: string;
  allowedTasks?: Record<string, boolean>;
  roles?: string[];
}

/** Fields of an existing user to replace; absent fields keep their value. */
export interface UserChanges {
  passwordHash?: string;
  /** Replaces the whole map (not merged). */
  allowedTasks?: Record<string, boolean>;
  /** Replaces the whole list. */
  roles?: string[];
}

/** The rule for user names: 1 to 64 ASCII letters, digits, `.`, `_`, `-`, `@`. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** True when `name` follows {@link USER_NAME_PATTERN}. */
export function isValidUserName(name: string): boolean {
  return USER_NAME_PATTERN.test(name);
}
