import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { JsonValue } from "../task/json.js";
import type { Database } from "./postgres/database.js";
import { DuplicateTaskError, InvalidListQueryError, InvalidTaskIdError } from "./store-errors.js";
import type { NewTask, TaskCursor, TaskRecord } from "./task-record.js";
import type { TaskStore } from "./task-store.js";
import type { TaskStats } from "./task-stats.js";
import type { WorkerHeartbeat } from "./worker-record.js";

// The behaviour every TaskStore backend must show, written once and run by
// each backend's test file against a real database of that kind.

/** One freshly opened, migrated and empty backend for a group of contract tests. */
export interface ContractBackend {
  store: TaskStore;
  /**
   * Runs `fn` with a Kysely on the store's database, for setup and checks the
   * interface cannot express (a RETRY status, the SQL type of a stored value).
   * Only called while `store` is open.
   */
  withDb<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Frees whatever the backend holds besides the store; called after `store.close()`. */
  cleanup(): Promise<void>;
}

/** A new task with a random id; `overrides` replace fields. */
export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return { id: randomUUID(), type: "demo.math.add", queue: "default", args: { a: 1, b: 2 }, ...overrides };
}

/**
 * Opens one backend for the enclosing describe group before its tests
 * (node:test `before`) and, after them, closes its store and frees it.
 * Returns getters, since the backend exists only once `before` has run:
 * call them inside tests and hooks registered after this call, never while
 * the group is being declared.
 */
function useBackend(open: () => Promise<ContractBackend>): { backend: () => ContractBackend; store: () => TaskStore } {
  let opened: ContractBackend | undefined;
  before(async () => {
    opened = await open();
  });
  after(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });
  const backend = (): ContractBackend => {
    if (!opened) throw new Error("the contract backend is not open: use it inside a test or hook");
    return opened;
  };
  return { backend, store: () => backend().store };
}

/**
 * Registers the TaskStore contract tests (node:test) under `describe(name)`.
 * `open` is called once per group of tests and must give an empty store.
 */
