import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { planFiring } from "../schedule/firing-plan.js";
import type { ContractBackend } from "./task-store-contract.js";
import type { NewSchedule, ScheduleCursor, ScheduleFiring, ScheduleRecord } from "./schedule-record.js";
import { InvalidListQueryError } from "./store-errors.js";
import type { TaskStore } from "./task-store.js";

// The schedule part of the TaskStore contract, run by each backend's test file.

/** A new interval schedule of `owner`, due at `nextRunAt` (default: a second ago). */
export function newSchedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id: randomUUID(),
    name: "",
    type: "demo.math.add",
    args: { a: 1, b: 2 },
    cron: null,
    timeZone: "UTC",
    intervalMs: 1000,
    catchUp: "ONE",
    paused: false,
    nextRunAt: new Date(Date.now() - 1000),
    owner: "alice",
    permission: null,
    maxRetries: null,
    timeoutMs: null,
    ...overrides,
  };
}

/** A `fire` callback as the scheduler's: planFiring per schedule, a task for each fired tick (idempotency key per tick). */
function fireWithPlan(due: ScheduleRecord[], now: Date): Promise<ScheduleFiring[]> {
  return Promise.resolve(
    due.map((s) => {
      const plan = planFiring({ kind: "interval", intervalMs: s.intervalMs ?? 1000 }, s.catchUp, s.nextRunAt!, now);
      return {
        id: s.id,
        nextRunAt: plan.nextRunAt,
        task: plan.fireFor && {
          id: randomUUID(),
          type: s.type,
          queue: "default",
          args: s.args,
          owner: s.owner,
          idempotencyKey: `schedule:${s.id}:${plan.fireFor.toISOString()}`,
        },
      };
    }),
  );
}

