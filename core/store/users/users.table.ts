import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/**
 * A jsonb column with a default: read back as parsed JSON, written as JSON
 * text (see JsonbColumn in tasks.table.ts for why text), optional on insert.
 */
type JsonbWithDefault<T> = ColumnType<T, string | undefined, string>;

/** The `users` table: one row per account. Timestamps have millisecond precision. */
export interface UsersTable {
  name: string;
  password_hash: string;
  allowed_tasks: JsonbWithDefault<Record<string, boolean>>;
  roles: JsonbWithDefault<string[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A `users` row as selected. */
export type UserRow = Selectable<UsersTable>;

/** A `users` row as inserted. */
export type InsertableUserRow = Insertable<UsersTable>;
