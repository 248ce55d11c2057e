import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { BulkBatchQuery, BulkBatchResult, BulkTaskFilter } from "./bulk-action.js";
import { newTask, type ContractBackend } from "./task-store-contract.js";
import type { NewTask } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

// The bulk-action batches of every TaskStore backend (revokeTaskBatch,
// requeueTaskBatch), run by each backend's test file beside the main contract.

/** Runs batches of `run` from the start until no `next` is left; returns every batch. */
async function drain(run: (q: BulkBatchQuery) => Promise<BulkBatchResult>, filter: BulkTaskFilter, limit: number): Promise<BulkBatchResult[]> {
  const batches: BulkBatchResult[] = [];
  let after: BulkBatchQuery["after"];
  for (;;) {
    const batch = await run({ filter, after, limit });
    batches.push(batch);
    if (!batch.next) return batches;
    after = batch.next;
  }
}

/**
 * Registers the bulk-action contract tests under `describe(name)`; `open`
 * gives an empty store, once for the group.
 */
export function describeBulkActionContract(name: string, open: () => Promise<ContractBackend>): void {
  describe(name, () => {
    let backend: ContractBackend | undefined;
    before(async () => {
      backend = await open();
    });
    after(async () => {
      await backend?.store.close();
      await backend?.cleanup();
    });
    const store = (): TaskStore => backend!.store;

    /** Inserts `tasks`, then sets each one's created_at to `minutesAgo` minutes ago (distinct times, set apart by the test). */
    const insertAt = async (tasks: readonly { task: NewTask; minutesAgo: number }[]) => {
      await store().insertTasks(tasks.map((t) => t.task));
      await backend!.withDb(async (db) => {
        for (const { task, minutesAgo } of tasks) {
          await sql`update tasks set created_at = now() - make_interval(secs => ${minutesAgo * 60}::float8) where id = ${task.id}`.execute(db);
        }
      });
    };
    const started = async (id: string) => assert.equal((await store().startTasks([{ id, worker: "w" }]))[0]?.run, true);
    const failed = async (id: string) => {
      await started(id);
      assert.deepEqual(await store().finishTasks([{ id, attempt: 1, status: "FAILURE", error: { type: "Error", message: "boom" } }]), [true]);
    };
    const statusOf = async (id: string) => (await store().getTask(id))?.status;

    test("revokeTaskBatch pages newest first through the filter and revokes what is unfinished, once each", async () => {
      const type = "bulk.revoke.a";
      // Seven of the type, newest first by minutes ago 1..7; two of another type in between.
      const mine = Array.from({ length: 7 }, (_, i) => ({ task: newTask({ type }), minutesAgo: i + 1 }));
      const others = [{ task: newTask({ type: "bulk.revoke.b" }), minutesAgo: 2.5 }, { task: newTask({ type: "bulk.revoke.b" }), minutesAgo: 5.5 }];
      await insertAt([...mine, ...others]);
      const [pending, running, retrying, done] = [mine[0]!.task.id, mine[1]!.task.id, mine[2]!.task.id, mine[3]!.task.id];
      await started(running);
      await started(retrying);
      await store().finishTasks([{ id: retrying, attempt: 1, status: "RETRY", error: { type: "Error", message: "again" } }]);
      await started(done);
      await store().finishTasks([{ id: done, attempt: 1, status: "SUCCESS", result: 1 }]);

      const batches = await drain((q) => store().revokeTaskBatch(q), { type }, 3);
      // 7 tasks in pages of 3: 3, 3, 1 (the last page short, so no cursor after it).
      assert.deepEqual(batches.map((b) => b.matched), [3, 3, 1]);
      assert.equal(batches.at(-1)!.next, undefined);
      const changed = batches.flatMap((b) => b.changed.map((t) => t.id));
      assert.deepEqual(changed, mine.map((m) => m.task.id).filter((id) => id !== done), "newest first, each once, the final one skipped");
      assert.deepEqual(batches.flatMap((b) => b.wereRunning), [running], "only the STARTED one was running");
      for (const b of batches) for (const t of b.changed) assert.equal(t.status, "REVOKED");
      for (const id of [pending, running, retrying]) assert.equal(await statusOf(id), "REVOKED");
      assert.equal(await statusOf(done), "SUCCESS");
      for (const o of others) assert.equal(await statusOf(o.task.id), "PENDING", "another type is untouched");
      // Again: everything matches, nothing is left to revoke.
      const again = await drain((q) => store().revokeTaskBatch(q), { type }, 100);
      assert.deepEqual([again[0]!.matched, again[0]!.changed.length], [7, 0]);
    });

    test("revokeTaskBatch filters by status, owner and creation time; the status is checked on the locked row", async () => {
      const type = "bulk.revoke.filters";
      const a = { task: newTask({ type, owner: "alice" }), minutesAgo: 30 };
      const b = { task: newTask({ type, owner: "alice" }), minutesAgo: 20 };
      const c = { task: newTask({ type, owner: "bob" }), minutesAgo: 20 };
      const d = { task: newTask({ type, owner: "alice" }), minutesAgo: 10 };
      await insertAt([a, b, c, d]);
      await started(d.task.id);
      const now = Date.now();
      const window = { createdAfter: new Date(now - 25 * 60_000), createdBefore: new Date(now - 5 * 60_000) };
      // alice's PENDING tasks of the last 25 to 5 minutes: b only (a is older, c is bob's, d is STARTED).
      const batches = await drain((q) => store().revokeTaskBatch(q), { type, owner: "alice", status: "PENDING", ...window }, 10);
      assert.deepEqual(batches.flatMap((x) => x.changed.map((t) => t.id)), [b.task.id]);
      assert.equal(batches[0]!.matched, 1);
      assert.deepEqual([await statusOf(a.task.id), await statusOf(c.task.id), await statusOf(d.task.id)], ["PENDING", "PENDING", "STARTED"]);
      const none = await store().revokeTaskBatch({ filter: { type, status: "FAILURE" }, limit: 10 });
      assert.deepEqual([none.matched, none.changed, none.next], [0, [], undefined]);
    });

    test("requeueTaskBatch puts FAILURE and REVOKED tasks back to PENDING with an outbox row, and skips the rest", async () => {
      const type = "bulk.requeue";
      const tasks = Array.from({ length: 5 }, (_, i) => ({ task: newTask({ type }), minutesAgo: i + 1 }));
      await insertAt(tasks);
      const [f1, f2, revoked, ok, pending] = tasks.map((t) => t.task.id) as [string, string, string, string, string];
      await failed(f1);
      await failed(f2);
      await store().revokeTask(revoked);
      await started(ok);
      await store().finishTasks([{ id: ok, attempt: 1, status: "SUCCESS", result: 2 }]);
      await store().markPublished([f1, f2, revoked, ok, pending]);

      const batches = await drain((q) => store().requeueTaskBatch(q), { type }, 2);
      assert.deepEqual(batches.map((b) => b.matched), [2, 2, 1]);
      assert.deepEqual(batches.flatMap((b) => b.changed.map((t) => t.id)), [f1, f2, revoked]);
      assert.deepEqual(batches.flatMap((b) => b.wereRunning), []);
      for (const id of [f1, f2, revoked]) {
        const t = await store().getTask(id);
        assert.equal(t?.status, "PENDING");
        assert.equal(t?.requeues, 1);
        assert.equal(t?.error, null);
        assert.equal(t?.finishedAt, null);
      }
      assert.equal((await store().getTask(f1))?.errors.length, 1, "the failed attempt's error is kept");
      assert.deepEqual(await store().awaitingDispatch([f1, f2, revoked, ok, pending]), new Set([f1, f2, revoked]), "queued through the outbox");
      assert.deepEqual([await statusOf(ok), await statusOf(pending)], ["SUCCESS", "PENDING"]);

      // A status filter: only the FAILURE ones (none now), then a new failure is found.
      assert.equal((await store().requeueTaskBatch({ filter: { type, status: "FAILURE" }, limit: 10 })).changed.length, 0);
      await store().startTasks([{ id: f1, worker: "w" }]);
      await store().finishTasks([{ id: f1, attempt: 2, status: "FAILURE", error: { type: "Error", message: "again" } }]);
      const second = await store().requeueTaskBatch({ filter: { type, status: "FAILURE" }, limit: 10 });
      assert.deepEqual(second.changed.map((t) => [t.id, t.requeues]), [[f1, 2]]);
    });

    test("a batch's limit must be a whole number in 1..10000", async () => {
      for (const limit of [0, -1, 1.5, 10_001]) {
        await assert.rejects(store().revokeTaskBatch({ filter: {}, limit }), RangeError);
        await assert.rejects(store().requeueTaskBatch({ filter: {}, limit }), RangeError);
      }
      await assert.rejects(store().revokeTaskBatch({ filter: { createdAfter: new Date(Number.NaN) }, limit: 1 }), RangeError);
    });
  });
}