/** Tasks made by one schedule (their idempotency keys name it). */
async function tasksOf(backend: ContractBackend, scheduleId: string): Promise<number> {
  return backend.withDb(async (db) => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from tasks where idempotency_key like ${`schedule:${scheduleId}:%`}`.execute(db);
    return rows[0]!.n;
  });
}

/**
 * Registers the schedule contract tests under `describe(name)`. `open` gives
 * an empty store per group; `concurrentSessions` says whether two
 * transactions run at once on the backend (Postgres: yes; PGlite has one
 * session, so a second transaction waits for the first and SKIP LOCKED has
 * nothing to skip).
 */
export function describeScheduleStoreContract(name: string, open: () => Promise<ContractBackend>, concurrentSessions: boolean): void {
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

    test("insert, get, list by owner, pause, resume and delete", async () => {
      const a = await store().insertSchedule(newSchedule({ owner: "carol", name: "nightly", cron: "0 3 * * *", intervalMs: null, timeZone: "Europe/Paris" }));
      const b = await store().insertSchedule(newSchedule({ owner: "dave", maxRetries: 2, timeoutMs: 5000 }));
      assert.equal(a.name, "nightly");
      assert.equal(a.cron, "0 3 * * *");
      assert.equal(a.timeZone, "Europe/Paris");
      assert.equal(a.lastTaskId, null);
      assert.ok(a.createdAt instanceof Date);
      assert.deepEqual(await store().getSchedule(b.id), b);
      assert.equal(b.maxRetries, 2);
      assert.deepEqual((await store().listSchedules({ owner: "carol", limit: 1000 })).schedules.map((s) => s.id), [a.id]);
      assert.ok((await store().listSchedules({ limit: 1000 })).schedules.length >= 2);
      const paused = await store().setSchedulePaused(a.id, true, null);
      assert.equal(paused?.paused, true);
      assert.equal(paused?.nextRunAt, null);
      const resumeAt = new Date(Date.now() + 60_000);
      assert.equal((await store().setSchedulePaused(a.id, false, resumeAt))?.nextRunAt?.getTime(), resumeAt.getTime());
      assert.equal(await store().setSchedulePaused(randomUUID(), true, null), undefined);
      assert.equal(await store().deleteSchedule(a.id), true);
      assert.equal(await store().deleteSchedule(a.id), false);
      assert.equal(await store().getSchedule(a.id), undefined);
      assert.equal(await store().getSchedule("not-a-uuid"), undefined);
      await store().deleteSchedule(b.id);
    });

    test("listSchedules pages oldest first by (createdAt, id), an owner's or everyone's, and refuses a bad limit or cursor", async () => {
      const owner = `pager-${randomUUID()}`;
      const mine: ScheduleRecord[] = [];
      for (let i = 0; i < 7; i++) mine.push(await store().insertSchedule(newSchedule({ owner, paused: true, nextRunAt: null })));
      const other = await store().insertSchedule(newSchedule({ owner: `other-${randomUUID()}`, paused: true, nextRunAt: null }));
      // Three share one created_at, so only the id orders them (and a cursor must not skip or repeat them).
      const tie = new Date(Date.now() - 60_000);
      await backend!.withDb((db) => db.updateTable("schedules").set({ created_at: tie }).where("id", "in", mine.slice(2, 5).map((s) => s.id)).execute());
      const expected = (await Promise.all(mine.map((s) => store().getSchedule(s.id))))
        .map((s) => s!)
        .sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
        .map((s) => s.id);

      const pages: string[][] = [];
      let after: ScheduleCursor | undefined;
      do {
        const page = await store().listSchedules({ owner, limit: 3, after });
        pages.push(page.schedules.map((s) => s.id));
        after = page.next;
      } while (after && pages.length < 10);
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 1]);
      assert.deepEqual(pages.flat(), expected);
      // A page that ends exactly at the last schedule says there is no next one.
      const whole = await store().listSchedules({ owner, limit: 7 });
      assert.deepEqual(whole.schedules.map((s) => s.id), expected);
      assert.equal(whole.next, undefined);

      // Everyone's (an admin's listing), page by page: each schedule once, in order.
      const all: ScheduleRecord[] = [];
      after = undefined;
      do {
        const page = await store().listSchedules({ limit: 2, after });
        all.push(...page.schedules);
        after = page.next;
      } while (after && all.length < 10_000);
      const ids = all.map((s) => s.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.ok(ids.includes(other.id));
      assert.deepEqual(ids.filter((id) => expected.includes(id)), expected);
      for (let i = 1; i < all.length; i++) {
        const [p, q] = [all[i - 1]!, all[i]!];
        assert.ok(p.createdAt < q.createdAt || (p.createdAt.getTime() === q.createdAt.getTime() && p.id < q.id), `order at ${i}`);
      }

      for (const limit of [0, 1001, 1.5]) await assert.rejects(store().listSchedules({ owner, limit }), InvalidListQueryError);
      await assert.rejects(store().listSchedules({ owner, limit: 3, after: { createdAt: tie, id: "not-a-uuid" } }), InvalidListQueryError);
      await assert.rejects(store().listSchedules({ owner, limit: 3, after: { createdAt: new Date(Number.NaN), id: randomUUID() } }), InvalidListQueryError);
      for (const s of [...mine, other]) await store().deleteSchedule(s.id);
    });

    test("fireDueSchedules takes due, unpaused schedules only, inserts their tasks and advances them", async () => {
      const due = await store().insertSchedule(newSchedule());
      const later = await store().insertSchedule(newSchedule({ nextRunAt: new Date(Date.now() + 60_000) }));
      const paused = await store().insertSchedule(newSchedule({ paused: true }));
      const seen: string[] = [];
      const fired = await store().fireDueSchedules(100, (rows, now) => {
        seen.push(...rows.map((r) => r.id));
        return fireWithPlan(rows, now);
      });
      assert.deepEqual(seen, [due.id]);
      assert.equal(fired.length, 1);
      assert.equal(fired[0]!.scheduleId, due.id);
      const task = await store().getTask(fired[0]!.task.id);
      assert.equal(task?.status, "PENDING");
      assert.equal(task?.owner, "alice");
      // Through the normal insert: its outbox row waits for the publish.
      assert.deepEqual([...(await store().awaitingDispatch([task!.id]))], [task!.id]);
      const after = await store().getSchedule(due.id);
      assert.equal(after?.lastTaskId, task!.id);
      assert.ok(after!.nextRunAt!.getTime() > due.nextRunAt!.getTime());
      assert.ok(after!.lastRunAt);
      for (const s of [due, later, paused]) await store().deleteSchedule(s.id);
    });

    test("a fire callback that throws changes nothing", async () => {
      const s = await store().insertSchedule(newSchedule());
      await assert.rejects(store().fireDueSchedules(10, () => Promise.reject(new Error("boom"))), /boom/);
      assert.deepEqual(await store().getSchedule(s.id), s);
      assert.equal(await tasksOf(backend!, s.id), 0);
      await store().deleteSchedule(s.id);
    });

    test("a repeated tick's idempotency key inserts no second task", async () => {
      const s = await store().insertSchedule(newSchedule());
      const sameTick = (rows: ScheduleRecord[]) =>
        Promise.resolve(
          rows.map((r) => ({
            id: r.id,
            nextRunAt: r.nextRunAt!,
            task: { id: randomUUID(), type: r.type, queue: "default", args: r.args, owner: r.owner, idempotencyKey: `schedule:${r.id}:tick` },
          })),
        );
      assert.equal((await store().fireDueSchedules(10, sameTick)).length, 1);
      assert.equal((await store().fireDueSchedules(10, sameTick)).length, 0);
      assert.equal(await tasksOf(backend!, s.id), 1);
      await store().deleteSchedule(s.id);
    });

    test("two rounds at once fire a due tick once", async () => {
      const s = await store().insertSchedule(newSchedule({ intervalMs: 60_000, nextRunAt: new Date(Date.now() - 500) }));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = store().fireDueSchedules(10, async (rows, now) => {
        await gate;
        return fireWithPlan(rows, now);
      });
      // Give the first round time to lock its row.
      await new Promise((r) => setTimeout(r, 200));
      const second = store().fireDueSchedules(10, fireWithPlan);
      if (concurrentSessions) {
        // SKIP LOCKED: the second round does not wait for the first, it skips the locked row.
        assert.deepEqual(await second, []);
        release();
        assert.equal((await first).length, 1);
      } else {
        release();
        assert.equal((await first).length, 1);
        assert.deepEqual(await second, []);
      }
      assert.equal(await tasksOf(backend!, s.id), 1);
      await store().deleteSchedule(s.id);
    });

    test("catch-up ONE: ticks missed in a long downtime make one task; NONE makes none; both move past now", async () => {
      const downSince = new Date(Date.now() - 60_000);
      const one = await store().insertSchedule(newSchedule({ catchUp: "ONE", nextRunAt: downSince }));
      const none = await store().insertSchedule(newSchedule({ catchUp: "NONE", nextRunAt: downSince }));
      const fired = await store().fireDueSchedules(10, fireWithPlan);
      assert.deepEqual(fired.map((f) => f.scheduleId), [one.id]);
      for (const s of [one, none]) {
        const after = await store().getSchedule(s.id);
        assert.ok(after!.nextRunAt!.getTime() > Date.now() - 1000, "the next tick is after the round's now");
      }
      // Nothing is due any more: no task per missed tick.
      assert.deepEqual(await store().fireDueSchedules(10, fireWithPlan), []);
      assert.equal(await tasksOf(backend!, one.id), 1);
      assert.equal(await tasksOf(backend!, none.id), 0);
      assert.equal((await store().getSchedule(none.id))?.lastTaskId, null);
    });
  });
}
