import { migrateToLatest } from "../postgres/migrate-to-latest.js";
import { createTaskStoreOnKysely, type KyselyTaskStore } from "../postgres/postgres-task-store.js";
import { openPgliteDatabase } from "./pglite-database.js";
import type { PgliteDatabase, PgliteDatabaseOptions } from "./pglite-database.js";

/** Options of {@link createPgliteTaskStore}. */
export type PgliteTaskStoreOptions = PgliteDatabaseOptions;

/**
 * The embedded store: PGlite (Postgres compiled to WASM, inside this
 * process) persisted in `options.dataDir` (created if missing; its Postgres
 * data lives in `<dataDir>/pgdata`), or in memory when `dataDir` is
 * undefined. Runs the same migrations and SQL as the Postgres store, so it
 * behaves the same (see `createTaskStoreOnKysely` for the details).
 *
 * Only one store at a time may open a folder; `close()` closes PGlite (all
 * data is on disk then) and frees the folder.
 * @throws DataDirLockedError when a live store (in any process) has the folder open.
 * @throws MigrationError when a migration fails; the database is closed then.
 */
export async function createPgliteTaskStore(options: PgliteTaskStoreOptions = {}): Promise<KyselyTaskStore> {
  return createTaskStoreOnPglite(await openPgliteDatabase(options));
}

/**
 * Migrates `database` and returns the store over it; the store's `close()`
 * closes `database`. On a migration failure `database` is closed and the
 * error rethrown.
 */
export async function createTaskStoreOnPglite(database: PgliteDatabase): Promise<KyselyTaskStore> {
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = createTaskStoreOnKysely(database.db);
  let closing: Promise<void> | undefined;
  return {
    ...store,
    // The Kysely store's close() destroys Kysely (closing PGlite); then the folder lock goes.
    close() {
      closing ??= store.close().then(() => database.close());
      return closing;
    },
  };
}
