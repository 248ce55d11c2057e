import assert from "node:assert/strict";
import { it } from "node:test";
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { TaskSchema, TaskStatus } from "../gen/tstasks/v1/task_pb.js";
import { isFinalStatus, statusFromProto, statusToProto, taskFromProto } from "./task-info.js";

const created = new Date("2026-01-02T03:04:05.678Z");

it("converts a SUCCESS task into a plain object with Dates and a JSON result", () => {
  const info = taskFromProto(
    create(TaskSchema, {
      id: "t1",
      type: "demo.main.pi",
      status: TaskStatus.SUCCESS,
      args: { samples: 10, nested: { list: [1, "two", null] } },
      result: fromJson(ValueSchema, { pi: 3.2, samples: 10 }),
      queue: "default",
      attempts: 1,
      worker: "w1",
      createdAt: timestampFromDate(created),
      progress: 1,
      progressMessage: "chunk 5/5",
      priority: 7,
    }),
  );
  assert.deepEqual(info, {
    id: "t1",
    type: "demo.main.pi",
    status: "SUCCESS",
    args: { samples: 10, nested: { list: [1, "two", null] } },
    result: { pi: 3.2, samples: 10 },
    errors: [],
    queue: "default",
    attempts: 1,
    worker: "w1",
    owner: "",
    createdAt: created,
    idempotencyKey: "",
    timeoutMs: 0,
    progress: 1,
    progressMessage: "chunk 5/5",
    priority: 7,
  });
});

it("a group member, a gather task and a chain step say so; a plain task has none of those keys", () => {
  const member = taskFromProto(create(TaskSchema, { groupId: "g1", groupIndex: 17 }));
  assert.deepEqual(member.group, { id: "g1", index: 17 });
  assert.deepEqual(taskFromProto(create(TaskSchema, { gatherOf: "g1" })).gatherOf, "g1");
  assert.deepEqual(taskFromProto(create(TaskSchema, { chainId: "c1", chainStep: 0 })).chain, { id: "c1", step: 0 });
  const plain = taskFromProto(create(TaskSchema, {}));
  for (const key of ["group", "gatherOf", "chain"]) assert.equal(key in plain, false, key);
});

it("a null result of a SUCCESS task is present as null; other statuses have no result key", () => {
  assert.equal(taskFromProto(create(TaskSchema, { status: TaskStatus.SUCCESS, result: fromJson(ValueSchema, null) })).result, null);
  assert.ok("result" in taskFromProto(create(TaskSchema, { status: TaskStatus.SUCCESS })));
  assert.ok(!("result" in taskFromProto(create(TaskSchema, { status: TaskStatus.FAILURE }))));
});

it("keeps the error and every attempt's errors of a FAILURE", () => {
  const error = { type: "Error", message: "boom", attempt: 2 };
  const info = taskFromProto(
    create(TaskSchema, { status: TaskStatus.FAILURE, error, errors: [{ ...error, attempt: 1 }, error] }),
  );
  assert.equal(info.status, "FAILURE");
  assert.deepEqual(info.error, error);
  assert.deepEqual(info.errors, [{ ...error, attempt: 1 }, error]);
});

it("maps every status both ways, without the TASK_STATUS_ prefix", () => {
  for (const name of ["PENDING", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"] as const) {
    assert.equal(statusFromProto(statusToProto(name)), name);
  }
  assert.equal(statusFromProto(TaskStatus.UNSPECIFIED), "PENDING");
  assert.deepEqual(
    ["PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE", "REVOKED"].map((s) => isFinalStatus(s as never)),
    [false, false, false, true, true, true],
  );
});
