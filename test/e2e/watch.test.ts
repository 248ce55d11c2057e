import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { TaskStatus, type Task } from "../../gen/tstasks/v1/task_pb.js";
import { TaskService, type WatchTaskResponse } from "../../gen/tstasks/v1/task_service_pb.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

const FINAL = [TaskStatus.SUCCESS, TaskStatus.FAILURE, TaskStatus.REVOKED];

/** Every message of a watch, in order (the stream ends by itself after the final task). */
async function collect(client: Client<typeof TaskService>, id: string, headers?: Record<string, string>): Promise<WatchTaskResponse["event"][]> {
  const events: WatchTaskResponse["event"][] = [];
  for await (const m of client.watchTask({ id }, { headers, timeoutMs: 30_000 })) events.push(m.event);
  return events;
}

/** The tasks among the events. */
function tasksOf(events: WatchTaskResponse["event"][]): Task[] {
  return events.flatMap((e) => (e.case === "task" ? [e.value] : []));
}

/** The stream's shape every watch must have: a task first, exactly one final task, and it is last. */
function assertShape(events: WatchTaskResponse["event"][], finalStatus: TaskStatus): Task {
  assert.ok(events.length > 0, "at least one message");
  assert.equal(events[0]!.case, "task", "the snapshot comes first");
  const last = events.at(-1)!;
  assert.equal(last.case, "task", `the last message is a task, got ${last.case}`);
  assert.equal(last.value.status, finalStatus, `final status ${TaskStatus[last.value.status]}`);
  assert.equal(tasksOf(events).filter((t) => FINAL.includes(t.status)).length, 1, "exactly one final task");
  return last.value;
}

for (const backend of BACKENDS) describe(`WatchTask [${backend}]`, () => {
  let stack: Stack;
  const transports: Record<string, () => Transport> = {
    Connect: () => createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1" }),
    gRPC: () => createGrpcTransport({ baseUrl: stack.baseUrl }),
  };
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  for (const [name, make] of Object.entries(transports)) {
    it(`streams the snapshot, progress and log lines of demo.main.pi, then the final task, over ${name}`, async () => {
      const client = createClient(TaskService, make());
      // Delayed, so the watch surely subscribes before the task runs: progress events are live only.
      const { task } = await client.submitTask({ type: "demo.main.pi", args: { samples: 100_000, chunks: 5, pauseMs: 150 }, delayMs: 1000 });
      const events = await collect(client, task!.id);
      const final = assertShape(events, TaskStatus.SUCCESS);
      const result = toJson(ValueSchema, final.result!) as { pi: number; samples: number };
      assert.equal(result.samples, 100_000);
      assert.ok(Math.abs(result.pi - Math.PI) < 0.1, `pi ≈ ${result.pi}`);
      assert.equal(final.progress, 1);

      // Every line, in order, once: earlier ones from the store, the rest live.
      const logs = events.flatMap((e) => (e.case === "log" ? [e.value] : []));
      assert.deepEqual(
        logs.map((l) => l.message.split(":")[0]),
        ["chunk 1/5", "chunk 2/5", "chunk 3/5", "chunk 4/5", "chunk 5/5"],
      );
      assert.ok(logs.every((l, i) => i === 0 || l.seq > logs[i - 1]!.seq), "seq increases");
      assert.ok(logs.every((l) => l.attempt === 1 && l.time !== undefined));

      const progress = events.flatMap((e) => (e.case === "progress" ? [e.value] : []));
      assert.ok(progress.length >= 1, "progress reports arrive live");
      assert.ok(progress.every((p, i) => p.fraction > 0 && p.fraction <= 1 && (i === 0 || p.fraction >= progress[i - 1]!.fraction)));
      assert.match(progress.at(-1)!.message, /^chunk \d\/5$/);

      // Status changes in between are whole tasks that are not final.
      for (const t of tasksOf(events).slice(0, -1)) assert.ok([TaskStatus.PENDING, TaskStatus.STARTED].includes(t.status));
    });
  }

  it("never misses the final event: 40 fast tasks watched right after submit end with SUCCESS", async () => {
    const clients = Object.values(transports).map((make) => createClient(TaskService, make()));
    for (let i = 0; i < 40; i++) {
      const client = clients[i % clients.length]!;
      const { task } = await client.submitTask({ type: "test.main.add", args: { x: i, y: 1 } });
      const events = await collect(client, task!.id);
      const final = assertShape(events, TaskStatus.SUCCESS);
      assert.equal(toJson(ValueSchema, final.result!), i + 1);
      assert.equal(final.id, task!.id);
    }
  });

  it("a task that is final already yields exactly one message", async () => {
    const client = createClient(TaskService, transports["gRPC"]!());
    const { task } = await client.submitTask({ type: "test.main.add", args: { x: 2, y: 2 } });
    await collect(client, task!.id);
    const events = await collect(client, task!.id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.case, "task");
    assert.equal(events[0]!.value.status, TaskStatus.SUCCESS);
  });

  it("cancelling a running task ends the watch with REVOKED", async () => {
    const client = createClient(TaskService, transports["Connect"]!());
    const { task } = await client.submitTask({ type: "demo.main.sleep", args: { ms: 30_000 } });
    const events: WatchTaskResponse["event"][] = [];
    let cancelled = false;
    for await (const m of client.watchTask({ id: task!.id }, { timeoutMs: 20_000 })) {
      events.push(m.event);
      if (!cancelled && m.event.case === "task" && m.event.value.status === TaskStatus.STARTED) {
        cancelled = true;
        await client.cancelTask({ id: task!.id });
      }
    }
    assert.ok(cancelled, "the watch showed the task STARTED");
    assertShape(events, TaskStatus.REVOKED);
  });

  it("unknown ids are NotFound, an empty id is InvalidArgument, another user's task is NotFound", async () => {
    const client = createClient(TaskService, transports["Connect"]!());
    const code = async (id: string, headers?: Record<string, string>): Promise<Code | undefined> => {
      try {
        await collect(client, id, headers);
        return undefined;
      } catch (e) {
        return ConnectError.from(e).code;
      }
    };
    assert.equal(await code("5861c3a8-fa0f-4b84-9e54-04b545408114"), Code.NotFound);
    assert.equal(await code("nope"), Code.NotFound);
    assert.equal(await code(""), Code.InvalidArgument);

    const alice = { authorization: `Bearer ${(await stack.tokens.issue({ name: "alice", allowedTasks: {}, roles: [] })).token}` };
    const bob = { authorization: `Bearer ${(await stack.tokens.issue({ name: "bob", allowedTasks: {}, roles: [] })).token}` };
    const { task } = await client.submitTask({ type: "test.main.add", args: { x: 1, y: 1 } }, { headers: alice });
    assert.equal(await code(task!.id, bob), Code.NotFound);
    assert.equal(await code(task!.id), Code.NotFound, "anonymous callers cannot watch an owned task");
    assert.equal(await code(task!.id, { authorization: "Bearer garbage" }), Code.Unauthenticated);
    assertShape(await collect(client, task!.id, alice), TaskStatus.SUCCESS);
  });

  // Runs last: it stops the only worker.
  it("a change that publishes no event (the expiry sweeper) still ends the watch", async () => {
    await stack.workers[0]!.stop();
    const client = createClient(TaskService, transports["gRPC"]!());
    const { task } = await client.submitTask({ type: "test.main.add", args: { x: 1, y: 2 }, queueTimeoutMs: 300 });
    const events = await collect(client, task!.id);
    const final = assertShape(events, TaskStatus.FAILURE);
    assert.equal(final.error?.type, "Expired");
  });
});
