import type { Config } from "../../core/config/env-config.js";
import { DataDirLockedError } from "../../core/store/pglite/data-dir-lock.js";
import { openPgliteDatabase } from "../../core/store/pglite/pglite-database.js";
import { createKyselyForUrl } from "../../core/store/postgres/kysely-for-url.js";
import { migrateToLatest } from "../../core/store/postgres/migrate-to-latest.js";
import { createUserStoreOnKysely } from "../../core/store/users/user-store-on-kysely.js";
import type { UserStore } from "../../core/store/users/user-store.js";
import { CliError } from "./cli-errors.js";

/** The user store of the database the server uses, opened for one command. */
export interface UserDatabase {
  users: UserStore;
  /** Closes the database (and frees the embedded store's folder); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens and migrates the server's database: Postgres at `databaseUrl` when
 * set (a pool of one), otherwise the embedded PGlite store in `dataDir`
 * (created if missing).
 * @throws CliError when a running tstasks holds the embedded store (PGlite is single-process).
 * @throws MigrationError when connecting or migrating fails; nothing stays open then.
 */
export async function openUserDatabase(config: Pick<Config, "databaseUrl" | "dataDir">): Promise<UserDatabase> {
  if (config.databaseUrl !== undefined) {
    const db = createKyselyForUrl(config.databaseUrl, { poolSize: 1 });
    try {
      await migrateToLatest(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
    let closing: Promise<void> | undefined;
    return { users: createUserStoreOnKysely(db), close: () => (closing ??= db.destroy()) };
  }
  let database;
  try {
    database = await openPgliteDatabase({ dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      const holder = err.pid === undefined ? "" : ` (process ${err.pid})`;
      throw new CliError(
        `the embedded store in ${err.dir} is in use by a running tstasks${holder}; stop it first, or use DATABASE_URL`,
        { cause: err },
      );
    }
    throw err;
  }
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { users: createUserStoreOnKysely(database.db), close: () => database.close() };
}
