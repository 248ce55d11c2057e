import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { describe, test } from "node:test";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { freshPgliteDataDir } from "../../../test/support/pglite-template.js";
import { Migrator, sql } from "kysely";
import { openPgliteDatabase } from "../pglite/pglite-database.js";
import { createKyselyForUrl } from "../postgres/kysely-for-url.js";
import { createMigrationProvider, migrateToLatest } from "../postgres/migrate-to-latest.js";
import { createUserStoreOnKysely } from "./user-store-on-kysely.js";
import { describeUserStoreContract } from "./user-store-contract.js";

const { freshDatabase } = usePrivatePostgres("users_test");


// Each group gets a fresh database on the private server.
describeUserStoreContract("Postgres user store", async () => {
  const db = createKyselyForUrl(await freshDatabase(), { poolSize: 2 });
  await migrateToLatest(db);
  return { users: createUserStoreOnKysely(db), db, close: () => db.destroy() };
});

// PGlite runs the same migrations and SQL: a copy of the migrated template
// per group (an in-memory store would run initdb and every migration: seconds).
describeUserStoreContract("PGlite user store", async () => {
  const dataDir = await freshPgliteDataDir();
  const database = await openPgliteDatabase({ dataDir });
  await migrateToLatest(database.db);
  return {
    users: createUserStoreOnKysely(database.db),
    db: database.db,
    close: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

describe("users migration", () => {
  test("going down past it drops users (tasks and task_types stay), up creates it again (PGlite)", async () => {
    const database = await openPgliteDatabase();
    try {
      await migrateToLatest(database.db);
      const tables = async () =>
        (
          await sql<{ t: string }>`select table_name as t from information_schema.tables
            where table_schema = 'public' and table_name in ('tasks', 'task_types', 'users') order by 1`.execute(database.db)
        ).rows.map((r) => r.t);
      assert.deepEqual(await tables(), ["task_types", "tasks", "users"]);
      // Back to the schema before users (later migrations go down too), then forward again.
      const migrator = new Migrator({ db: database.db, provider: createMigrationProvider() });
      const down = await migrator.migrateTo("2026_11_29_00_00_01_create_task_types");
      assert.equal(down.error, undefined);
      assert.ok(down.results?.some((r) => r.migrationName === "2026_11_29_01_00_00_create_users" && r.direction === "Down"));
      assert.deepEqual(await tables(), ["task_types", "tasks"]);
      const up = await migrateToLatest(database.db);
      assert.ok(up.some((r) => r.migrationName === "2026_11_29_01_00_00_create_users" && r.status === "Success"));
      assert.deepEqual(await tables(), ["task_types", "tasks", "users"]);
    } finally {
      await database.close();
    }
  });
});
