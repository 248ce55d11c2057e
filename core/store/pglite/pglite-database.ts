import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { PGliteDialect } from "kysely-pglite-dialect";
import type { Database } from "../postgres/database.js";
import { acquireDataDirLock } from "./data-dir-lock.js";
import type { DataDirLock } from "./data-dir-lock.js";

/** Name of the PGlite data directory inside the store's folder. */
export const PGDATA_DIR_NAME = "pgdata";

/** Options of {@link openPgliteDatabase}. */
export interface PgliteDatabaseOptions {
  /**
   * Folder of the store, created (with parents) if missing. PGlite keeps its
   * Postgres data directory in `<dataDir>/pgdata`, next to the lock file
   * `<dataDir>/tstasks.lock`. Undefined: an in-memory database, gone on close.
   */
  dataDir?: string | undefined;
}

/** An open PGlite database seen through Kysely. */
export interface PgliteDatabase {
  /**
   * Kysely over the one PGlite session. Connections are handed out one at a
   * time (a transaction or `db.connection()` holds it; other callers queue),
   * so concurrent callers never interleave inside each other's transactions.
   * Do not call `db.destroy()` directly: use {@link PgliteDatabase.close}.
   */
  db: Kysely<Database>;
  /** Closes PGlite (its data is on disk once this resolves), then frees the folder; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens (first time: creates, i.e. runs initdb in) the PGlite database of
 * `options.dataDir`, or an in-memory one. Does not migrate.
 * @throws DataDirLockedError when a live store already has the folder open.
 */
export async function openPgliteDatabase(options: PgliteDatabaseOptions = {}): Promise<PgliteDatabase> {
  const { dataDir } = options;
  let lock: DataDirLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    lock = await acquireDataDirLock(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir: join(dataDir, PGDATA_DIR_NAME) });
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  let closing: Promise<void> | undefined;
  return {
    db,
    close() {
      // The dialect's destroy() closes PGlite; the folder is free only after that.
      closing ??= db.destroy().finally(() => lock?.release());
      return closing;
    },
  };
}