export function describeTaskStoreContract(name: string, open: () => Promise<ContractBackend>): void {
  describe(name, () => {
    describe("tasks", () => {
      const { backend, store } = useBackend(open);

      test("insert then get returns a PENDING record", async () => {
        const task = newTask({ args: { text: "héllo", list: [1, "two", null], nested: { ok: true } } });
        await store().insertTasks([task]);
        const rec = await store().getTask(task.id);
        assert.ok(rec);
        assert.deepEqual(
          { ...rec, createdAt: undefined },
          {
            ...task,
            status: "PENDING",
            result: null,
            error: null,
            attempts: 0,
            worker: null,
            createdAt: undefined,
            startedAt: null,
            finishedAt: null,
            owner: null,
            permission: null,
            errors: [],
            maxRetries: null,
            runAt: null,
            idempotencyKey: null,
            timeoutMs: null,
            expiresAt: null,
            lostAttempts: 0,
            progress: 0,
            progressMessage: "",
            unservedHandbacks: 0,
            unservedSince: null,
            requeues: 0,
            groupId: null,
            groupIndex: null,
            gatherOf: null,
            chainId: null,
            chainStep: null,
            priority: 5,
          },
        );
        assert.ok(rec.createdAt instanceof Date && Math.abs(rec.createdAt.getTime() - Date.now()) < 60_000);
      });

      test("a task keeps the priority it was inserted with (default 5); the column refuses one out of 1..10", async () => {
        const [high, plain] = [newTask({ priority: 10 }), newTask()];
        await store().insertTasks([high, plain]);
        assert.equal((await store().getTask(high.id))?.priority, 10);
        assert.equal((await store().getTask(plain.id))?.priority, 5);
        await assert.rejects(store().insertTasks([newTask({ priority: 11 })]), /check/);
      });

      test("RETRY records the attempt's error and leaves the task unfinished; the next claim runs attempt 2", async () => {
        const task = newTask({ maxRetries: 3 });
        await store().insertTasks([task]);
        const [first] = await store().startTasks([{ id: task.id, worker: "w" }]);
        assert.ok(first?.run);
        assert.deepEqual(await store().finishTasks([{ id: task.id, attempt: 1, status: "RETRY", error: { type: "Error", message: "boom" } }]), [true]);
        const waiting = await store().getTask(task.id);
        assert.equal(waiting?.status, "RETRY");
        assert.equal(waiting?.finishedAt, null);
        assert.equal(waiting?.maxRetries, 3);
        assert.deepEqual(waiting?.errors, [{ attempt: 1, type: "Error", message: "boom" }]);
        const [second] = await store().startTasks([{ id: task.id, worker: "w" }]);
        assert.ok(second?.run && second.attempt === 2);
        // A late outcome of attempt 1 no longer applies.
        assert.deepEqual(await store().finishTasks([{ id: task.id, attempt: 1, status: "SUCCESS", result: 1 }]), [false]);
        await store().finishTasks([{ id: task.id, attempt: 2, status: "FAILURE", error: { type: "Error", message: "again" } }]);
        const failed = await store().getTask(task.id);
        assert.equal(failed?.status, "FAILURE");
        assert.deepEqual(failed?.errors.map((e) => [e.attempt, e.message]), [
          [1, "boom"],
          [2, "again"],
        ]);
      });

      test("expireTasks ends overdue PENDING tasks only, and a claim never starts an overdue one", async () => {
        const overdue = newTask({ expiresAt: new Date(Date.now() - 1000) });
        const later = newTask({ expiresAt: new Date(Date.now() + 60_000) });
        const none = newTask();
        await store().insertTasks([overdue, later, none]);
        const [claim] = await store().startTasks([{ id: overdue.id, worker: "w" }]);
        assert.equal(claim?.run, false);
        const ended = await store().expireTasks(1000);
        assert.ok(ended.some((e) => e.id === overdue.id && e.attempt === 0), JSON.stringify(ended));
        assert.ok(!ended.some((e) => e.id === later.id || e.id === none.id));
        const expired = await store().getTask(overdue.id);
        assert.equal(expired?.status, "FAILURE");
        assert.equal(expired?.error?.type, "Expired");
        assert.equal(expired?.errors.length, 1);
        assert.equal((await store().getTask(later.id))?.status, "PENDING");
        assert.equal((await store().getTask(none.id))?.status, "PENDING");
      });

      test("the outbox: dispatchUnpublished hands over unpublished PENDING rows once, and only after publish succeeds", async () => {
        const a = newTask();
        const b = newTask();
        const done = newTask();
        await store().insertTasks([a, b, done]);
        assert.deepEqual(await store().awaitingDispatch([a.id, b.id, done.id, randomUUID(), "nope"]), new Set([a.id, b.id, done.id]));
        await store().markPublished([done.id]);
        await assert.rejects(
          store().dispatchUnpublished(1000, 0, async () => {
            throw new Error("queue down");
          }),
          /queue down/,
        );
        const seen: string[] = [];
        const n = await store().dispatchUnpublished(1000, 0, async (tasks) => {
          seen.push(...tasks.map((t) => t.id));
        });
        assert.ok(n >= 2);
        assert.ok(seen.includes(a.id) && seen.includes(b.id), "still there after the failed round");
        assert.ok(!seen.includes(done.id));
        assert.deepEqual(await store().awaitingDispatch([a.id, b.id, done.id]), new Set(), "dispatched rows leave the outbox");
        const again: string[] = [];
        await store().dispatchUnpublished(1000, 0, async (tasks) => {
          again.push(...tasks.map((t) => t.id));
        });
        assert.ok(!again.includes(a.id));
        // A held task waits for its run_at, whatever the age limit, and markPublished leaves it; once due it is dispatched.
        const later = newTask({ runAt: new Date(Date.now() + 60_000), hold: true });
        const due = newTask({ runAt: new Date(Date.now() - 1000), hold: true });
        await store().insertTasks([later, due]);
        await store().markPublished([later.id]);
        assert.ok((await store().awaitingDispatch([later.id])).has(later.id), "markPublished took a held row out of the outbox");
        const held: string[] = [];
        await store().dispatchUnpublished(1000, 60_000, async (tasks) => void held.push(...tasks.map((t) => t.id)));
        assert.ok(!held.includes(later.id), "a task due later was dispatched early");
        assert.ok(held.includes(due.id), "a delayed task that is due waits for no age limit");
        // Rows younger than the age limit wait for their own submit to publish them.
        const fresh = newTask();
        await store().insertTasks([fresh]);
        const young: string[] = [];
        await store().dispatchUnpublished(1000, 60_000, async (tasks) => {
          young.push(...tasks.map((t) => t.id));
        });
        assert.ok(!young.includes(fresh.id));
      });

      test("deferUnservedTasks parks PENDING and RETRY rows with a doubling delay, fails them past the bound, leaves the rest", async () => {
        const policy = { firstDelayMs: 200, maxDelayMs: 300, maxHandbacks: 2, maxAgeMs: 60_000 };
        const pending = newTask();
        const retry = newTask();
        const started = newTask();
        const revoked = newTask();
        await store().insertTasks([pending, retry, started, revoked]);
        await store().markPublished([pending.id, retry.id, started.id, revoked.id]);
        await backend().withDb((db) => db.updateTable("tasks").set({ status: "RETRY", attempts: 1 }).where("id", "=", retry.id).execute());
        await store().startTasks([{ id: started.id, worker: "w" }]);
        await store().revokeTask(revoked.id);
        const missing = randomUUID();

        const first = await store().deferUnservedTasks([pending.id, retry.id, started.id, revoked.id, missing, "not-a-uuid", pending.id], policy);
        assert.deepEqual(first.map((r) => r.outcome), ["deferred", "deferred", "started", "final", "not_found", "not_found", "started"]);
        assert.deepEqual(first[0], { outcome: "deferred", handbacks: 1, delayMs: 200 });
        assert.deepEqual(first[3], { outcome: "final", status: "REVOKED" });
        const parked = await store().getTask(pending.id);
        assert.equal(parked?.status, "PENDING");
        assert.deepEqual(await store().awaitingDispatch([pending.id]), new Set([pending.id]), "unpublished again, for the dispatcher");
        assert.equal(parked?.unservedHandbacks, 1);
        assert.ok(parked?.unservedSince instanceof Date);
        assert.equal((await store().getTask(retry.id))?.status, "RETRY");

        // Not dispatched before its delay is over (whatever the age limit), then dispatched once.
        const early: string[] = [];
        await store().dispatchUnpublished(1000, 0, async (tasks) => void early.push(...tasks.map((t) => t.id)));
        assert.ok(!early.includes(pending.id) && !early.includes(retry.id), "dispatched before its delay");
        await new Promise((r) => setTimeout(r, 250));
        const due: string[] = [];
        await store().dispatchUnpublished(1000, 60_000, async (tasks) => void due.push(...tasks.map((t) => t.id)));
        assert.ok(due.includes(pending.id) && due.includes(retry.id), "parked rows are due after their delay");

        // The delay doubles up to the cap; the delivery after maxHandbacks fails the task.
        const second = await store().deferUnservedTasks([pending.id], policy);
        assert.deepEqual(second, [{ outcome: "deferred", handbacks: 2, delayMs: 300 }]);
        const third = await store().deferUnservedTasks([pending.id], policy);
        assert.deepEqual(third, [{ outcome: "failed", attempt: 0, handbacks: 3 }]);
        const failed = await store().getTask(pending.id);
        assert.equal(failed?.status, "FAILURE");
        assert.equal(failed?.error?.type, "NoWorkerForType");
        assert.match(failed?.error?.message ?? "", /no worker of queue default has task type demo\.math\.add \(handed back 3 times/);
        assert.deepEqual(failed?.errors.map((e) => [e.attempt, e.type]), [[0, "NoWorkerForType"]]);
        assert.ok(failed?.finishedAt instanceof Date);
        assert.deepEqual(await store().deferUnservedTasks([pending.id], policy), [{ outcome: "final", status: "FAILURE" }]);

        // A submit's late markPublished never hides a row a worker parked meanwhile from the dispatcher.
        const raced = newTask();
        await store().insertTasks([raced]);
        await store().deferUnservedTasks([raced.id], { ...policy, firstDelayMs: 0 });
        await store().markPublished([raced.id]);
        assert.deepEqual(await store().awaitingDispatch([raced.id]), new Set([raced.id]), "the parked row was marked published");

        // A retry starts the bound afresh.
        assert.equal((await store().requeueTask(pending.id)).outcome, "requeued");
        const requeued = await store().getTask(pending.id);
        assert.equal(requeued?.unservedHandbacks, 0);
        assert.equal(requeued?.unservedSince, null);

        // The age bound: a task first handed back longer ago than maxAgeMs fails at its next delivery.
        await store().deferUnservedTasks([retry.id], policy);
        const aged = await store().deferUnservedTasks([retry.id], { ...policy, maxHandbacks: 100, maxAgeMs: 0 });
        assert.equal(aged[0]?.outcome, "failed");
      });

      test("insert records the owner and permission; list filters by owner; insert returns the stored createdAt", async () => {
        const mine = newTask({ owner: "alice", permission: "test.main.myProtectedTask" });
        const theirs = newTask({ owner: "bob" });
        const [inserted] = await store().insertTasks([mine, theirs]);
        const createdAt = inserted?.createdAt;
        const rec = await store().getTask(mine.id);
        assert.equal(rec?.owner, "alice");
        assert.equal(rec?.permission, "test.main.myProtectedTask");
        assert.equal(rec?.createdAt.getTime(), createdAt?.getTime());
        const page = await store().listTasks({ limit: 1000, owner: "alice" });
        assert.ok(page.tasks.some((t) => t.id === mine.id));
        assert.ok(page.tasks.every((t) => t.owner === "alice"));
      });

      test("getTask: unknown and non-UUID ids are undefined", async () => {
        assert.equal(await store().getTask(randomUUID()), undefined);
        assert.equal(await store().getTask("not-a-uuid"), undefined);
        assert.equal(await store().getTask(""), undefined);
      });

      test("insert is all or nothing: a duplicate id fails the whole batch", async () => {
        const existing = newTask();
        await store().insertTasks([existing]);
        const fresh = newTask();
        await assert.rejects(store().insertTasks([fresh, { ...existing }]), DuplicateTaskError);
        assert.equal(await store().getTask(fresh.id), undefined);
        const twice = newTask();
        await assert.rejects(store().insertTasks([twice, twice]), DuplicateTaskError);
        assert.equal(await store().getTask(twice.id), undefined);
      });

      test("insert rejects a non-UUID id", async () => {
        await assert.rejects(store().insertTasks([newTask({ id: "task-1" })]), InvalidTaskIdError);
      });

      test("a large batch goes in as one insert", async () => {
        const tasks = Array.from({ length: 20_000 }, (_, i) => newTask({ args: { i } }));
        await store().insertTasks(tasks);
        assert.deepEqual((await store().getTask(tasks[19_999]!.id))?.args, { i: 19_999 });
      });

      test("every kind of JSON result round-trips exactly; JSON null is not SQL NULL", async () => {
        const results: JsonValue[] = ["a string", "", 42, -1.5, 0, true, false, null, [], [1, "x", null, { y: [2] }], {}, { a: { b: null } }];
        const tasks = results.map(() => newTask());
        await store().insertTasks(tasks);
        const started = await store().startTasks(tasks.map((t) => ({ id: t.id, worker: "w1" })));
        assert.ok(started.every((s) => s.run && s.attempt === 1));
        const applied = await store().finishTasks(
          tasks.map((t, i) => ({ id: t.id, attempt: 1, status: "SUCCESS", result: results[i]! })),
        );
        assert.deepEqual(applied, results.map(() => true));
        for (const [i, t] of tasks.entries()) {
          const rec = await store().getTask(t.id);
          assert.equal(rec?.status, "SUCCESS");
          assert.deepEqual(rec?.result, results[i], `result ${i}`);
          assert.equal(rec?.error, null);
          assert.ok(rec?.finishedAt instanceof Date);
        }
        const nullIndex = results.indexOf(null);
        const pending = newTask();
        await store().insertTasks([pending]);
        await backend().withDb(async (db) => {
          const { rows } = await sql<{ id: string; sql_null: boolean; kind: string | null }>`
            select id, result is null as sql_null, jsonb_typeof(result) as kind from tasks
            where id in (${tasks[nullIndex]!.id}, ${tasks[0]!.id}, ${pending.id})`.execute(db);
          const byId = new Map(rows.map((r) => [r.id, r]));
          assert.deepEqual(byId.get(tasks[nullIndex]!.id), { id: tasks[nullIndex]!.id, sql_null: false, kind: "null" });
          assert.deepEqual(byId.get(tasks[0]!.id), { id: tasks[0]!.id, sql_null: false, kind: "string" });
          assert.deepEqual(byId.get(pending.id), { id: pending.id, sql_null: true, kind: null });
        });
      });

      test("startTasks claims a batch in one go and tells final from unknown, in input order", async () => {
        const pending = newTask();
        const retry = newTask();
        const running = newTask();
        const done = newTask();
        const revoked = newTask();
        await store().insertTasks([pending, retry, running, done, revoked]);
        await backend().withDb((db) => db.updateTable("tasks").set({ status: "RETRY", attempts: 1 }).where("id", "=", retry.id).execute());
        assert.ok((await store().startTasks([{ id: running.id, worker: "w0" }]))[0]?.run);
        assert.ok((await store().startTasks([{ id: done.id, worker: "w0" }]))[0]?.run);
        assert.deepEqual(await store().finishTasks([{ id: done.id, attempt: 1, status: "SUCCESS", result: 1 }]), [true]);
        assert.equal((await store().revokeTask(revoked.id)).outcome, "revoked");

        const unknown = randomUUID();
        const res = await store().startTasks([
          { id: done.id, worker: "w1" },
          { id: pending.id, worker: "w1" },
          { id: unknown, worker: "w1" },
          { id: retry.id, worker: "w2" },
          { id: pending.id, worker: "w3" },
          { id: running.id, worker: "w2" },
          { id: "nope", worker: "w1" },
          { id: revoked.id, worker: "w1" },
        ]);
        assert.deepEqual(
          res.map((r) => (r.run ? { run: true, attempt: r.attempt, id: r.record.id, worker: r.record.worker } : r)),
          [
            { run: false, reason: "final", status: "SUCCESS" },
            { run: true, attempt: 1, id: pending.id, worker: "w1" },
            { run: false, reason: "not_found" },
            { run: true, attempt: 2, id: retry.id, worker: "w2" },
            // The same id twice in one batch: only the first claims.
            { run: false, reason: "final", status: "STARTED" },
            // A redelivery of a STARTED task claims it again with a new attempt.
            { run: true, attempt: 2, id: running.id, worker: "w2" },
            { run: false, reason: "not_found" },
            { run: false, reason: "final", status: "REVOKED" },
          ],
        );
        const rec = res[1]!.run ? res[1]!.record : undefined;
        assert.equal(rec?.status, "STARTED");
        assert.ok(rec?.startedAt instanceof Date);
        assert.deepEqual(await store().getTask(pending.id), rec);
        assert.deepEqual(await store().startTasks([]), []);
      });

      test("startTasks leaves a task STARTED with the claim's runningAttempt alone; another attempt number claims it", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        const [first] = await store().startTasks([{ id: task.id, worker: "w1" }]);
        assert.ok(first?.run && first.attempt === 1);
        // A duplicate message, claimed by the worker that runs attempt 1.
        assert.deepEqual(await store().startTasks([{ id: task.id, worker: "w1", runningAttempt: 1 }]), [
          { run: false, reason: "final", status: "STARTED" },
        ]);
        const untouched = await store().getTask(task.id);
        assert.equal(untouched?.attempts, 1);
        assert.equal(untouched?.lostAttempts, 0);
        // A worker running some other attempt (say a stale one) does not stop a redelivery's claim.
        const [again] = await store().startTasks([{ id: task.id, worker: "w2", runningAttempt: 7 }]);
        assert.ok(again?.run);
        assert.equal(again.attempt, 2);
        assert.equal(again.record.lostAttempts, 1);
        // runningAttempt says nothing about tasks that are not STARTED.
        const pending = newTask();
        await store().insertTasks([pending]);
        const [fresh] = await store().startTasks([{ id: pending.id, worker: "w1", runningAttempt: 0 }]);
        assert.ok(fresh?.run && fresh.attempt === 1);
      });

      test("requeueTask counts the requeues, each one queueing of the task", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        assert.equal((await store().revokeTask(task.id)).outcome, "revoked");
        const first = await store().requeueTask(task.id);
        assert.equal(first.outcome, "requeued");
        assert.equal(first.outcome === "requeued" ? first.record.requeues : undefined, 1);
        assert.equal((await store().revokeTask(task.id)).outcome, "revoked");
        const second = await store().requeueTask(task.id);
        assert.equal(second.outcome === "requeued" ? second.record.requeues : undefined, 2);
        assert.equal((await store().getTask(task.id))?.requeues, 2);
      });

      test("finishTasks applies only the current attempt, once", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        await store().startTasks([{ id: task.id, worker: "w1" }]);
        await store().startTasks([{ id: task.id, worker: "w2" }]); // redelivered: attempt 2
        assert.deepEqual(
          await store().finishTasks([
            { id: task.id, attempt: 1, status: "SUCCESS", result: "stale" },
            { id: randomUUID(), attempt: 1, status: "SUCCESS", result: 1 },
            { id: "nope", attempt: 1, status: "SUCCESS", result: 1 },
          ]),
          [false, false, false],
        );
        assert.equal((await store().getTask(task.id))?.status, "STARTED");
        assert.deepEqual(
          await store().finishTasks([
            { id: task.id, attempt: 1, status: "FAILURE", error: { type: "Error", message: "stale" } },
            { id: task.id, attempt: 2, status: "SUCCESS", result: { answer: 42 } },
            { id: task.id, attempt: 2, status: "SUCCESS", result: "duplicate" },
          ]),
          [false, true, false],
        );
        // A later outcome never overwrites the final one.
        assert.deepEqual(
          await store().finishTasks([{ id: task.id, attempt: 2, status: "FAILURE", error: { type: "Error", message: "late" } }]),
          [false],
        );
        const rec = await store().getTask(task.id);
        assert.equal(rec?.status, "SUCCESS");
        assert.deepEqual(rec?.result, { answer: 42 });
        assert.equal(rec?.error, null);
        assert.equal(rec?.attempts, 2);
        assert.equal(rec?.worker, "w2");
        // A final task cannot be claimed again either.
        assert.deepEqual(await store().startTasks([{ id: task.id, worker: "w3" }]), [{ run: false, reason: "final", status: "SUCCESS" }]);
      });

      test("releaseTasks hands a running attempt back to PENDING without counting a lost attempt; numbers are not reused", async () => {
        const task = newTask({ expiresAt: new Date(Date.now() + 60_000) });
        const lost = newTask();
        await store().insertTasks([task, lost]);
        const [first] = await store().startTasks([{ id: task.id, worker: "w1" }]);
        assert.ok(first?.run && first.attempt === 1);
        assert.deepEqual(await store().releaseTasks([{ id: task.id, attempt: 1 }]), [true]);
        const released = await store().getTask(task.id);
        assert.equal(released?.status, "PENDING");
        assert.equal(released?.attempts, 1);
        assert.equal(released?.lostAttempts, 0);
        assert.equal(released?.expiresAt, null, "it started in time: the queue deadline no longer applies");
        assert.equal(released?.finishedAt, null);
        assert.equal(released?.worker, "w1");
        // The released attempt's late outcome no longer applies, nor does a second release.
        assert.deepEqual(await store().finishTasks([{ id: task.id, attempt: 1, status: "SUCCESS", result: "late" }]), [false]);
        assert.deepEqual(await store().releaseTasks([{ id: task.id, attempt: 1 }]), [false]);
        const [second] = await store().startTasks([{ id: task.id, worker: "w2" }]);
        assert.ok(second?.run);
        assert.equal(second.attempt, 2);
        assert.equal(second.record.lostAttempts, 0);
        assert.deepEqual(await store().finishTasks([{ id: task.id, attempt: 2, status: "SUCCESS", result: 7 }]), [true]);
        const done = await store().getTask(task.id);
        assert.deepEqual([done?.status, done?.result, done?.attempts, done?.lostAttempts, done?.worker], ["SUCCESS", 7, 2, 0, "w2"]);
        // Without a release, claiming a STARTED task again counts its previous attempt as lost.
        await store().startTasks([{ id: lost.id, worker: "w1" }]);
        const [again] = await store().startTasks([{ id: lost.id, worker: "w2" }]);
        assert.ok(again?.run && again.attempt === 2 && again.record.lostAttempts === 1);
      });

      test("releaseTasks applies only to the task's current STARTED attempt, once per batch, in input order", async () => {
        const running = newTask();
        const pending = newTask();
        const retry = newTask();
        const done = newTask();
        const revoked = newTask();
        await store().insertTasks([running, pending, retry, done, revoked]);
        await store().startTasks([running, retry, done, revoked].map((t) => ({ id: t.id, worker: "w1" })));
        assert.deepEqual(await store().finishTasks([{ id: retry.id, attempt: 1, status: "RETRY", error: { type: "Error", message: "x" } }]), [true]);
        assert.deepEqual(await store().finishTasks([{ id: done.id, attempt: 1, status: "SUCCESS", result: 1 }]), [true]);
        assert.equal((await store().revokeTask(revoked.id)).outcome, "revoked");
        assert.deepEqual(
          await store().releaseTasks([
            { id: running.id, attempt: 2 },
            { id: pending.id, attempt: 0 },
            { id: retry.id, attempt: 1 },
            { id: done.id, attempt: 1 },
            { id: revoked.id, attempt: 1 },
            { id: randomUUID(), attempt: 1 },
            { id: "nope", attempt: 1 },
            { id: running.id, attempt: 1.5 },
            { id: running.id, attempt: 1 },
            { id: running.id, attempt: 1 },
          ]),
          [false, false, false, false, false, false, false, false, true, false],
        );
        const statuses = await Promise.all([running, pending, retry, done, revoked].map(async (t) => (await store().getTask(t.id))?.status));
        assert.deepEqual(statuses, ["PENDING", "PENDING", "RETRY", "SUCCESS", "REVOKED"]);
        assert.deepEqual(await store().releaseTasks([]), []);
      });

      test("a FAILURE stores its error and no result", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        await store().startTasks([{ id: task.id, worker: "w1" }]);
        const error = { type: "NonRetryableError", message: "bad input" };
        assert.deepEqual(await store().finishTasks([{ id: task.id, attempt: 1, status: "FAILURE", error }]), [true]);
        const rec = await store().getTask(task.id);
        assert.equal(rec?.status, "FAILURE");
        assert.deepEqual(rec?.error, error);
        assert.equal(rec?.result, null);
      });

      test("revokeTask: PENDING, RETRY and STARTED are revoked, final ones reported", async () => {
        const pending = newTask();
        const retry = newTask();
        const running = newTask();
        await store().insertTasks([pending, retry, running]);
        await backend().withDb((db) => db.updateTable("tasks").set({ status: "RETRY" }).where("id", "=", retry.id).execute());
        await store().startTasks([{ id: running.id, worker: "w1" }]);

        const r1 = await store().revokeTask(pending.id);
        assert.equal(r1.outcome, "revoked");
        assert.ok(r1.outcome === "revoked" && r1.record.status === "REVOKED" && r1.record.finishedAt instanceof Date);
        assert.equal((await store().getTask(pending.id))?.status, "REVOKED");
        assert.equal((await store().revokeTask(retry.id)).outcome, "revoked");

        const again = await store().revokeTask(pending.id);
        assert.ok(again.outcome === "not_revocable" && again.record.status === "REVOKED");
        const r3 = await store().revokeTask(running.id);
        assert.ok(r3.outcome === "revoked" && r3.record.status === "REVOKED");
        // The running attempt's late outcome does not overwrite REVOKED.
        assert.deepEqual(await store().finishTasks([{ id: running.id, attempt: 1, status: "SUCCESS", result: 1 }]), [false]);
        assert.equal((await store().getTask(running.id))?.status, "REVOKED");
        assert.deepEqual(await store().revokeTask(randomUUID()), { outcome: "not_found" });
        assert.deepEqual(await store().revokeTask("nope"), { outcome: "not_found" });
      });
    });

    describe("listTasks", () => {
      const { store } = useBackend(open);
      const all: TaskRecord[] = [];
      before(async () => {
        // Three batches: tasks of one batch share created_at, so the id breaks ties.
        for (let batch = 0; batch < 3; batch++) {
          const tasks = Array.from({ length: 9 }, (_, i) => newTask({ type: i % 3 === 0 ? "demo.b" : "demo.a" }));
          await store().insertTasks(tasks);
          await new Promise((r) => setTimeout(r, 5));
        }
        const page = await store().listTasks({ limit: 1000 });
        all.push(...page.tasks);
        // Start every fourth task.
        const toStart = all.filter((_, i) => i % 4 === 0);
        await store().startTasks(toStart.map((t) => ({ id: t.id, worker: "w" })));
      });

      /** Newest first by (createdAt, id), as the store promises. */
      function isNewestFirst(tasks: TaskRecord[]): boolean {
        return tasks.every((t, i) => {
          const prev = tasks[i - 1];
          if (!prev) return true;
          const d = prev.createdAt.getTime() - t.createdAt.getTime();
          return d > 0 || (d === 0 && prev.id > t.id);
        });
      }

      test("without filters: all tasks newest first, no next on the last page", async () => {
        assert.equal(all.length, 27);
        assert.ok(isNewestFirst(all));
        assert.equal(new Set(all.map((t) => t.createdAt.getTime())).size, 3);
        const page = await store().listTasks({ limit: 27 });
        assert.equal(page.next, undefined);
      });

      test("three pages cover every task once, in order", async () => {
        const seen: TaskRecord[] = [];
        const sizes: number[] = [];
        let after: TaskCursor | undefined;
        for (;;) {
          const page = await store().listTasks({ limit: 10, ...(after ? { after } : {}) });
          sizes.push(page.tasks.length);
          seen.push(...page.tasks);
          if (!page.next) break;
          after = page.next;
        }
        assert.deepEqual(sizes, [10, 10, 7]);
        assert.deepEqual(
          seen.map((t) => t.id),
          all.map((t) => t.id),
        );
      });

      test("filters by type, status and both, with paging", async () => {
        const typeB = await store().listTasks({ type: "demo.b", limit: 100 });
        assert.deepEqual(
          typeB.tasks.map((t) => t.id),
          all.filter((t) => t.type === "demo.b").map((t) => t.id),
        );
        const started = await store().listTasks({ status: "STARTED", limit: 100 });
        assert.equal(started.tasks.length, 7);
        assert.ok(started.tasks.every((t) => t.status === "STARTED"));
        assert.ok(isNewestFirst(started.tasks));

        const both: string[] = [];
        let page = await store().listTasks({ type: "demo.a", status: "PENDING", limit: 4 });
        both.push(...page.tasks.map((t) => t.id));
        while (page.next) {
          page = await store().listTasks({ type: "demo.a", status: "PENDING", limit: 4, after: page.next });
          both.push(...page.tasks.map((t) => t.id));
        }
        const startedIds = new Set(started.tasks.map((t) => t.id));
        assert.deepEqual(
          both,
          all.filter((t) => t.type === "demo.a" && !startedIds.has(t.id)).map((t) => t.id),
        );
        assert.deepEqual((await store().listTasks({ type: "nope", limit: 10 })).tasks, []);
      });

      test("filters by creation time: createdAfter inclusive, createdBefore exclusive, with other filters and paging", async () => {
        const times = [...new Set(all.map((t) => t.createdAt.getTime()))].sort((a, b) => a - b);
        assert.equal(times.length, 3);
        const [first, second, third] = times.map((t) => new Date(t)) as [Date, Date, Date];
        const ids = (pred: (t: TaskRecord) => boolean) => all.filter(pred).map((t) => t.id);
        const list = async (query: Omit<Parameters<TaskStore["listTasks"]>[0], "limit">) => {
          const seen: string[] = [];
          let page = await store().listTasks({ ...query, limit: 4 });
          seen.push(...page.tasks.map((t) => t.id));
          while (page.next) {
            page = await store().listTasks({ ...query, limit: 4, after: page.next });
            seen.push(...page.tasks.map((t) => t.id));
          }
          return seen;
        };
        assert.deepEqual(await list({ createdAfter: second }), ids((t) => t.createdAt >= second));
        assert.deepEqual(await list({ createdBefore: third }), ids((t) => t.createdAt < third));
        assert.deepEqual(await list({ createdAfter: second, createdBefore: third }), ids((t) => t.createdAt.getTime() === second.getTime()));
        assert.deepEqual(
          await list({ type: "demo.b", createdAfter: first, createdBefore: third }),
          ids((t) => t.type === "demo.b" && t.createdAt < third),
        );
        assert.deepEqual(await list({ createdAfter: new Date(third.getTime() + 1) }), []);
        await assert.rejects(store().listTasks({ limit: 10, createdAfter: new Date(Number.NaN) }), InvalidListQueryError);
      });

      test("rejects a limit outside 1..1000 and a malformed cursor", async () => {
        await assert.rejects(store().listTasks({ limit: 0 }), InvalidListQueryError);
        await assert.rejects(store().listTasks({ limit: 1001 }), InvalidListQueryError);
        await assert.rejects(store().listTasks({ limit: 10, after: { createdAt: new Date(), id: "x" } }), InvalidListQueryError);
      });
    });

    describe("progress and logs", () => {
      const { store } = useBackend(open);

      test("progress of the running attempt is kept; stale or late reports change nothing; SUCCESS sets 1", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        await store().recordProgress([{ id: task.id, attempt: 1, fraction: 0.5, message: "not started yet" }]);
        assert.equal((await store().getTask(task.id))?.progress, 0, "a PENDING task has no progress to record");
        await store().startTasks([{ id: task.id, worker: "w" }]);
        // The last report of a batch wins; fractions are clamped to 0..1.
        await store().recordProgress([
          { id: task.id, attempt: 1, fraction: 0.25, message: "a quarter" },
          { id: task.id, attempt: 1, fraction: 0.5, message: "half" },
          { id: randomUUID(), attempt: 1, fraction: 0.5, message: "unknown task" },
          { id: "not-a-uuid", attempt: 1, fraction: 0.5, message: "ignored" },
        ]);
        let rec = await store().getTask(task.id);
        assert.deepEqual([rec?.progress, rec?.progressMessage], [0.5, "half"]);
        await store().recordProgress([{ id: task.id, attempt: 7, fraction: 0.9, message: "another attempt" }]);
        await store().recordProgress([{ id: task.id, attempt: 1, fraction: 3, message: "too much" }]);
        rec = await store().getTask(task.id);
        assert.deepEqual([rec?.progress, rec?.progressMessage], [1, "too much"]);
        await store().recordProgress([{ id: task.id, attempt: 1, fraction: 0.1, message: "" }]);
        await store().finishTasks([{ id: task.id, attempt: 1, status: "SUCCESS", result: 1 }]);
        await store().recordProgress([{ id: task.id, attempt: 1, fraction: 0.2, message: "after the outcome" }]);
        rec = await store().getTask(task.id);
        assert.deepEqual([rec?.status, rec?.progress, rec?.progressMessage], ["SUCCESS", 1, ""]);
      });

      test("a new attempt starts from zero progress", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        await store().startTasks([{ id: task.id, worker: "w" }]);
        await store().recordProgress([{ id: task.id, attempt: 1, fraction: 0.7, message: "x" }]);
        await store().finishTasks([{ id: task.id, attempt: 1, status: "RETRY", error: { type: "Error", message: "boom" } }]);
        assert.equal((await store().getTask(task.id))?.progress, 0.7, "RETRY keeps the failed attempt's progress");
        await store().startTasks([{ id: task.id, worker: "w" }]);
        const rec = await store().getTask(task.id);
        assert.deepEqual([rec?.progress, rec?.progressMessage], [0, ""]);
      });

      test("log lines are stored in order with increasing seq and read back after a cursor", async () => {
        const [a, b] = [newTask(), newTask()];
        await store().insertTasks([a, b]);
        const at = new Date("2026-11-29T10:00:00.123Z");
        const seqs = await store().appendLogs([
          { taskId: a.id, attempt: 1, level: "info", message: "one", at },
          { taskId: b.id, attempt: 1, level: "warn", message: "b-one", at },
          { taskId: a.id, attempt: 1, level: "error", message: "two \u00e9", at },
          { taskId: randomUUID(), attempt: 1, level: "info", message: "unknown task", at },
          { taskId: "nope", attempt: 1, level: "info", message: "bad id", at },
        ]);
        assert.equal(seqs[3], null);
        assert.equal(seqs[4], null);
        const [s0, s1, s2] = seqs as number[];
        assert.ok(s0! < s1! && s1! < s2!, `increasing: ${seqs.join(",")}`);
        const page = await store().getLogs(a.id, 0, 1000);
        assert.deepEqual(page, {
          truncated: false,
          lines: [
            { seq: s0, taskId: a.id, attempt: 1, level: "info", message: "one", at },
            { seq: s2, taskId: a.id, attempt: 1, level: "error", message: "two \u00e9", at },
          ],
        });
        assert.deepEqual((await store().getLogs(a.id, s0!, 1000)).lines.map((l) => l.message), ["two \u00e9"]);
        assert.deepEqual((await store().getLogs(a.id, 0, 1)).lines.map((l) => l.message), ["one"]);
        assert.deepEqual(await store().getLogs(randomUUID(), 0, 10), { lines: [], truncated: false });
        assert.deepEqual(await store().getLogs("nope", 0, 10), { lines: [], truncated: false });
        await assert.rejects(store().getLogs(a.id, 0, 0), InvalidListQueryError);
        await assert.rejects(store().getLogs(a.id, -1, 10), InvalidListQueryError);
      });

      test("a task keeps at most 1000 lines; later ones are dropped and the page says truncated", async () => {
        const task = newTask();
        await store().insertTasks([task]);
        const line = (i: number) => ({ taskId: task.id, attempt: 1, level: "debug" as const, message: `line ${i}`, at: new Date() });
        const first = await store().appendLogs(Array.from({ length: 990 }, (_, i) => line(i)));
        assert.equal(first.filter((s) => s !== null).length, 990);
        const second = await store().appendLogs(Array.from({ length: 20 }, (_, i) => line(990 + i)));
        assert.deepEqual(second.map((s) => s !== null), [...Array(10).fill(true), ...Array(10).fill(false)]);
        const page = await store().getLogs(task.id, 0, 1000);
        assert.equal(page.lines.length, 1000);
        assert.equal(page.truncated, true);
        assert.equal(page.lines.at(-1)?.message, "line 999");
      });
    });

    describe("retention", () => {
      const { backend, store } = useBackend(open);

      test("deleteFinishedTasks deletes final tasks finished before the cutoff, with their logs and outbox rows, and nothing else", async () => {
        const [success, failure, revoked, held] = [newTask(), newTask(), newTask(), newTask({ runAt: new Date(Date.now() + 86_400_000), hold: true })];
        const [pending, started, retry, lateFinish, recent, oddPending] = [newTask(), newTask(), newTask(), newTask(), newTask(), newTask()];
        const all = [success, failure, revoked, held, pending, started, retry, lateFinish, recent, oddPending];
        await store().insertTasks(all);
        await store().markPublished(all.map((t) => t.id));
        await store().startTasks([success, failure, started, retry, lateFinish, recent].map((t) => ({ id: t.id, worker: "w" })));
        await store().finishTasks([
          { id: success.id, attempt: 1, status: "SUCCESS", result: 1 },
          { id: failure.id, attempt: 1, status: "FAILURE", error: { type: "Error", message: "boom" } },
          { id: retry.id, attempt: 1, status: "RETRY", error: { type: "Error", message: "again" } },
          { id: recent.id, attempt: 1, status: "SUCCESS", result: 2 },
        ]);
        await store().revokeTask(revoked.id);
        await store().revokeTask(held.id);
        const at = new Date();
        await store().appendLogs([success, failure, started, recent].map((t) => ({ taskId: t.id, attempt: 1, level: "info" as const, message: "x", at })));
        // Two hours into the past: created, and (where final) finished. A cutoff of one hour ago then falls between.
        const old = [success, failure, revoked, held, pending, started, retry, lateFinish, oddPending];
        await backend().withDb((db) =>
          sql`update tasks set created_at = created_at - interval '2 hours', finished_at = finished_at - interval '2 hours'
              where id = any(${old.map((t) => t.id)}::uuid[])`.execute(db),
        );
        // Created long ago but finished just now; and a row with an (impossible) finished_at but not final.
        await store().finishTasks([{ id: lateFinish.id, attempt: 1, status: "SUCCESS", result: 3 }]);
        await backend().withDb((db) => db.updateTable("tasks").set({ finished_at: new Date(Date.now() - 7_200_000) }).where("id", "=", oddPending.id).execute());
        assert.deepEqual(await store().awaitingDispatch([held.id]), new Set([held.id]), "setup: a revoked held task keeps its outbox row");

        const cutoff = new Date(Date.now() - 3_600_000);
        assert.equal(await store().deleteFinishedTasks(cutoff, 1000), 4);
        const gone = [success, failure, revoked, held];
        for (const t of gone) assert.equal(await store().getTask(t.id), undefined, `${t.id} was kept`);
        const kept = [pending, started, retry, lateFinish, recent, oddPending];
        assert.deepEqual(
          await Promise.all(kept.map(async (t) => (await store().getTask(t.id))?.status)),
          ["PENDING", "STARTED", "RETRY", "SUCCESS", "SUCCESS", "PENDING"],
        );
        const logsOf = (ids: string[]) =>
          backend().withDb(async (db) => {
            const { rows } = await sql<{ n: number }>`select count(*)::int as n from task_logs where task_id = any(${ids}::uuid[])`.execute(db);
            return rows[0]?.n;
          });
        assert.equal(await logsOf([success.id, failure.id]), 0, "the deleted tasks' log lines are gone");
        assert.equal(await logsOf([started.id, recent.id]), 2, "the kept tasks' log lines stay");
        assert.deepEqual(await store().awaitingDispatch([held.id]), new Set(), "the deleted task's outbox row is gone");
        assert.equal(await store().deleteFinishedTasks(cutoff, 1000), 0, "nothing is left to delete");
      });

      test("a repeated idempotency key creates a new task once the first one is deleted", async () => {
        const first = newTask({ owner: "alice", idempotencyKey: "job-1" });
        await store().insertTasks([first]);
        await store().revokeTask(first.id);
        const repeat = newTask({ owner: "alice", idempotencyKey: "job-1" });
        assert.deepEqual((await store().insertTasks([repeat])).map((r) => [r.id, r.existing]), [[first.id, true]]);
        await backend().withDb((db) =>
          sql`update tasks set created_at = created_at - interval '2 hours', finished_at = finished_at - interval '2 hours'
              where id = ${first.id}`.execute(db),
        );
        // What the test before left is unfinished or finished just now: only `first` is older than the cutoff.
        assert.equal(await store().deleteFinishedTasks(new Date(Date.now() - 3_600_000), 1000), 1);
        const [again] = await store().insertTasks([repeat]);
        assert.deepEqual([again?.id, again?.existing], [repeat.id, false]);
        assert.equal((await store().getTask(repeat.id))?.idempotencyKey, "job-1");
        assert.equal(await store().getTask(first.id), undefined);
      });

      test("deleteFinishedTasks rejects a limit outside 1..100000 and an invalid cutoff", async () => {
        for (const limit of [0, -1, 1.5, 100_001, Number.NaN]) {
          await assert.rejects(store().deleteFinishedTasks(new Date(), limit), RangeError, String(limit));
        }
        await assert.rejects(store().deleteFinishedTasks(new Date(Number.NaN), 10), RangeError);
      });
    });

    describe("retention batches", () => {
      const { backend, store } = useBackend(open);

      test("deleteFinishedTasks takes at most limit tasks per call, the oldest first", async () => {
        const tasks = Array.from({ length: 5 }, () => newTask());
        await store().insertTasks(tasks);
        for (const t of tasks) await store().revokeTask(t.id);
        // Task i was created (and finished) 10 - i hours ago: tasks[0] is the oldest.
        await backend().withDb((db) =>
          sql`update tasks t set created_at = t.created_at - make_interval(hours => 10 - v.i), finished_at = t.finished_at - make_interval(hours => 10 - v.i)
              from unnest(${tasks.map((t) => t.id)}::uuid[], ${tasks.map((_, i) => i)}::int4[]) as v(id, i) where t.id = v.id`.execute(db),
        );
        const cutoff = new Date(Date.now() - 3_600_000);
        const left = async () => (await Promise.all(tasks.map((t) => store().getTask(t.id)))).map((r) => r !== undefined);
        assert.equal(await store().deleteFinishedTasks(cutoff, 2), 2);
        assert.deepEqual(await left(), [false, false, true, true, true]);
        assert.equal(await store().deleteFinishedTasks(cutoff, 2), 2);
        assert.deepEqual(await left(), [false, false, false, false, true]);
        assert.equal(await store().deleteFinishedTasks(cutoff, 2), 1);
        assert.equal(await store().deleteFinishedTasks(cutoff, 2), 0);
        assert.deepEqual(await left(), [false, false, false, false, false]);
      });
    });

    describe("worker registry", () => {
      const { backend, store } = useBackend(open);

      const heartbeat = (overrides: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat => ({
        id: `host-1-${randomUUID().slice(0, 8)}`,
        name: "worker-host-1",
        hostname: "host",
        pid: 1,
        queues: ["default", "math"],
        taskTypes: ["demo.math.add", "demo.math.sub"],
        concurrency: 4,
        inFlight: 0,
        startedAt: new Date(Date.now() - 5000),
        heartbeatMs: 5000,
        ...overrides,
      });
      /** Moves a worker's last heartbeat `seconds` into the past. */
      const age = (id: string, seconds: number) =>
        backend().withDb((db) => sql`update workers set heartbeat_at = now() - make_interval(secs => ${seconds}) where id = ${id}`.execute(db));

      test("upsertWorker registers and refreshes a worker; listWorkers reports it alive with its heartbeat age; removeWorker deletes it", async () => {
        const w = heartbeat();
        await store().upsertWorker(w);
        const [listed] = await store().listWorkers();
        assert.ok(listed);
        const { heartbeatAt, heartbeatAgeSeconds, ...rest } = listed;
        assert.deepEqual(rest, { ...w, queues: [...w.queues], taskTypes: [...w.taskTypes], alive: true });
        assert.ok(heartbeatAgeSeconds >= 0 && heartbeatAgeSeconds < 5, String(heartbeatAgeSeconds));
        assert.ok(Math.abs(heartbeatAt.getTime() - Date.now()) < 60_000);

        await age(w.id, 4);
        await store().upsertWorker({ ...w, inFlight: 3, queues: ["math"] });
        const [again] = await store().listWorkers();
        assert.deepEqual([again?.inFlight, again?.queues, again?.alive], [3, ["math"], true]);
        assert.ok(again!.heartbeatAgeSeconds < 4 && again!.heartbeatAt > heartbeatAt, "the heartbeat is fresh again");

        await store().removeWorker(w.id);
        assert.deepEqual(await store().listWorkers(), []);
        await store().removeWorker(w.id);
        await store().removeWorker("never-registered");
      });

      test("a worker silent for three intervals is listed not alive, after the alive ones; after an hour it is gone", async () => {
        const [quiet, live, dead, other] = [heartbeat({ id: "a-quiet" }), heartbeat({ id: "z-live" }), heartbeat({ id: "b-dead" }), heartbeat({ id: "c-other", heartbeatMs: 60_000 })];
        for (const w of [quiet, live, dead, other]) await store().upsertWorker(w);
        await age(quiet.id, 16);
        // Its own interval counts: 16 s of silence is alive at a 60 s interval.
        await age(other.id, 16);
        await age(dead.id, 3601);
        const listed = await store().listWorkers();
        assert.deepEqual(listed.map((w) => [w.id, w.alive]), [["c-other", true], ["z-live", true], ["a-quiet", false]]);
        const silent = listed.find((w) => w.id === quiet.id)!;
        assert.ok(silent.heartbeatAgeSeconds >= 16 && silent.heartbeatAgeSeconds < 30, String(silent.heartbeatAgeSeconds));

        // The next heartbeat of any worker deletes the rows past the horizon.
        await store().upsertWorker(live);
        const { rows } = await backend().withDb((db) => sql<{ id: string }>`select id from workers order by id`.execute(db));
        assert.deepEqual(rows.map((r) => r.id), ["a-quiet", "c-other", "z-live"]);
        for (const w of [quiet, live, other]) await store().removeWorker(w.id);
      });

      test("upsertWorker rejects counts that are not whole numbers", async () => {
        for (const bad of [{ pid: -1 }, { concurrency: 1.5 }, { inFlight: Number.NaN }, { heartbeatMs: 0 }, { startedAt: new Date(Number.NaN) }]) {
          await assert.rejects(store().upsertWorker(heartbeat(bad)), RangeError, JSON.stringify(bad));
        }
        assert.deepEqual(await store().listWorkers(), []);
      });
    });

    describe("task statistics", () => {
      const { backend, store } = useBackend(open);
      /** Every timestamp is set relative to one `now()` of the database: T is a second before it. */
      const place = (id: string, times: { created: number; started?: number | null; finished?: number | null; runAt?: number }) =>
        backend().withDb((db) =>
          sql`update tasks set
                created_at = now() - make_interval(secs => ${times.created}),
                started_at = case when ${times.started ?? null}::float8 is null then null else now() - make_interval(secs => ${times.started ?? 0}) end,
                finished_at = case when ${times.finished ?? null}::float8 is null then null else now() - make_interval(secs => ${times.finished ?? 0}) end,
                run_at = case when ${times.runAt ?? null}::float8 is null then null else now() - make_interval(secs => ${times.runAt ?? 0}) end
              where id = ${id}`.execute(db),
        );
      const setStatus = (id: string, status: string) =>
        backend().withDb((db) => sql`update tasks set status = ${status} where id = ${id}`.execute(db));

      /** The bucket of `stats` that holds `at`. */
      function bucketOf(stats: TaskStats, at: Date) {
        return stats.buckets.find((b) => b.start.getTime() <= at.getTime() && at.getTime() < b.start.getTime() + stats.bucketSeconds * 1000);
      }

      test("buckets are aligned, cover the window and end now; tasks count where they were created, ended and started", async () => {
        // Five of alice's tasks that ended at T (one second ago), submitted 1, 2, 3, 4 and 10 s before;
        // the last was to run 4 s after its submit. The revoked one never started.
        const [s1, s2, f3, r4, s5, retry] = Array.from({ length: 6 }, () => newTask({ owner: "alice" }));
        await store().insertTasks([s1!, s2!, f3!, r4!, s5!, retry!]);
        for (const [task, status] of [[s1, "SUCCESS"], [s2, "SUCCESS"], [f3, "FAILURE"], [r4, "REVOKED"], [s5, "SUCCESS"]] as const) {
          await setStatus(task!.id, status);
        }
        await place(s1!.id, { created: 2, started: 1, finished: 1 });
        await place(s2!.id, { created: 3, started: 1, finished: 1 });
        await place(f3!.id, { created: 4, started: 1, finished: 1 });
        await place(r4!.id, { created: 5, started: null, finished: 1 });
        await place(s5!.id, { created: 11, started: 1, finished: 1, runAt: 7 });
        // Failed once, waits for its next attempt: not an end; its attempt started 300 s ago.
        await setStatus(retry!.id, "RETRY");
        await place(retry!.id, { created: 302, started: 300 });
        // Bob's: ended at T too, one submitted 30 minutes ago (within the lookback), one two hours ago (not read).
        const [recent, old, waiting] = [newTask({ owner: "bob" }), newTask({ owner: "bob" }), newTask({ owner: "bob" })];
        await store().insertTasks([recent, old, waiting]);
        for (const t of [recent, old]) await setStatus(t.id, "SUCCESS");
        await place(recent.id, { created: 1800, started: 1799, finished: 1 });
        await place(old.id, { created: 7200, started: 7199, finished: 1 });

        const stats = await store().taskStats({ windowSeconds: 600, bucketSeconds: 10, owner: "alice" });
        assert.equal(stats.windowSeconds, 600);
        assert.equal(stats.bucketSeconds, 10);
        assert.equal(stats.buckets.length, 60);
        stats.buckets.forEach((b, i) => {
          assert.equal(b.start.getTime() % 10_000, 0, "aligned to the bucket width");
          if (i > 0) assert.equal(b.start.getTime() - stats.buckets[i - 1]!.start.getTime(), 10_000);
        });
        const last = stats.buckets.at(-1)!.start.getTime();
        assert.ok(last <= Date.now() + 2000 && Date.now() < last + 10_000 + 2000, "the last bucket holds now");

        const ended = stats.buckets.filter((b) => b.succeeded + b.failed > 0);
        assert.equal(ended.length, 1, JSON.stringify(stats.buckets));
        const [atT] = ended;
        assert.deepEqual([atT!.succeeded, atT!.failed], [3, 2], "SUCCESS; FAILURE and REVOKED");
        // Submit to end: 1, 2, 3, 4 and 10 s.
        assert.equal(atT!.latencyP50Ms, 3000);
        assert.equal(Math.round(atT!.latencyP95Ms), 8800);
        // Submit (or run_at) to start: 1, 2, 3 and 6 s (the revoked one never started).
        assert.equal(atT!.waitP50Ms, 2500);
        assert.equal(stats.buckets.reduce((n, b) => n + b.submitted, 0), 6, "alice's six tasks were submitted in the window");
        const retryRecord = await store().getTask(retry!.id);
        // Two seconds apart, its submit and its start may fall in two buckets.
        const retrySubmitted = bucketOf(stats, retryRecord!.createdAt);
        const retryStarted = bucketOf(stats, retryRecord!.startedAt!);
        assert.equal(retrySubmitted?.submitted, 1);
        assert.deepEqual([retryStarted?.succeeded, retryStarted?.failed, retryStarted?.waitP50Ms], [0, 0, 2000]);
        for (const b of stats.buckets) {
          if (b !== atT) assert.deepEqual([b.succeeded, b.failed, b.latencyP50Ms, b.latencyP95Ms], [0, 0, 0, 0]);
        }

        // Bob's: the task submitted 30 minutes ago counts where it ended; the one of two hours ago does not.
        const bob = await store().taskStats({ windowSeconds: 600, bucketSeconds: 10, owner: "bob" });
        assert.deepEqual(
          [bob.buckets.reduce((n, b) => n + b.submitted, 0), bob.buckets.reduce((n, b) => n + b.succeeded, 0)],
          [1, 1],
          "bob: the waiting task submitted now, the one ended from the lookback",
        );
        assert.equal(bob.buckets.find((b) => b.succeeded > 0)?.latencyP50Ms, 1_799_000);
        const all = await store().taskStats({ windowSeconds: 600, bucketSeconds: 10 });
        assert.deepEqual(
          [all.buckets.reduce((n, b) => n + b.submitted, 0), all.buckets.reduce((n, b) => n + b.succeeded, 0), all.buckets.reduce((n, b) => n + b.failed, 0)],
          [7, 4, 2],
        );
        assert.deepEqual((await store().taskStats({ windowSeconds: 600, bucketSeconds: 10, owner: "nobody" })).buckets.map((b) => b.submitted + b.succeeded), new Array(60).fill(0));
      });

      test("a window that is not a bucket multiple gets one bucket more; bounds are checked", async () => {
        const stats = await store().taskStats({ windowSeconds: 65, bucketSeconds: 10 });
        assert.equal(stats.buckets.length, 7);
        assert.equal((await store().taskStats({ windowSeconds: 3600, bucketSeconds: 5 })).buckets.length, 720);
        for (const bad of [
          { windowSeconds: 0, bucketSeconds: 10 },
          { windowSeconds: 3601, bucketSeconds: 10 },
          { windowSeconds: 60, bucketSeconds: 0 },
          { windowSeconds: 60.5, bucketSeconds: 10 },
          { windowSeconds: 3600, bucketSeconds: 4 },
        ]) {
          await assert.rejects(store().taskStats(bad), RangeError, JSON.stringify(bad));
        }
      });
    });

    describe("queue depths and the outbox", () => {
      const { backend, store } = useBackend(open);

      test("queueStats counts due PENDING and RETRY as waiting and STARTED as running, per queue with any; the oldest wait in seconds", async () => {
        const [oldest, fresh, later, running, retry, laterOnly, done] = [
          newTask({ queue: "q-a", owner: "bob" }),
          newTask({ queue: "q-a" }),
          newTask({ queue: "q-a", runAt: new Date(Date.now() + 3_600_000), hold: true }),
          newTask({ queue: "q-a" }),
          newTask({ queue: "q-b" }),
          newTask({ queue: "q-c", runAt: new Date(Date.now() + 3_600_000), hold: true }),
          newTask({ queue: "q-d" }),
        ];
        await store().insertTasks([oldest, fresh, later, running, retry, laterOnly, done]);
        await store().startTasks([running, retry, done].map((t) => ({ id: t.id, worker: "w" })));
        await store().finishTasks([
          { id: retry.id, attempt: 1, status: "RETRY", error: { type: "Error", message: "again" } },
          { id: done.id, attempt: 1, status: "SUCCESS", result: null },
        ]);
        await backend().withDb((db) => sql`update tasks set created_at = now() - interval '100 seconds' where id = ${oldest.id}`.execute(db));

        const queues = await store().queueStats();
        assert.deepEqual(queues.map((q) => [q.queue, q.waiting, q.running]), [["q-a", 2, 1], ["q-b", 1, 0]]);
        const qa = queues[0]!;
        assert.ok(qa.oldestWaitingSeconds >= 100 && qa.oldestWaitingSeconds < 160, String(qa.oldestWaitingSeconds));
        assert.ok(queues[1]!.oldestWaitingSeconds >= 0 && queues[1]!.oldestWaitingSeconds < 60);

        assert.deepEqual((await store().queueStats({ owner: "bob" })).map((q) => [q.queue, q.waiting, q.running]), [["q-a", 1, 0]]);
        assert.deepEqual(await store().queueStats({ owner: "nobody" }), []);
      });

      test("outboxBacklog counts the tasks the outbox may queue now, not those held for later", async () => {
        const before = await store().outboxBacklog();
        const [a, b, held] = [newTask(), newTask(), newTask({ runAt: new Date(Date.now() + 3_600_000), hold: true })];
        await store().insertTasks([a, b, held]);
        assert.equal(await store().outboxBacklog(), before + 2);
        await store().markPublished([a.id, b.id, held.id]);
        assert.equal(await store().outboxBacklog(), before);
        // Its time has come: due now.
        await backend().withDb((db) => sql`update task_outbox set due_at = now() - interval '1 second' where task_id = ${held.id}`.execute(db));
        assert.equal(await store().outboxBacklog(), before + 1);
      });
    });

    describe("task types", () => {
      const { store } = useBackend(open);

      const addV1 = {
        name: "demo.math.add",
        queue: "default",
        protected: false,
        argsSchema: { type: "object", properties: { a: { type: "number" } } },
        description: "Adds.",
        pack: "demo",
        packVersion: "1.0.0",
        priority: 5,
      };

      test("register inserts, re-register refreshes, list is ordered by name", async () => {
        const zed = { ...addV1, name: "demo.z.last", description: "" };
        await store().registerTaskTypes([zed, addV1]);
        assert.deepEqual(await store().listTaskTypes(), [addV1, zed]);

        const addV2 = { ...addV1, queue: "math", protected: true, argsSchema: { type: "object" }, description: "Adds v2.", packVersion: "2.0.0" };
        const beta = { ...addV1, name: "demo.beta" };
        await store().registerTaskTypes([addV2, beta]);
        assert.deepEqual(await store().listTaskTypes(), [beta, addV2, zed]);

        // The type's priority is stored and refreshed like the rest.
        await store().registerTaskTypes([{ ...beta, priority: 9 }]);
        assert.equal((await store().listTaskTypes())[0]?.priority, 9);

        // A repeated name in one call: the last one wins.
        await store().registerTaskTypes([{ ...beta, description: "first" }, { ...beta, description: "second" }]);
        assert.equal((await store().listTaskTypes())[0]?.description, "second");
        // Registered without a priority (a pack from before priorities): 5.
        assert.equal((await store().listTaskTypes())[0]?.priority, 5);
        await store().registerTaskTypes([]);
        assert.equal((await store().listTaskTypes()).length, 3);
      });

      test("ping answers and close is idempotent", async () => {
        const other = await open();
        try {
          await other.store.ping();
          await other.store.close();
          await other.store.close();
          await assert.rejects(other.store.ping());
        } finally {
          await other.cleanup();
        }
      });
    });
  });
}
