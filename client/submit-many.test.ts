import assert from "node:assert/strict";
import { it } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { TaskSchema, TaskStatus } from "../gen/tstasks/v1/task_pb.js";
import { TaskService, type SubmitTaskErrorSchema, type SubmitTasksRequest } from "../gen/tstasks/v1/task_service_pb.js";
import { argumentErrors } from "./argument-errors.js";
import { createTasksClientWith } from "./create-tasks-client-with.js";
import { isInvalidArgument, isPermissionDenied } from "./error-predicates.js";

// submitMany against an in-memory TaskService (the real server's behaviour is
// covered end to end in test/e2e/batch-submit.test.ts): how it splits,
// orders, converts per-task errors and retries.

/** A client whose SubmitTasks is `impl`; every call's request is recorded. */
function clientWith(impl: (req: SubmitTasksRequest, call: number) => ReturnType<ServiceImpl<typeof TaskService>["submitTasks"]>) {
  const calls: SubmitTasksRequest[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(TaskService, {
      submitTasks: (req) => {
        calls.push(req);
        return impl(req, calls.length);
      },
    });
  });
  return { client: createTasksClientWith(transport, { retries: 2 }), calls };
}

/** A per-task refusal as the server sends it. */
const refusal = (code: string, message: string, errors: Record<string, string> = {}) => ({
  outcome: { case: "error" as const, value: { code, message, errors } satisfies MessageInitShape<typeof SubmitTaskErrorSchema> },
});

/** Accepts every task, answering a task whose id is its `n` argument. */
const acceptAll = (req: SubmitTasksRequest) => ({
  results: req.tasks.map((t) => ({
    outcome: { case: "task" as const, value: create(TaskSchema, { id: String(t.args?.["n"]), type: t.type, status: TaskStatus.PENDING }) },
  })),
});

it("splits 2500 tasks into calls of 1000, 1000 and 500, in order, and answers one result per task in order", async () => {
  const { client, calls } = clientWith(acceptAll);
  const results = await client.submitMany(Array.from({ length: 2500 }, (_, n) => ({ type: "t", args: { n } })));
  assert.deepEqual(calls.map((c) => c.tasks.length), [1000, 1000, 500]);
  assert.equal(calls[1]!.tasks[0]!.args?.["n"], 1000, "the second call starts where the first ended");
  assert.equal(results.length, 2500);
  results.forEach((r, n) => {
    assert.ok(r.ok, `task ${n}`);
    assert.equal(r.task.id, String(n));
    assert.equal(r.task.status, "PENDING");
  });
  assert.deepEqual(await client.submitMany([]), [], "an empty list makes no call");
  assert.equal(calls.length, 3);
});

it("sends each task's options; a refused task's error has its code, message and argument errors", async () => {
  const { client, calls } = clientWith((req) => ({
    results: [
      refusal("invalid_argument", "Input payload validation failed", { x: "must be integer" }),
      refusal("permission_denied", "not yours"),
      refusal("from_the_future", "?"),
      ...acceptAll({ ...req, tasks: req.tasks.slice(3) }).results,
    ],
  }));
  const runAt = new Date("2030-01-02T03:04:05.000Z");
  const results = await client.submitMany([
    { type: "a", args: { x: 1.5 }, maxRetries: 0, idempotencyKey: "k", timeoutMs: 5, queueTimeoutMs: 6 },
    { type: "b", runAt },
    { type: "c", delayMs: 7 },
    { type: "d", args: { n: 9 } },
  ]);
  const sent = calls[0]!.tasks;
  assert.equal(sent[0]!.maxRetries, 0, "0 is sent, not dropped as unset");
  assert.equal(sent[0]!.idempotencyKey, "k");
  assert.equal(sent[0]!.timeoutMs, 5);
  assert.equal(sent[0]!.queueTimeoutMs, 6);
  assert.equal(sent[1]!.maxRetries, undefined);
  assert.equal(sent[1]!.runAt?.seconds, BigInt(runAt.getTime() / 1000));
  assert.equal(sent[2]!.delayMs, 7);
  assert.deepEqual(sent.map((t) => t.type), ["a", "b", "c", "d"]);

  const [invalid, denied, unknown, accepted] = results;
  assert.ok(invalid && !invalid.ok && denied && !denied.ok && unknown && !unknown.ok);
  assert.ok(invalid.error instanceof ConnectError);
  assert.ok(isInvalidArgument(invalid.error));
  assert.equal(invalid.error.rawMessage, "Input payload validation failed");
  assert.deepEqual(argumentErrors(invalid.error), { x: "must be integer" });
  assert.ok(isPermissionDenied(denied.error));
  assert.deepEqual(argumentErrors(denied.error), {});
  assert.equal(unknown.error.code, Code.Unknown, "a code this client does not know");
  assert.ok(accepted?.ok && accepted.task.id === "9");
});

it("retries a call that failed Unavailable only when every task in it has an idempotency key", async () => {
  const flaky = (_req: SubmitTasksRequest, call: number) => {
    if (call === 1) throw new ConnectError("store down", Code.Unavailable);
    return acceptAll(_req);
  };
  const keyed = clientWith(flaky);
  const results = await keyed.client.submitMany([
    { type: "t", args: { n: 1 }, idempotencyKey: "a" },
    { type: "t", args: { n: 2 }, idempotencyKey: "b" },
  ]);
  assert.equal(keyed.calls.length, 2, "retried once");
  assert.deepEqual(results.map((r) => r.ok && r.task.id), ["1", "2"]);

  const oneWithout = clientWith(flaky);
  await assert.rejects(
    oneWithout.client.submitMany([{ type: "t", args: { n: 1 }, idempotencyKey: "a" }, { type: "t", args: { n: 2 } }]),
    (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable,
  );
  assert.equal(oneWithout.calls.length, 1, "not retried: the task without a key might be stored twice");

  const refused = clientWith(() => {
    throw new ConnectError("slow down", Code.ResourceExhausted);
  });
  await assert.rejects(refused.client.submitMany([{ type: "t", idempotencyKey: "a" }]), /slow down/);
  assert.equal(refused.calls.length, 1, "other codes are never retried");
});

it("a later call failing throws, after the earlier calls' tasks were sent; a wrong result count is an error", async () => {
  const secondFails = clientWith((req, call) => {
    if (call === 2) throw new ConnectError("token expired", Code.Unauthenticated);
    return acceptAll(req);
  });
  await assert.rejects(
    secondFails.client.submitMany(Array.from({ length: 1001 }, (_, n) => ({ type: "t", args: { n } }))),
    (e: unknown) => e instanceof ConnectError && e.code === Code.Unauthenticated,
  );
  assert.deepEqual(secondFails.calls.map((c) => c.tasks.length), [1000, 1]);

  const short = clientWith((req) => acceptAll({ ...req, tasks: req.tasks.slice(1) }));
  await assert.rejects(
    short.client.submitMany([{ type: "t", args: { n: 1 } }, { type: "t", args: { n: 2 } }]),
    (e: unknown) => e instanceof ConnectError && e.code === Code.Internal && /1 results for 2 tasks/.test(e.rawMessage),
  );
});
