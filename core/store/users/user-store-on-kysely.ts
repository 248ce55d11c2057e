import type { Kysely } from "kysely";
import type { Database } from "../postgres/database.js";
import { InvalidUserNameError, UserExistsError } from "./user-errors.js";
import { isValidUserName } from "./user-record.js";
import type { NewUser, UserChanges, UserRecord } from "./user-record.js";
import type { UserStore } from "./user-store.js";
import {
  countUserRows,
  deleteUserRow,
  insertUserRow,
  selectUserRow,
  selectUserRows,
  updateUserRow,
} from "./users.repository.js";
import type { UserRow } from "./users.table.js";

/** SQLSTATE of a unique violation: on insert into users, only the primary key can raise it. */
const UNIQUE_VIOLATION = "23505";

/**
 * The UserStore over an already migrated database (Postgres or PGlite, any
 * Kysely Postgres dialect). It never closes `db`: its owner does.
 */
export function createUserStoreOnKysely(db: Kysely<Database>): UserStore {
  return {
    async getUser(name: string): Promise<UserRecord | undefined> {
      if (!isValidUserName(name)) return undefined;
      const row = await selectUserRow(db, name);
      return row && userRowToRecord(row);
    },

    async createUser(user: NewUser): Promise<void> {
      if (!isValidUserName(user.name)) throw new InvalidUserNameError(user.name);
      checkHash(user.passwordHash);
      const allowedTasks = user.allowedTasks ?? {};
      const roles = user.roles ?? [];
      checkAllowedTasks(allowedTasks);
      checkRoles(roles);
      try {
        await insertUserRow(db, {
          name: user.name,
          password_hash: user.passwordHash,
          allowed_tasks: JSON.stringify(allowedTasks),
          roles: JSON.stringify(roles),
        });
      } catch (err) {
        if ((err as { code?: unknown })?.code === UNIQUE_VIOLATION) throw new UserExistsError(user.name, { cause: err });
        throw err;
      }
    },

    async updateUser(name: string, changes: UserChanges): Promise<boolean> {
      if (changes.passwordHash !== undefined) checkHash(changes.passwordHash);
      if (changes.allowedTasks !== undefined) checkAllowedTasks(changes.allowedTasks);
      if (changes.roles !== undefined) checkRoles(changes.roles);
      if (!isValidUserName(name)) return false;
      return updateUserRow(db, name, {
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
        ...(changes.allowedTasks !== undefined && { allowed_tasks: JSON.stringify(changes.allowedTasks) }),
        ...(changes.roles !== undefined && { roles: JSON.stringify(changes.roles) }),
      });
    },

    async deleteUser(name: string): Promise<boolean> {
      if (!isValidUserName(name)) return false;
      return deleteUserRow(db, name);
    },

    async listUsers(): Promise<UserRecord[]> {
      return (await selectUserRows(db)).map(userRowToRecord);
    },

    countUsers(): Promise<number> {
      return countUserRows(db);
    },
  };
}

/** A `users` row as the store's record. */
function userRowToRecord(row: UserRow): UserRecord {
  return {
    name: row.name,
    passwordHash: row.password_hash,
    allowedTasks: row.allowed_tasks,
    roles: row.roles,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// Runtime guards: the types already say this, but callers fed by JSON or a
// CLI could pass anything, and a bad value would be stored for good.

function checkHash(hash: unknown): void {
  if (typeof hash !== "string" || hash === "") throw new TypeError("passwordHash must be a non-empty string");
}

function checkAllowedTasks(map: unknown): void {
  const ok =
    typeof map === "object" &&
    map !== null &&
    !Array.isArray(map) &&
    Object.values(map).every((v) => typeof v === "boolean");
  if (!ok) throw new TypeError("allowedTasks must map task types to booleans");
}

function checkRoles(roles: unknown): void {
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string" && r !== "")) {
    throw new TypeError("roles must be a list of non-empty strings");
  }
}
