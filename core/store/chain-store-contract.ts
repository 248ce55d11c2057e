import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { ChainStepPlan, NewChain } from "./chain-record.js";
import type { ContractBackend } from "./task-store-contract.js";
import type { NewTask } from "./task-record.js";
import type { TaskStore } from "./task-store.js";

// The chain part of the TaskStore contract, run by each backend's test file:
// the progress trigger of the create-chains migration, on both backends.

/** A step plan of `demo.math.add` taking the previous result as `a`. */
function step(overrides: Partial<ChainStepPlan> = {}): ChainStepPlan {
  return { type: "demo.math.add", queue: "default", args: { b: 10 }, inputField: "a", permission: null, maxRetries: null, timeoutMs: null, priority: 5, ...overrides };
}

/** A chain of `n` steps (the first with fixed args a=1, b=2) and its first task. */
function newChain(n: number, overrides: Partial<NewChain> = {}): { chain: NewChain; first: NewTask } {
  const steps = [step({ args: { a: 1, b: 2 }, inputField: null }), ...Array.from({ length: n - 1 }, (_, i) => step({ args: { b: 10 ** (i + 1) }, maxRetries: i, timeoutMs: 5000, priority: 7 }))];
  const chain: NewChain = { id: randomUUID(), owner: "alice", idempotencyKey: null, steps, ...overrides };
  const first: NewTask = { id: randomUUID(), type: "demo.math.add", queue: "default", args: { a: 1, b: 2 }, owner: chain.owner };
  return { chain, first };
}

/**
 * Registers the chain contract tests under `describe(name)`. `open` gives an
 * empty store once for the group.
 */
