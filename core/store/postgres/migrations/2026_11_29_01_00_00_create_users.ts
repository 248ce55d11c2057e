import { sql } from "kysely";
import type { Kysely } from "kysely";

// Frozen in time: no app imports, plain SQL (must also run on PGlite).

/**
 * Creates `users`: the accounts that may get tokens, with their password
 * hash, the task types they may submit (pytasks' `allowed_tasks` claim:
 * task type → true) and their roles.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("users")
    .addColumn("name", "text", (col) => col.primaryKey())
    .addColumn("password_hash", "text", (col) => col.notNull())
    .addColumn("allowed_tasks", "jsonb", (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("roles", "jsonb", (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("created_at", "timestamptz(3)", (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz(3)", (col) => col.notNull().defaultTo(sql`now()`))
    // The same rule the app checks, so a row written by hand cannot break
    // log lines or tokens that carry the name.
    .addCheckConstraint("users_name_check", sql`name ~ '^[A-Za-z0-9._@-]{1,64}$'`)
    .addCheckConstraint("users_password_hash_check", sql`password_hash <> ''`)
    .addCheckConstraint("users_allowed_tasks_object_check", sql`jsonb_typeof(allowed_tasks) = 'object'`)
    .addCheckConstraint("users_roles_array_check", sql`jsonb_typeof(roles) = 'array'`)
    .execute();
}

/** Drops `users`. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("users").execute();
}
