import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { access, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { makeTempDir } from "../../../test/harness/temp-dir.js";
import { freshPgliteDataDir } from "../../../test/support/pglite-template.js";
import type { TempDir } from "../../../test/harness/temp-dir.js";
import { createMigrationProvider, migrateToLatest } from "../postgres/migrate-to-latest.js";
import { describeTaskStoreContract, newTask, type ContractBackend } from "../task-store-contract.js";
import { describeBulkActionContract } from "../bulk-actions-contract.js";
import { describeScheduleStoreContract } from "../schedule-store-contract.js";
import { describeGroupStoreContract } from "../group-store-contract.js";
import { DataDirLockedError, LOCK_FILE_NAME } from "./data-dir-lock.js";
import { openPgliteDatabase } from "./pglite-database.js";
import { createPgliteTaskStore, createTaskStoreOnPglite } from "./pglite-task-store.js";

const temp: TempDir = makeTempDir("tstasks-pglite-test-");
after(async () => {
  await temp.remove();
});
let folderCount = 0;

/** A path inside the test's temp folder that does not exist yet. */
function freshFolder(): string {
  return join(temp.path, `store-${++folderCount}`, "nested");
}

const templateCopies: string[] = [];
after(async () => {
  for (const dir of templateCopies) await rm(dir, { recursive: true, force: true });
});

/**
 * A copy of the migrated template (see freshPgliteDataDir), removed after the
 * file's tests: for tests that need a store in a folder but not its creation,
 * which (initdb and every migration) takes seconds.
 */
async function migratedFolder(): Promise<string> {
  const dir = await freshPgliteDataDir();
  templateCopies.push(dir);
  return dir;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * A fresh, empty PGlite store persisted in a folder (as `npm start` runs it),
 * opened for each contract group; withDb reaches the store's own session.
 * A copy of the migrated template the e2e stacks use: initdb takes seconds, a copy a fraction of that.
 */
async function openContractBackend(): Promise<ContractBackend> {
  const dataDir = await freshPgliteDataDir();
  const database = await openPgliteDatabase({ dataDir });
  return {
    store: await createTaskStoreOnPglite(database),
    withDb: (fn) => fn(database.db),
    cleanup: async () => {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

// The same behaviour tests as the Postgres store.
describeTaskStoreContract("PGlite store", openContractBackend);
describeBulkActionContract("PGlite store: bulk actions", openContractBackend);
describeGroupStoreContract("PGlite store: groups", openContractBackend);
// SKIP LOCKED has nothing to skip on PGlite's one session: a second round waits for the first.
describeScheduleStoreContract("PGlite store: schedules", openContractBackend, false);

describe("PGlite only", () => {
  test("data persists across close and reopen of the same folder; the lock file goes on close", async () => {
    const dataDir = freshFolder();
    const task = newTask({ args: { keep: ["me", 1] } });
    const done = newTask();
    const type = {
      name: "demo.persist",
      queue: "default",
      protected: true,
      argsSchema: { type: "object" },
      description: "Persists.",
      priority: 7,
      pack: "demo",
      packVersion: "1.2.3",
    };
    const first = await createPgliteTaskStore({ dataDir });
    assert.ok(await exists(join(dataDir, "pgdata", "PG_VERSION")));
    assert.ok(await exists(join(dataDir, LOCK_FILE_NAME)));
    await first.insertTasks([task, done]);
    await first.startTasks([{ id: done.id, worker: "w1" }]);
    assert.deepEqual(await first.finishTasks([{ id: done.id, attempt: 1, status: "SUCCESS", result: [null, { x: 1 }] }]), [true]);
    await first.registerTaskTypes([type]);
    const before = [await first.getTask(task.id), await first.getTask(done.id)];
    await first.close();
    assert.equal(await exists(join(dataDir, LOCK_FILE_NAME)), false);

    const second = await createPgliteTaskStore({ dataDir });
    try {
      assert.deepEqual([await second.getTask(task.id), await second.getTask(done.id)], before);
      assert.deepEqual(await second.listTaskTypes(), [type]);
      assert.equal((await second.getTask(done.id))?.status, "SUCCESS");
    } finally {
      await second.close();
    }
  });

  test("a second open of a folder a live store holds fails clearly, and the first store is unharmed", async () => {
    const dataDir = await migratedFolder();
    const first = await createPgliteTaskStore({ dataDir });
    try {
      const task = newTask();
      await first.insertTasks([task]);
      await assert.rejects(createPgliteTaskStore({ dataDir }), (err) => {
        assert.ok(err instanceof DataDirLockedError);
        assert.equal(err.pid, process.pid);
        assert.match(err.message, /already open in this process/);
        return true;
      });
      // The failed open did not take the lock away or touch the data.
      assert.equal((await readFile(join(dataDir, LOCK_FILE_NAME), "utf8")).trim(), String(process.pid));
      assert.equal((await first.getTask(task.id))?.status, "PENDING");
      await first.insertTasks([newTask()]);
    } finally {
      await first.close();
    }
    // Free again once closed.
    const again = await createPgliteTaskStore({ dataDir });
    assert.equal((await again.listTasks({ limit: 10 })).tasks.length, 2);
    await again.close();
  });

  test("a lock file left by a dead process is taken over", async () => {
    const dataDir = await migratedFolder();
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await once(child, "exit");
    assert.ok(child.pid);
    await writeFile(join(dataDir, LOCK_FILE_NAME), `${child.pid}\n`);
    const store = await createPgliteTaskStore({ dataDir });
    try {
      assert.equal((await readFile(join(dataDir, LOCK_FILE_NAME), "utf8")).trim(), String(process.pid));
      await store.ping();
    } finally {
      await store.close();
    }
  });

  test("an in-memory store (no dataDir) works and leaves nothing behind", async () => {
    const store = await createPgliteTaskStore({});
    const task = newTask();
    await store.insertTasks([task]);
    assert.equal((await store.getTask(task.id))?.status, "PENDING");
    await store.close();
    const other = await createPgliteTaskStore();
    assert.equal(await other.getTask(task.id), undefined);
    await other.close();
  });

  test("concurrent migrators on one session: one applies, the rest find the schema current", async () => {
    const database = await openPgliteDatabase();
    try {
      const runs = await Promise.all(Array.from({ length: 5 }, () => migrateToLatest(database.db)));
      assert.deepEqual(
        runs.map((r) => r.length),
        [Object.keys(await createMigrationProvider().getMigrations()).length, 0, 0, 0, 0],
      );
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables
        where table_schema = 'public' and table_name in ('tasks', 'task_types')`.execute(database.db);
      assert.equal(rows[0]?.n, 2);
    } finally {
      await database.close();
    }
  });

  test("many concurrent callers (inserting, claiming, finishing, listing) neither deadlock nor interleave", async () => {
    const store = await createPgliteTaskStore({ dataDir: await migratedFolder() });
    try {
      const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 25 }, (_, i) => newTask({ args: { b, i } })));
      // Each batch: insert, claim, finish, all batches at once, plus readers.
      const lifecycles = batches.map(async (tasks, b) => {
        await store.insertTasks(tasks);
        const started = await store.startTasks(tasks.map((t) => ({ id: t.id, worker: `w${b}` })));
        assert.ok(started.every((s) => s.run && s.attempt === 1));
        return store.finishTasks(tasks.map((t) => ({ id: t.id, attempt: 1, status: "SUCCESS", result: t.args })));
      });
      const readers = Array.from({ length: 40 }, () => Promise.all([store.listTasks({ limit: 50 }), store.ping(), store.listTaskTypes()]));
      const applied = await Promise.all(lifecycles);
      await Promise.all(readers);
      assert.ok(applied.every((a) => a.length === 25 && a.every(Boolean)));
      const succeeded: string[] = [];
      let page = await store.listTasks({ status: "SUCCESS", limit: 1000 });
      succeeded.push(...page.tasks.map((t) => t.id));
      while (page.next) {
        page = await store.listTasks({ status: "SUCCESS", limit: 1000, after: page.next });
        succeeded.push(...page.tasks.map((t) => t.id));
      }
      assert.equal(new Set(succeeded).size, 1000);
      const sample = batches[17]![3]!;
      assert.deepEqual((await store.getTask(sample.id))?.result, { b: 17, i: 3 });
    } finally {
      await store.close();
    }
  });
});
