import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { LogLevel, TaskStatus } from "../gen/tstasks/v1/task_pb.js";
import { WatchTaskResponseSchema } from "../gen/tstasks/v1/task_service_pb.js";
import { taskEventFromProto } from "./task-event.js";

it("converts each kind of WatchTaskResponse", () => {
  const task = taskEventFromProto(
    create(WatchTaskResponseSchema, { event: { case: "task", value: { id: "t", status: TaskStatus.STARTED } } }),
  );
  assert.equal(task?.kind, "task");
  assert.equal(task.kind === "task" && task.task.status, "STARTED");

  assert.deepEqual(
    taskEventFromProto(create(WatchTaskResponseSchema, { event: { case: "progress", value: { fraction: 0.5, message: "half", attempt: 2 } } })),
    { kind: "progress", fraction: 0.5, message: "half", attempt: 2 },
  );

  const at = new Date("2026-03-04T05:06:07.000Z");
  assert.deepEqual(
    taskEventFromProto(
      create(WatchTaskResponseSchema, {
        event: { case: "log", value: { seq: 7n, level: LogLevel.WARN, message: "careful", time: timestampFromDate(at), attempt: 1 } },
      }),
    ),
    { kind: "log", line: { seq: 7, level: "warn", message: "careful", time: at, attempt: 1 } },
  );
  assert.equal(taskEventFromProto(create(WatchTaskResponseSchema, {})), undefined);
});
