import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { ArgumentErrorsSchema } from "../../gen/tstasks/v1/task_pb.js";
import { BACKENDS } from "../support/backends.js";
import { startStack, type Stack } from "../support/stack.js";

const run = promisify(execFile);
const BUF = join(import.meta.dirname, "../../node_modules/.bin/buf");

for (const backend of BACKENDS) describe(`one port, every protocol [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend });
  });
  after(() => stack.stop());

  const transports: Record<string, () => Transport> = {
    "Connect JSON": () => createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1" }),
    "Connect JSON with GET": () => createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1", useHttpGet: true }),
    "Connect binary": () => createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
    "Connect over h2c": () => createConnectTransport({ baseUrl: stack.baseUrl, httpVersion: "2" }),
    gRPC: () => createGrpcTransport({ baseUrl: stack.baseUrl }),
    "gRPC-Web": () => createGrpcWebTransport({ baseUrl: stack.baseUrl, httpVersion: "1.1" }),
  };

  for (const [name, make] of Object.entries(transports)) {
    it(`submits and reads a task over ${name}`, async () => {
      const client = createClient(TaskService, make());
      const { task } = await client.submitTask({ type: "test.main.add", args: { x: 20, y: 22 } });
      assert.ok(task);
      assert.equal(task.status, TaskStatus.PENDING);
      let got = (await client.getTask({ id: task.id })).task!;
      const deadline = Date.now() + 20_000;
      while (got.status !== TaskStatus.SUCCESS && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
        got = (await client.getTask({ id: task.id })).task!;
      }
      assert.equal(got.status, TaskStatus.SUCCESS);
      assert.equal(got.result?.kind.case, "numberValue");
      assert.equal(got.result?.kind.value, 42);

      const types = await client.listTaskTypes({});
      assert.equal(types.types["test.main.add"]?.requireAuthorization, false);

      await assert.rejects(client.getTask({ id: "5861c3a8-fa0f-4b84-9e54-04b545408114" }), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.code, Code.NotFound);
        return true;
      });
      await assert.rejects(client.submitTask({ type: "test.main.add", args: { x: "one" } }), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.code, Code.InvalidArgument);
        const [detail] = e.findDetails(ArgumentErrorsSchema);
        assert.equal(detail?.errors["x"], "must be integer");
        assert.equal(detail?.errors["y"], "is required");
        return true;
      });
    });
  }

  it("REST and RPC see the same task", async () => {
    const client = createClient(TaskService, createGrpcTransport({ baseUrl: stack.baseUrl }));
    const { task } = await client.submitTask({ type: "test.main.subtract", args: { x: 1, y: 2 } });
    const res = await fetch(`${stack.baseUrl}/task/${task!.id}`);
    const body = (await res.json()) as { id: string; type: string };
    assert.equal(body.id, task!.id);
    assert.equal(body.type, "test.main.subtract");
  });

  it("gRPC reflection answers buf curl (list methods, then a call by reflection only)", async () => {
    const { stdout } = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", stack.baseUrl, "--list-methods"]);
    for (const m of [
      "tstasks.v1.TaskService/SubmitTask",
      "tstasks.v1.TaskService/GetTask",
      "tstasks.v1.SystemService/Ready",
      "tstasks.v1.MonitorService/ListWorkers",
      "tstasks.v1.MonitorService/GetTaskStats",
      "tstasks.v1.ScheduleService/CreateSchedule",
      "tstasks.v1.GroupService/SubmitGroup",
      "tstasks.v1.ChainService/SubmitChain",
      "grpc.health.v1.Health/Check",
    ]) {
      assert.ok(stdout.includes(m), `${m} listed in:\n${stdout}`);
    }
    const call = await run(BUF, [
      "curl", "--protocol", "grpc", "--http2-prior-knowledge",
      "-d", '{"type":"test.main.add","args":{"x":2,"y":3}}',
      `${stack.baseUrl}/tstasks.v1.TaskService/SubmitTask`,
    ]);
    const submitted = JSON.parse(call.stdout) as { task: { id: string; status: string } };
    assert.equal(submitted.task.status, "TASK_STATUS_PENDING");
    const health = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d", "{}", `${stack.baseUrl}/grpc.health.v1.Health/Check`]);
    assert.equal(JSON.parse(health.stdout).status, "SERVING");
  });
});
