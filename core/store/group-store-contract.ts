import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { GatherSpec, NewGroup, NewGroupMember } from "./group-record.js";
import type { ContractBackend } from "./task-store-contract.js";
import type { TaskStore } from "./task-store.js";

// The GroupStore contract of every backend (Postgres, PGlite), run by each
// backend's test file beside the main contract: the one transaction of a
// submit, and the fan-in trigger's counters on every path into and out of a
// final status.

const GATHER: GatherSpec = { type: "test.groups.sum", queue: "default", args: { label: "sum" }, permission: null, maxRetries: null, timeoutMs: null, priority: 8 };

function newGroup(overrides: Partial<NewGroup> = {}): NewGroup {
  return { id: randomUUID(), type: "test.main.add", owner: "alice", idempotencyKey: null, maxRetries: null, timeoutMs: null, gather: GATHER, ...overrides };
}

function members(n: number): NewGroupMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: "test.main.add", queue: "default", args: { x: i, y: 1 }, owner: "alice" }));
}

/**
 * Registers the group contract tests under `describe(name)`; `open` gives an
 * empty store, once for the group.
 */
export function describeGroupStoreContract(name: string, open: () => Promise<ContractBackend>): void {
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

    /** Claims and finishes one member: SUCCESS with x + y, or FAILURE. */
    async function run(id: string, ok: boolean): Promise<void> {
      const [claim] = await store().startTasks([{ id, worker: "w" }]);
      assert.ok(claim?.run, `claimed ${id}`);
      const args = claim.record.args as { x: number; y: number };
      const [applied] = await store().finishTasks([
        ok
          ? { id, attempt: claim.attempt, status: "SUCCESS", result: args.x + args.y }
          : { id, attempt: claim.attempt, status: "FAILURE", error: { type: "Boom", message: `member ${args.x} failed` } },
      ]);
      assert.equal(applied, true);
    }

    async function gatherTasks(groupId: string): Promise<{ id: string; status: string; held: boolean | null }[]> {
      return backend!.withDb(async (db) => {
        const { rows } = await sql<{ id: string; status: string; held: boolean | null }>`
          select t.id, t.status, o.held from tasks t left join task_outbox o on o.task_id = t.id
          where t.gather_of = ${groupId}::uuid order by t.created_at`.execute(db);
        return rows;
      });
    }

    test("insertGroup stores the group and every member (in index order, with outbox rows) in one transaction; a key answers the first group", async () => {
      const m = members(2500);
      const group = newGroup({ idempotencyKey: "k1" });
      const inserted = await store().insertGroup(group, m);
      assert.equal(inserted.existing, false);
      assert.equal(inserted.group.total, 2500);
      assert.equal(inserted.group.remaining, 2500);
      assert.equal(inserted.group.status, "RUNNING");
      assert.deepEqual(inserted.group.gather, GATHER);
      const counts = await store().groupCounts(group.id);
      assert.equal(counts.PENDING, 2500);
      assert.equal(counts.SUCCESS, 0);
      // Pages in index order across the statement boundary at 1000.
      const page = await store().listGroupMembers(group.id, 995, 10);
      assert.deepEqual(page.map((p) => p.index), [996, 997, 998, 999, 1000, 1001, 1002, 1003, 1004, 1005]);
      assert.deepEqual(page.map((p) => p.taskId), m.slice(996, 1006).map((x) => x.id));
      const task = await store().getTask(m[1234]!.id);
      assert.equal(task?.groupId, group.id);
      assert.equal(task?.groupIndex, 1234);
      assert.equal(task?.gatherOf, null);
      assert.equal((await store().awaitingDispatch(m.map((x) => x.id))).size, 2500);

      const again = await store().insertGroup(newGroup({ idempotencyKey: "k1" }), members(3));
      assert.equal(again.existing, true);
      assert.equal(again.group.id, group.id);
      // Another owner may use the same key.
      assert.equal((await store().insertGroup(newGroup({ idempotencyKey: "k1", owner: "bob" }), members(1))).existing, false);
    });

    test("a failing member insert stores nothing of the group", async () => {
      const existing = members(1);
      await store().insertGroup(newGroup(), existing);
      const group = newGroup();
      const m = [...members(1500), existing[0]!];
      await assert.rejects(store().insertGroup(group, m));
      assert.equal(await store().getGroup(group.id), undefined);
      assert.equal(await store().getTask(m[0]!.id), undefined);
    });

    test("the last member to end makes the group final and inserts the gather task once, held in the outbox; gatherInput reads results in order", async () => {
      const m = members(5);
      const group = newGroup();
      await store().insertGroup(group, m);
      for (const x of m.slice(0, 4)) await run(x.id, true);
      assert.equal((await store().getGroup(group.id))?.remaining, 1);
      assert.deepEqual(await gatherTasks(group.id), []);
      await run(m[4]!.id, true);
      const after = await store().getGroup(group.id);
      assert.equal(after?.status, "SUCCESS");
      assert.equal(after?.remaining, 0);
      assert.ok(after?.finishedAt instanceof Date);
      const gathers = await gatherTasks(group.id);
      assert.equal(gathers.length, 1);
      assert.deepEqual(gathers[0], { id: after?.gatherTaskId, status: "PENDING", held: true });
      const gather = await store().getTask(after!.gatherTaskId!);
      assert.equal(gather?.type, "test.groups.sum");
      assert.deepEqual(gather?.args, { label: "sum" });
      assert.equal(gather?.gatherOf, group.id);
      assert.equal(gather?.priority, 8, "the gather task has its spec's priority (its type's, taken at submit)");
      assert.equal(gather?.owner, "alice");
      assert.deepEqual(await store().gatherInput(group.id), { results: [1, 2, 3, 4, 5], errors: [] });
      // The dispatcher's round takes the held row at once.
      const published: string[] = [];
      await store().dispatchUnpublished(500, 60_000, async (tasks) => {
        published.push(...tasks.map((t) => t.id));
      });
      assert.ok(published.includes(after!.gatherTaskId!));
    });

    test("the counters follow revoke, expiry, requeue and a bulk retry; a retry gathers again with a new gather task", async () => {
      const m = members(4);
      const group = newGroup();
      await store().insertGroup(group, m);
      await run(m[0]!.id, true);
      await run(m[1]!.id, false);
      assert.equal((await store().revokeTask(m[2]!.id)).outcome, "revoked");
      let g = await store().getGroup(group.id);
      assert.deepEqual([g?.remaining, g?.failed, g?.status], [1, 2, "RUNNING"]);
      // Expiry (FAILURE Expired) ends the last one.
      await backend!.withDb((db) => sql`update tasks set expires_at = now() - interval '1 second' where id = ${m[3]!.id}::uuid`.execute(db));
      assert.ok((await store().expireTasks(100)).some((e) => e.id === m[3]!.id));
      g = await store().getGroup(group.id);
      assert.deepEqual([g?.remaining, g?.failed, g?.status], [0, 3, "FAILURE"]);
      const first = g!.gatherTaskId;
      assert.ok(first);
      const input = await store().gatherInput(group.id);
      assert.deepEqual(input.results, [1, null, null, null]);
      assert.deepEqual(input.errors.map((e) => [e.index, e.type]), [[1, "Boom"], [2, "Revoked"], [3, "Expired"]]);

      // One requeue reopens the group...
      assert.equal((await store().requeueTask(m[1]!.id)).outcome, "requeued");
      g = await store().getGroup(group.id);
      assert.deepEqual([g?.remaining, g?.failed, g?.status, g?.finishedAt], [1, 2, "RUNNING", null]);
      // ...and a bulk retry of the group's members the others.
      const batch = await store().requeueTaskBatch({ filter: { groupId: group.id }, limit: 10 });
      assert.equal(batch.matched, 4);
      assert.equal(batch.changed.length, 2);
      g = await store().getGroup(group.id);
      assert.deepEqual([g?.remaining, g?.failed], [3, 0]);
      for (const x of m.slice(1)) await run(x.id, true);
      g = await store().getGroup(group.id);
      assert.equal(g?.status, "SUCCESS");
      assert.ok(g?.gatherTaskId && g.gatherTaskId !== first, "a new gather task");
      assert.equal((await gatherTasks(group.id)).length, 2);
      assert.deepEqual(await store().gatherInput(group.id), { results: [1, 2, 3, 4], errors: [] });
    });

    test("a cancelled group ends REVOKED and gathers nothing; cancelling a final group changes nothing", async () => {
      const m = members(3);
      const group = newGroup();
      await store().insertGroup(group, m);
      await run(m[0]!.id, true);
      assert.equal((await store().setGroupCancelled(group.id, true))?.cancelled, true);
      const batch = await store().revokeTaskBatch({ filter: { groupId: group.id }, limit: 10 });
      assert.equal(batch.changed.length, 2);
      const g = await store().getGroup(group.id);
      assert.deepEqual([g?.remaining, g?.status, g?.gatherTaskId], [0, "REVOKED", null]);
      assert.deepEqual(await gatherTasks(group.id), []);
      const members_ = await store().listGroupMembers(group.id, -1, 10);
      assert.deepEqual(members_.map((x) => x.status), ["SUCCESS", "REVOKED", "REVOKED"]);
      assert.equal(members_[1]?.error?.type, "Revoked");

      const done = newGroup({ gather: null });
      const one = members(1);
      await store().insertGroup(done, one);
      await run(one[0]!.id, true);
      assert.equal((await store().setGroupCancelled(done.id, true))?.cancelled, false);
      assert.equal((await store().getGroup(done.id))?.status, "SUCCESS");
    });

    test("a member's RETRY (not final) leaves the counters alone; unknown ids are unknown", async () => {
      const m = members(1);
      const group = newGroup({ gather: null });
      await store().insertGroup(group, m);
      const [claim] = await store().startTasks([{ id: m[0]!.id, worker: "w" }]);
      assert.ok(claim?.run);
      await store().finishTasks([{ id: m[0]!.id, attempt: claim.attempt, status: "RETRY", error: { type: "E", message: "again" } }]);
      assert.equal((await store().getGroup(group.id))?.remaining, 1);
      assert.equal(await store().getGroup("nope"), undefined);
      assert.equal(await store().getGroup(randomUUID()), undefined);
      assert.deepEqual(await store().listGroupMembers("nope", -1, 10), []);
      await assert.rejects(store().listGroupMembers(group.id, -1, 1001), /limit/);
    });
  });
}
