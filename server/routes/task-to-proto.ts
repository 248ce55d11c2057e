import { fromJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { TaskStatus, type TaskSchema, type TaskTypeSchema } from "../../gen/tstasks/v1/task_pb.js";
import type { TaskRecord } from "../../core/store/task-record.js";
import type { TaskTypeRecord } from "../../core/store/task-type-record.js";
import type { TaskStatus as StatusName } from "../../core/task/task-status.js";

/** Proto enum value of a stored status name. */
export function statusToProto(status: StatusName): TaskStatus {
  return TaskStatus[status];
}

/** Stored status name of a proto enum value; undefined for UNSPECIFIED. */
export function statusFromProto(status: TaskStatus): StatusName | undefined {
  return status === TaskStatus.UNSPECIFIED ? undefined : (TaskStatus[status] as StatusName);
}

/** A stored task as a `tstasks.v1.Task` init object. */
export function taskToProto(t: TaskRecord): MessageInitShape<typeof TaskSchema> {
  return {
    id: t.id,
    type: t.type,
    status: statusToProto(t.status),
    args: t.args,
    result: t.status === "SUCCESS" ? fromJson(ValueSchema, t.result) : undefined,
    error: t.error ?? undefined,
    queue: t.queue,
    attempts: t.attempts,
    worker: t.worker ?? "",
    createdAt: timestampFromDate(t.createdAt),
    startedAt: t.startedAt ? timestampFromDate(t.startedAt) : undefined,
    finishedAt: t.finishedAt ? timestampFromDate(t.finishedAt) : undefined,
    owner: t.owner ?? "",
    errors: t.errors,
    runAt: t.runAt ? timestampFromDate(t.runAt) : undefined,
    idempotencyKey: t.idempotencyKey ?? "",
    timeoutMs: t.timeoutMs ?? 0,
    expiresAt: t.expiresAt ? timestampFromDate(t.expiresAt) : undefined,
  };
}

/** A catalog entry as a `tstasks.v1.TaskType` init object. */
export function taskTypeToProto(t: TaskTypeRecord): MessageInitShape<typeof TaskTypeSchema> {
  return {
    name: t.name,
    requireAuthorization: t.protected,
    args: t.argsSchema,
    queue: t.queue,
    description: t.description,
    pack: t.pack,
    packVersion: t.packVersion,
  };
}
