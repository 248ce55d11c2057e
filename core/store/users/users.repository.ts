import { sql } from "kysely";
import type { Kysely, Updateable } from "kysely";
import type { Database } from "../postgres/database.js";
import type { InsertableUserRow, UserRow, UsersTable } from "./users.table.js";

// SQL only: functions take the database (or a transaction) first.

/** Inserts one row; a taken name raises the driver's unique violation (23505). */
export async function insertUserRow(db: Kysely<Database>, row: InsertableUserRow): Promise<void> {
  await db.insertInto("users").values(row).execute();
}

/** The row of `name`, or undefined. */
export async function selectUserRow(db: Kysely<Database>, name: string): Promise<UserRow | undefined> {
  return db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
}

/** Every row, ordered by name in byte order (`collate "C"`: the same on every server locale). */
export async function selectUserRows(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom("users").selectAll().orderBy(sql`name collate "C"`).execute();
}

/** Sets `changes` and updated_at = now() on the row of `name`; true when it existed. */
export async function updateUserRow(
  db: Kysely<Database>,
  name: string,
  changes: Updateable<UsersTable>,
): Promise<boolean> {
  const updated = await db
    .updateTable("users")
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where("name", "=", name)
    .returning("name")
    .executeTakeFirst();
  return updated !== undefined;
}

/** Deletes the row of `name`; true when it existed. */
export async function deleteUserRow(db: Kysely<Database>, name: string): Promise<boolean> {
  const deleted = await db.deleteFrom("users").where("name", "=", name).returning("name").executeTakeFirst();
  return deleted !== undefined;
}

/** How many rows `users` has. */
export async function countUserRows(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
}
