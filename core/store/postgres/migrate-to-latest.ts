import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FileMigrationProvider, Migrator, sql } from "kysely";
// Kysely 0.28 exports the migrator from the root; 0.29 moves it to "kysely/migration".
import type { Kysely, MigrationProvider, MigrationResult } from "kysely";

/** Absolute path of the folder holding the timestamp-named migration files. */
export const MIGRATION_FOLDER = fileURLToPath(new URL("./migrations/", import.meta.url));

/**
 * Key of the session advisory lock held while migrating. Server and workers
 * all migrate on start; the lock makes them run one after the other, so
 * only the first applies anything and the rest find the schema current.
 * (Advisory locks are per database, so separate databases never wait on each other.)
 */
const MIGRATION_LOCK_KEY = 7_461_000_271;

/** Loads the migrations of {@link MIGRATION_FOLDER}; they run in file-name order. */
export function createMigrationProvider(): MigrationProvider {
  return new FileMigrationProvider({ fs, path, migrationFolder: MIGRATION_FOLDER });
}

/** A failed migration run; `results` says which migrations ran, failed or were skipped. */
export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    message: string,
    readonly results: readonly MigrationResult[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Applies every pending migration, each in its own transaction, on one
 * connection that holds a Postgres advisory lock for the whole run, so it is
 * safe to call from several processes at once.
 *
 * @returns one result per migration that was attempted (empty when the schema was current).
 * @throws MigrationError naming the migration that failed, with the cause.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<readonly MigrationResult[]> {
  try {
    return await migrateLocked(db);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    // Connecting or locking failed: still say what was being attempted.
    const reason = err instanceof Error ? err.message : String(err);
    throw new MigrationError(`migrating the database failed: ${reason}`, [], { cause: err });
  }
}

/** The migrator run on one connection holding the advisory lock. */
async function migrateLocked(db: Kysely<any>): Promise<readonly MigrationResult[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
    try {
      const migrator = new Migrator({ db: conn, provider: createMigrationProvider() });
      const { error, results = [] } = await migrator.migrateToLatest();
      if (error !== undefined) {
        const failed = results.find((r) => r.status === "Error")?.migrationName;
        const reason = error instanceof Error ? error.message : String(error);
        const where = failed === undefined ? "migrating the database failed" : `migration "${failed}" failed`;
        throw new MigrationError(`${where}: ${reason}`, results, { cause: error });
      }
      return results;
    } finally {
      // If the connection died the session lock died with it; an unlock error
      // must not hide the migration's own error.
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn).catch(() => {});
    }
  });
}