export function describeChainStoreContract(name: string, open: () => Promise<ContractBackend>): void {
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

    /** Runs the task's next attempt to `outcome` as a worker would: claim, then finish. */
    async function finish(id: string, outcome: { status: "SUCCESS"; result: unknown } | { status: "FAILURE"; message: string }): Promise<void> {
      const [claim] = await store().startTasks([{ id, worker: "w1" }]);
      assert.ok(claim?.run, `task ${id} claimed`);
      const applied =
        outcome.status === "SUCCESS"
          ? await store().finishTasks([{ id, attempt: claim.attempt, status: "SUCCESS", result: outcome.result as never }])
          : await store().finishTasks([{ id, attempt: claim.attempt, status: "FAILURE", error: { type: "Boom", message: outcome.message } }]);
      assert.deepEqual(applied, [true]);
    }

    /** The outbox row of a task, if any. */
    async function outboxRow(id: string) {
      return backend!.withDb(async (db) => db.selectFrom("task_outbox").select(["held", "due_at"]).where("task_id", "=", id).executeTakeFirst());
    }

    test("insertChain stores the chain RUNNING at step 0 and its first task, marked as step 0, with its outbox row", async () => {
      const { chain, first } = newChain(3);
      assert.deepEqual(await store().insertChain(chain, first), { id: chain.id, existing: false });
      const got = await store().getChain(chain.id);
      assert.ok(got);
      assert.equal(got.status, "RUNNING");
      assert.equal(got.currentStep, 0);
      assert.equal(got.owner, "alice");
      assert.equal(got.finishedAt, null);
      assert.deepEqual(got.steps.map((s) => [s.index, s.type, s.inputField, s.taskId, s.status]), [
        [0, "demo.math.add", null, first.id, "PENDING"],
        [1, "demo.math.add", "a", null, null],
        [2, "demo.math.add", "a", null, null],
      ]);
      const task = await store().getTask(first.id);
      assert.equal(task?.chainId, chain.id);
      assert.equal(task?.chainStep, 0);
      assert.equal((await outboxRow(first.id))?.held, false);
      assert.equal(await store().getChain(randomUUID()), undefined);
      assert.equal(await store().getChain("not-a-uuid"), undefined);
    });

    test("a step's SUCCESS creates the next step (result as its input_field, held outbox row due now); the last step's makes the chain SUCCESS", async () => {
      const { chain, first } = newChain(3);
      await store().insertChain(chain, first);
      await finish(first.id, { status: "SUCCESS", result: 3 });
      let got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "RUNNING");
      assert.equal(got.currentStep, 1);
      assert.equal(got.steps[0]!.result, 3);
      const second = got.steps[1]!.taskId!;
      assert.ok(second);
      const t2 = (await store().getTask(second))!;
      assert.deepEqual(t2.args, { a: 3, b: 10 });
      assert.equal(t2.status, "PENDING");
      assert.equal(t2.owner, "alice");
      assert.equal(t2.maxRetries, 0);
      assert.equal(t2.timeoutMs, 5000);
      assert.equal(t2.priority, 7, "a later step has its plan's priority (its type's, taken at submit)");
      assert.deepEqual([t2.chainId, t2.chainStep], [chain.id, 1]);
      assert.equal((await outboxRow(second))?.held, true);
      // The dispatcher's query takes it (held, due now), and publishing deletes the row.
      let published: string[] = [];
      await store().dispatchUnpublished(100, 60_000, async (tasks) => {
        published = tasks.map((t) => t.id);
      });
      assert.ok(published.includes(second), "the outbox dispatcher publishes the new step");
      assert.equal(await outboxRow(second), undefined);

      await finish(second, { status: "SUCCESS", result: 13 });
      got = (await store().getChain(chain.id))!;
      const third = got.steps[2]!.taskId!;
      assert.deepEqual((await store().getTask(third))!.args, { a: 13, b: 100 });
      await finish(third, { status: "SUCCESS", result: { sum: 113 } });
      got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "SUCCESS");
      assert.equal(got.currentStep, 2);
      assert.deepEqual(got.result, { sum: 113 });
      assert.ok(got.finishedAt);
      assert.deepEqual(got.steps.map((s) => s.status), ["SUCCESS", "SUCCESS", "SUCCESS"]);
    });

    test("a step's FAILURE fails the chain with its error and creates nothing; its requeue makes the chain RUNNING, and it goes on", async () => {
      const { chain, first } = newChain(2);
      await store().insertChain(chain, first);
      await finish(first.id, { status: "FAILURE", message: "step one broke" });
      let got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "FAILURE");
      assert.equal(got.currentStep, 0);
      assert.deepEqual(got.error, { type: "Boom", message: "step one broke" });
      assert.deepEqual(got.steps[0]!.error, { type: "Boom", message: "step one broke" });
      assert.ok(got.finishedAt);
      assert.equal(got.steps[1]!.taskId, null);
      const count = await backend!.withDb(async (db) => (await sql<{ n: number }>`select count(*)::int as n from tasks where chain_id = ${chain.id}`.execute(db)).rows[0]!.n);
      assert.equal(count, 1, "no later step was created");

      const requeued = await store().requeueTask(first.id);
      assert.equal(requeued.outcome, "requeued");
      got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "RUNNING");
      assert.equal(got.error, null);
      assert.equal(got.finishedAt, null);
      await finish(first.id, { status: "SUCCESS", result: 5 });
      got = (await store().getChain(chain.id))!;
      await finish(got.steps[1]!.taskId!, { status: "SUCCESS", result: 15 });
      got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "SUCCESS");
      assert.equal(got.result, 15);
    });

    test("revoking the running step makes the chain REVOKED with a Revoked error; a late outcome changes nothing", async () => {
      const { chain, first } = newChain(2);
      await store().insertChain(chain, first);
      const [claim] = await store().startTasks([{ id: first.id, worker: "w1" }]);
      assert.ok(claim?.run);
      assert.equal((await store().revokeTask(first.id)).outcome, "revoked");
      let got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "REVOKED");
      assert.equal(got.error?.type, "Revoked");
      assert.deepEqual(await store().finishTasks([{ id: first.id, attempt: claim.attempt, status: "SUCCESS", result: 1 }]), [false]);
      got = (await store().getChain(chain.id))!;
      assert.equal(got.status, "REVOKED");
      assert.equal(got.steps[1]!.taskId, null);
    });

    test("a bulk retry of a failed step also brings its chain back", async () => {
      const { chain, first } = newChain(2, { owner: "bulk-owner" });
      await store().insertChain(chain, { ...first, owner: "bulk-owner", type: "demo.chain.bulk" });
      await finish(first.id, { status: "FAILURE", message: "x" });
      const result = await store().requeueTaskBatch({ filter: { owner: "bulk-owner", type: "demo.chain.bulk" }, limit: 10 });
      assert.equal(result.changed.length, 1);
      assert.equal((await store().getChain(chain.id))!.status, "RUNNING");
    });

    test("an idempotency key (per owner) stores one chain; another owner's same key is another chain", async () => {
      const a = newChain(2, { idempotencyKey: "k" });
      const b = newChain(2, { idempotencyKey: "k" });
      const c = newChain(2, { idempotencyKey: "k", owner: "bob" });
      assert.deepEqual(await store().insertChain(a.chain, a.first), { id: a.chain.id, existing: false });
      assert.deepEqual(await store().insertChain(b.chain, b.first), { id: a.chain.id, existing: true });
      assert.equal(await store().getTask(b.first.id), undefined, "the repeat stored no task");
      assert.deepEqual(await store().insertChain(c.chain, { ...c.first, owner: "bob" }), { id: c.chain.id, existing: false });
    });

    test("a step is never created twice: a second SUCCESS of the same step (a requeue after success is refused; forced here in SQL) adds no task", async () => {
      const { chain, first } = newChain(3);
      await store().insertChain(chain, first);
      await finish(first.id, { status: "SUCCESS", result: 3 });
      // Force the step back to STARTED and to SUCCESS again: the trigger's insert meets the unique (chain_id, chain_step).
      await backend!.withDb((db) => sql`update tasks set status = 'STARTED' where id = ${first.id}`.execute(db));
      await backend!.withDb((db) => sql`update tasks set status = 'SUCCESS' where id = ${first.id}`.execute(db));
      const n = await backend!.withDb(async (db) => (await sql<{ n: number }>`select count(*)::int as n from tasks where chain_id = ${chain.id} and chain_step = 1`.execute(db)).rows[0]!.n);
      assert.equal(n, 1);
    });
  });
}
