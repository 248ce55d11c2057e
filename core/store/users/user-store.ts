import type { NewUser, UserChanges, UserRecord } from "./user-record.js";

export type { NewUser, UserChanges, UserRecord } from "./user-record.js";

/**
 * The accounts that may log in. Names are case-sensitive. A name that breaks
 * the naming rule is never stored: lookups treat it as unknown, createUser
 * rejects it. The store has no close(): it runs on a database its owner
 * opens and closes.
 */
export interface UserStore {
  /** The user, or undefined when unknown (or the name is invalid). */
  getUser(name: string): Promise<UserRecord | undefined>;
  /**
   * Stores a new user; createdAt and updatedAt become now.
   * @throws UserExistsError when the name is taken.
   * @throws InvalidUserNameError when the name breaks the naming rule.
   * @throws TypeError when the hash is empty, or allowedTasks/roles are not a boolean map / string list.
   */
  createUser(user: NewUser): Promise<void>;
  /**
   * Replaces the given fields and sets updatedAt to now.
   * @returns false when the user is unknown (nothing changed).
   * @throws TypeError on the same bad values as createUser.
   */
  updateUser(name: string, changes: UserChanges): Promise<boolean>;
  /** @returns false when the user is unknown. */
  deleteUser(name: string): Promise<boolean>;
  /** Every user, ordered by name (byte order, so "B" before "a"). */
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
}
