import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { ConfigError } from "../../core/config/env-config.js";
import { verifyPassword } from "./password-hash.js";
import { openPgliteDatabase } from "../../core/store/pglite/pglite-database.js";
import type { PgliteDatabase } from "../../core/store/pglite/pglite-database.js";
import { migrateToLatest } from "../../core/store/postgres/migrate-to-latest.js";
import { seedAdminFromEnv } from "./seed-admin.js";
import { silentLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";
import { captureLog } from "../../test/support/capture-log.js";
import { freshPgliteDataDir } from "../../test/support/pglite-template.js";
import { createUserStoreOnKysely } from "../../core/store/users/user-store-on-kysely.js";
import type { UserStore } from "../../core/store/users/user-store.js";

let database: PgliteDatabase;
let dataDir: string | undefined;
let users: UserStore;

before(async () => {
  // A copy of the migrated template (an in-memory store would run initdb and every migration: seconds).
  dataDir = await freshPgliteDataDir();
  database = await openPgliteDatabase({ dataDir });
  await migrateToLatest(database.db);
  users = createUserStoreOnKysely(database.db);
});
after(async () => {
  await database?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A logger whose lines the test reads back: `lines()` gives each line's raw JSON text. */
function logger(): { log: Logger; lines: () => string[] } {
  const captured = captureLog();
  return { log: captured.log, lines: () => captured.entries().map((e) => JSON.stringify(e)) };
}

const quiet = silentLogger();

test("neither variable set (or both empty): nothing happens", async () => {
  const { log, lines } = logger();
  assert.equal(await seedAdminFromEnv(users, {}, log), "not_configured");
  assert.equal(await seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "", TSTASKS_ADMIN_PASSWORD: "" }, log), "not_configured");
  assert.equal(await users.countUsers(), 0);
  assert.deepEqual(lines(), []);
});

test("only one variable set: a ConfigError naming the missing one, and no user", async () => {
  await assert.rejects(seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "root" }, quiet), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /TSTASKS_ADMIN_PASSWORD is not/);
    return true;
  });
  await assert.rejects(
    seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "", TSTASKS_ADMIN_PASSWORD: "pw" }, quiet),
    (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /TSTASKS_ADMIN_USER is not/);
      assert.doesNotMatch(err.message, /pw/);
      return true;
    },
  );
  assert.equal(await users.countUsers(), 0);
});

test("an invalid admin name is a ConfigError", async () => {
  await assert.rejects(
    seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "bad name", TSTASKS_ADMIN_PASSWORD: "pw" }, quiet),
    (err) => err instanceof ConfigError && /TSTASKS_ADMIN_USER must be/.test(err.message),
  );
  assert.equal(await users.countUsers(), 0);
});

test("both set: creates the admin with a hashed password, logs without the password; later runs keep it", async () => {
  const password = "S3cret-seed-pw!";
  const { log, lines } = logger();
  assert.equal(await seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "root", TSTASKS_ADMIN_PASSWORD: password }, log), "created");
  const created = await users.getUser("root");
  assert.ok(created);
  assert.deepEqual(created.roles, ["admin"]);
  assert.deepEqual(created.allowedTasks, {});
  assert.notEqual(created.passwordHash, password);
  assert.equal(await verifyPassword(password, created.passwordHash), true);
  assert.equal(lines().length, 1);
  assert.match(lines()[0]!, /created admin user \\"root\\"/);
  assert.match(lines()[0]!, /"user":"root"/);

  // A restart with another password does not overwrite the existing user.
  assert.equal(await seedAdminFromEnv(users, { TSTASKS_ADMIN_USER: "root", TSTASKS_ADMIN_PASSWORD: "changed" }, log), "exists");
  assert.deepEqual(await users.getUser("root"), created);
  assert.match(lines()[1]!, /\\"root\\" exists already/);
  for (const line of lines()) {
    assert.ok(!line.includes(password) && !line.includes("changed"), line);
  }
});

test("two processes seeding at once: one creates, the other finds it", async () => {
  const env = { TSTASKS_ADMIN_USER: "twin", TSTASKS_ADMIN_PASSWORD: "pw-twin" };
  const outcomes = await Promise.all([seedAdminFromEnv(users, env, quiet), seedAdminFromEnv(users, env, quiet)]);
  assert.deepEqual(outcomes.sort(), ["created", "exists"]);
  assert.deepEqual((await users.getUser("twin"))?.roles, ["admin"]);
});
