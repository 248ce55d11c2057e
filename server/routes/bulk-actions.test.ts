import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { createPgliteTaskStore } from "../../core/store/pglite/pglite-task-store.js";
import type { KyselyTaskStore } from "../../core/store/postgres/postgres-task-store.js";
import type { TaskStore } from "../../core/store/task-store.js";
import { silentLogger } from "../../core/log/default-logger.js";
import { freshPgliteDataDir } from "../../test/support/pglite-template.js";
import { cancelMatching, type BulkActionDeps } from "./bulk-actions.js";

// The batch loop over a real (PGlite) store; the one failure below is injected between batches,
// where a Postgres outage would strike.

let dataDir: string;
let store: KyselyTaskStore;
before(async () => {
  dataDir = await freshPgliteDataDir();
  store = await createPgliteTaskStore({ dataDir });
});
after(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Deps over `s`, batches of 7, recording the cancel notices and events. */
function deps(s: TaskStore) {
  const notices: string[] = [];
  const events: unknown[] = [];
  const d: BulkActionDeps = {
    store: s,
    submitter: { requeue: async () => {} },
    publishCancel: async (id) => void notices.push(id),
    events: { publishEvents: (e) => void events.push(...e) },
    log: silentLogger(),
    batchSize: 7,
  };
  return { d, notices, events };
}

test("a batch that fails stops the call with its code and the count so far; earlier batches stay done", async () => {
  const type = `bulk.fail.${randomUUID()}`;
  const ids = Array.from({ length: 20 }, () => randomUUID());
  await store.insertTasks(ids.map((id) => ({ id, type, queue: "default", args: {} })));
  let calls = 0;
  // The second batch meets Postgres going away (SQLSTATE 57P01, admin shutdown).
  const failing: TaskStore = {
    ...store,
    revokeTaskBatch: (q) => (++calls === 2 ? Promise.reject(Object.assign(new Error("terminating connection"), { code: "57P01" })) : store.revokeTaskBatch(q)),
  };
  const { d, events } = deps(failing);
  await assert.rejects(cancelMatching(d, { filter: { type }, limit: 0 }, new AbortController().signal), (e: unknown) => {
    assert.ok(e instanceof ConnectError);
    assert.equal(e.code, Code.Unavailable);
    assert.match(e.rawMessage, /7 matching tasks were cancelled before this failure/);
    return true;
  });
  const statuses = await Promise.all(ids.map(async (id) => (await store.getTask(id))?.status));
  assert.equal(statuses.filter((s) => s === "REVOKED").length, 7);
  assert.equal(events.length, 7, "the first batch's watchers were told");

  // Calling again finishes the job and skips the 7.
  const again = deps(store);
  assert.deepEqual(await cancelMatching(again.d, { filter: { type }, limit: 0 }, new AbortController().signal), { matched: 20, changed: 13 });
  assert.deepEqual(again.notices, [], "none was running: no cancel notices");
});

test("a limit caps the changes across batches; only tasks that were running get a cancel notice", async () => {
  const type = `bulk.limit.${randomUUID()}`;
  const ids = Array.from({ length: 12 }, () => randomUUID());
  await store.insertTasks(ids.map((id) => ({ id, type, queue: "default", args: {} })));
  await store.startTasks([{ id: ids[0]!, worker: "w" }]);
  const { d, notices } = deps(store);
  assert.deepEqual(await cancelMatching(d, { filter: { type }, limit: 10 }, new AbortController().signal), { matched: 10, changed: 10 });
  assert.deepEqual(await cancelMatching(d, { filter: { type }, limit: 0 }, new AbortController().signal), { matched: 12, changed: 2 });
  assert.deepEqual(notices, [ids[0]]);
});
