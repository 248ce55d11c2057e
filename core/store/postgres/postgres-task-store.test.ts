import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Migrator, sql } from "kysely";
import { usePrivatePostgres } from "../../../test/harness/private-postgres.js";
import { describeTaskStoreContract, newTask, type ContractBackend } from "../task-store-contract.js";
import { describeBulkActionContract } from "../bulk-actions-contract.js";
import { describeScheduleStoreContract } from "../schedule-store-contract.js";
import { describeGroupStoreContract } from "../group-store-contract.js";
import { createKyselyForUrl } from "./kysely-for-url.js";
import { MigrationError, createMigrationProvider, migrateToLatest } from "./migrate-to-latest.js";
import { createPostgresTaskStore, createTaskStoreOnKysely } from "./postgres-task-store.js";

const { freshDatabase } = usePrivatePostgres("store_test");

/** Runs `fn` with a short-lived raw Kysely on `url`. */
async function withDb<T>(url: string, fn: (db: ReturnType<typeof createKyselyForUrl>) => Promise<T>): Promise<T> {
  const db = createKyselyForUrl(url, { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

describe("migrations", () => {
  test("run once when two migrators start at the same time, then are a no-op", async () => {
    const url = await freshDatabase();
    const a = createKyselyForUrl(url);
    const b = createKyselyForUrl(url);
    try {
      const [ra, rb] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      // Exactly one run applied every migration, in order; the other found nothing to do.
      const applied = [...ra, ...rb];
      const names = Object.keys(await createMigrationProvider().getMigrations()).sort();
      assert.ok(names.length >= 2 && names[0] === "2026_11_29_00_00_00_create_tasks");
      assert.deepEqual(
        applied.map((r) => [r.migrationName, r.status]),
        names.map((n) => [n, "Success"]),
      );
      assert.ok(ra.length === 0 || rb.length === 0);
      assert.deepEqual(await migrateToLatest(a), []);
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name in ('tasks', 'task_types')`.execute(a);
      assert.equal(rows[0]?.n, 2);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  test("down migrations undo the schema and up applies it again", async () => {
    const url = await freshDatabase();
    await withDb(url, async (db) => {
      await migrateToLatest(db);
      const migrator = new Migrator({ db, provider: createMigrationProvider() });
      const count = Object.keys(await createMigrationProvider().getMigrations()).length;
      for (let i = 0; i < count; i++) assert.equal((await migrator.migrateDown()).error, undefined);
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name in ('tasks', 'task_types')`.execute(db);
      assert.equal(rows[0]?.n, 0);
      assert.equal((await migrateToLatest(db)).length, count);
    });
  });

  test("a store with a pool of one connection migrates and answers", async () => {
    const url = await freshDatabase();
    const store = await createPostgresTaskStore({ databaseUrl: url, poolSize: 1 });
    try {
      await store.ping();
      await store.insertTasks([newTask()]);
    } finally {
      await store.close();
    }
  });

  test("a postgresql:// URL works like postgres://", async () => {
    const url = (await freshDatabase()).replace(/^postgres:\/\//, "postgresql://");
    assert.match(url, /^postgresql:\/\//);
    const store = await createPostgresTaskStore({ databaseUrl: url });
    try {
      await store.ping();
      const task = newTask();
      await store.insertTasks([task]);
      assert.equal((await store.getTask(task.id))?.status, "PENDING");
    } finally {
      await store.close();
    }
  });

  test("an unreachable database makes creation reject", async () => {
    // Port 1 on localhost refuses connections.
    await assert.rejects(createPostgresTaskStore({ databaseUrl: "postgres://postgres@127.0.0.1:1/x" }), (err) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /^migrating the database failed: .*ECONNREFUSED/);
      return true;
    });
  });

  test("a failing migration is named in the error and rolled back", async () => {
    const url = await freshDatabase();
    await withDb(url, async (db) => {
      // A table in the way makes the first migration fail.
      await sql`create table tasks (x int)`.execute(db);
      const count = Object.keys(await createMigrationProvider().getMigrations()).length;
      await assert.rejects(migrateToLatest(db), (err) => {
        assert.ok(err instanceof MigrationError);
        assert.match(err.message, /^migration "2026_11_29_00_00_00_create_tasks" failed: .*already exists/);
        assert.deepEqual(
          err.results.map((r) => r.status),
          ["Error", ...Array(count - 1).fill("NotExecuted")],
        );
        return true;
      });
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables where table_name = 'task_types'`.execute(db);
      assert.equal(rows[0]?.n, 0);
    });
  });
});

/** A fresh, migrated database of its own with a store on it, opened for each contract group. */
async function openContractBackend(): Promise<ContractBackend> {
  const url = await freshDatabase();
  return {
    store: await createPostgresTaskStore({ databaseUrl: url }),
    withDb: (fn) => withDb(url, fn),
    cleanup: async () => {},
  };
}

// Store behaviour shared with every backend; each group gets a fresh database.
describeTaskStoreContract("Postgres store", openContractBackend);
describeBulkActionContract("Postgres store: bulk actions", openContractBackend);
describeScheduleStoreContract("Postgres store: schedules", openContractBackend, true);
describeGroupStoreContract("Postgres store: groups", openContractBackend);

describe("insertTasks and result retention", () => {
  test("a repeated key whose earlier task is deleted between the skipped insert and its lookup inserts the task after all", async () => {
    const url = await freshDatabase();
    const store = await createPostgresTaskStore({ databaseUrl: url });
    const earlier = newTask({ idempotencyKey: "k1" });
    await store.insertTasks([earlier]);
    // A plugin that deletes the earlier task right after the next insert statement ran, as a
    // retention sweep could, before the store looks the key up.
    let armed = true;
    const racing = store.db.withPlugin({
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        if (armed && args.queryId !== undefined) {
          armed = false;
          await sql`delete from tasks where id = ${earlier.id}`.execute(store.db);
        }
        return args.result;
      },
    });
    try {
      const racer = createTaskStoreOnKysely(racing);
      const repeat = newTask({ idempotencyKey: "k1" });
      const other = newTask();
      const answers = await racer.insertTasks([repeat, other]);
      assert.equal(armed, false, "the plugin ran");
      assert.deepEqual(answers.map((a) => [a.id, a.existing]), [[repeat.id, false], [other.id, false]]);
      assert.equal((await store.getTask(repeat.id))?.idempotencyKey, "k1");
      assert.equal(await store.getTask(earlier.id), undefined);
    } finally {
      await store.close();
    }
  });
});
