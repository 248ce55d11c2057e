import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toJson } from "@bufbuild/protobuf";
import { TaskSchema, TaskStatus, TaskStatusSchema } from "../../gen/tstasks/v1/task_pb.js";
import { ListTasksResponseSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import { expandEnumNames, findEnumValue, shortEnumName, stripEnumPrefixes } from "./enum-names.js";

describe("enum names", () => {
  it("strips the prefix all values share", () => {
    assert.equal(shortEnumName(TaskStatusSchema.value[TaskStatus.PENDING]!), "PENDING");
    assert.equal(shortEnumName(TaskStatusSchema.value[TaskStatus.UNSPECIFIED]!), "UNSPECIFIED");
  });

  it("finds values by full name, short name, any case, or number", () => {
    for (const text of ["TASK_STATUS_SUCCESS", "SUCCESS", "success", "task_status_success", "3"]) {
      assert.equal(findEnumValue(TaskStatusSchema, text)?.number, TaskStatus.SUCCESS, text);
    }
    assert.equal(findEnumValue(TaskStatusSchema, "DONE"), undefined);
    assert.equal(findEnumValue(TaskStatusSchema, "99"), undefined);
  });

  it("rewrites enums inside repeated nested messages", () => {
    const msg = create(ListTasksResponseSchema, {
      tasks: [
        { id: "a", status: TaskStatus.PENDING },
        { id: "b", status: TaskStatus.REVOKED },
      ],
    });
    const json = toJson(ListTasksResponseSchema, msg, { useProtoFieldName: true }) as {
      tasks: { status: string }[];
    };
    stripEnumPrefixes(ListTasksResponseSchema, json);
    assert.deepEqual(
      json.tasks.map((t) => t.status),
      ["PENDING", "REVOKED"],
    );
  });

  it("expands short names in request JSON and leaves unknown strings alone", () => {
    const json: Record<string, unknown> = { status: "started", id: "x" };
    expandEnumNames(TaskSchema, json);
    assert.deepEqual(json, { status: "TASK_STATUS_STARTED", id: "x" });
    const bad: Record<string, unknown> = { status: "nope" };
    expandEnumNames(TaskSchema, bad);
    assert.equal(bad.status, "nope");
  });
});
