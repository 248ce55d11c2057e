import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_TASKPACKS_DIR } from "../../core/config/env-config.js";
import { createJetStreamQueue } from "../../core/queue/jetstream/jetstream-queue.js";
import { createPostgresTaskStore } from "../../core/store/postgres/postgres-task-store.js";
import type { TaskRecord } from "../../core/store/task-record.js";
import { loadTaskpacks } from "../../worker/packs/load-taskpacks.js";
import { createWorker, type Worker } from "../../worker/worker.js";
import { waitUntil } from "../harness/wait-until.js";
import { allowedTokenHeaders } from "../support/allowed-token.js";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";
import { silentLogger } from "../../core/log/default-logger.js";

// SIGTERM semantics without the signal: worker.stop() is what the worker
// process runs on SIGTERM. Workers are built here (not by the stack) to set
// a short shutdown grace.

/** A worker with its own connections on the real backend (as `npm run worker`), shared ones embedded. */
async function startWorker(stack: Stack, name: string, shutdownGraceMs: number): Promise<{ worker: Worker; stop(): Promise<void> }> {
  const real = stack.postgres && stack.nats;
  const store = real ? await createPostgresTaskStore({ databaseUrl: stack.postgres!.url, poolSize: 2 }) : stack.store;
  const queue = real ? await createJetStreamQueue({ url: stack.nats!.url, name }) : stack.queue;
  const { tasks, failures } = await loadTaskpacks({ dir: DEFAULT_TASKPACKS_DIR });
  assert.deepEqual(failures, []);
  const worker = createWorker({ store, queue, tasks, name, concurrency: 4, shutdownGraceMs, timeoutGraceMs: 300, log: silentLogger() });
  await worker.start();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    stop() {
      stopped ??= (async () => {
        await worker.stop();
        if (real) {
          await queue.close();
          await store.close();
        }
      })();
      return stopped;
    },
  };
}

for (const backend of BACKENDS) {
  describe(`graceful shutdown [${backend}]`, () => {
    let stack: Stack;
    let count = 0;
    before(async () => {
      stack = await startStack({ backend, workers: 0 });
    });
    after(() => stack.stop());

    // `headers`: a token, for protected types; the task is then its user's, so reads send it too.
    const submit = async (type: string, args: Record<string, unknown>, headers?: Record<string, string>): Promise<string> => {
      const res = await httpJson(`${stack.baseUrl}/task`, { body: { type, args }, headers });
      assert.equal(res.status, 200, res.text);
      return res.body.id as string;
    };
    const startedBy = (id: string, worker: string): Promise<TaskRecord> =>
      waitUntil(async () => {
        const t = await stack.store.getTask(id);
        return t?.status === "STARTED" && t.worker === worker ? t : undefined;
      }, { timeoutMs: 20_000, label: `task ${id} STARTED on ${worker}` });

    /**
     * Stops `first` while task `id` runs on it, checks the row was released
     * (PENDING, attempt 1 kept, no lost attempt), then lets a second worker
     * finish it. The second run must come from the hand-back, well before
     * the 30 s ack wait that would redeliver an unsettled message.
     */
    async function expectHandedOver(
      id: string,
      first: { stop(): Promise<void> },
      firstName: string,
      headers?: Record<string, string>,
    ): Promise<TaskRecord> {
      await first.stop();
      const released = await stack.store.getTask(id);
      assert.equal(released?.status, "PENDING");
      assert.equal(released?.attempts, 1);
      assert.equal(released?.lostAttempts, 0);
      assert.equal(released?.worker, firstName);
      assert.deepEqual(released?.errors, [], "an interrupted attempt is not a failed one");
      const secondName = `second-${++count}`;
      const second = await startWorker(stack, secondName, 30_000);
      try {
        const done = await waitForFinal(stack.baseUrl, id, 20_000, headers);
        assert.equal(done.status, "SUCCESS", JSON.stringify(done));
        assert.equal(done.worker, secondName);
        assert.equal(done.attempts, 2, "the released attempt keeps its number; the next one is 2");
        const record = await stack.store.getTask(id);
        assert.equal(record?.lostAttempts, 0);
        return record!;
      } finally {
        await second.stop();
      }
    }

    it("a task that honours its signal is released at the end of the grace and runs to SUCCESS on another worker", async () => {
      const name = `first-${++count}`;
      const first = await startWorker(stack, name, 200);
      const id = await submit("demo.main.sleep", { ms: 2500 });
      await startedBy(id, name);
      const done = await expectHandedOver(id, first, name);
      assert.deepEqual(done.result, { slept: 2500 });
    });

    it("a task that ignores its signal is abandoned after the grace, released, and runs again elsewhere", async () => {
      const name = `first-${++count}`;
      const first = await startWorker(stack, name, 200);
      // Longer than grace + abandon grace: had stop() waited for it, the first worker would record SUCCESS as attempt 1.
      const headers = await allowedTokenHeaders(stack.tokens, "demo.main.ignoreCancel");
      const id = await submit("demo.main.ignoreCancel", { ms: 3000 }, headers);
      await startedBy(id, name);
      const done = await expectHandedOver(id, first, name, headers);
      assert.deepEqual(done.result, { slept: 3000 });
    });

    it("a task that ends within the grace is recorded by the stopping worker", async () => {
      const name = `first-${++count}`;
      const first = await startWorker(stack, name, 20_000);
      const id = await submit("demo.main.sleep", { ms: 600 });
      await startedBy(id, name);
      await first.stop();
      const done = await stack.store.getTask(id);
      assert.equal(done?.status, "SUCCESS");
      assert.equal(done?.attempts, 1);
      assert.equal(done?.worker, name);
    });
  });
}
