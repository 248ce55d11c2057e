import { fromJson, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { LogLevel, TaskStatus, type TaskLogLineSchema, type TaskSchema, type TaskTypeSchema } from "../../gen/tstasks/v1/task_pb.js";
import type { WatchTaskResponseSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import type { LogLine, TaskRecord } from "../../core/store/task-record.js";
import type { LogLevel as LogLevelName } from "../../core/task/log-level.js";
import type { WatchEvent } from "../watch/watch-task-events.js";
import type { TaskTypeRecord } from "../../core/store/task-type-record.js";
import type { TaskStatus as StatusName } from "../../core/task/task-status.js";
import { DEFAULT_PRIORITY } from "../../core/task/priority.js";

/** Proto enum value of a stored status name. */
export function statusToProto(status: StatusName): TaskStatus {
  return TaskStatus[status];
}

/** Stored status name of a proto enum value; undefined for UNSPECIFIED. */
export function statusFromProto(status: TaskStatus): StatusName | undefined {
  return status === TaskStatus.UNSPECIFIED ? undefined : (TaskStatus[status] as StatusName);
}

/** What a task was submitted with, the fields a new task and a stored one share. */
export type SubmittedFields = Pick<TaskRecord, "id" | "type" | "args" | "queue" | "owner" | "runAt" | "idempotencyKey" | "timeoutMs" | "expiresAt" | "priority">;

/** The submitted fields of a `tstasks.v1.Task` init object (see {@link taskToProto}). */
export function submittedFieldsToProto(t: SubmittedFields) {
  return {
    id: t.id,
    type: t.type,
    args: t.args,
    queue: t.queue,
    owner: t.owner ?? "",
    runAt: t.runAt ? timestampFromDate(t.runAt) : undefined,
    idempotencyKey: t.idempotencyKey ?? "",
    timeoutMs: t.timeoutMs ?? 0,
    expiresAt: t.expiresAt ? timestampFromDate(t.expiresAt) : undefined,
    priority: t.priority,
  } satisfies MessageInitShape<typeof TaskSchema>;
}

/** A stored task as a `tstasks.v1.Task` init object. */
export function taskToProto(t: TaskRecord): MessageInitShape<typeof TaskSchema> {
  return {
    ...submittedFieldsToProto(t),
    status: statusToProto(t.status),
    result: t.status === "SUCCESS" ? fromJson(ValueSchema, t.result) : undefined,
    error: t.error ?? undefined,
    attempts: t.attempts,
    worker: t.worker ?? "",
    createdAt: timestampFromDate(t.createdAt),
    startedAt: t.startedAt ? timestampFromDate(t.startedAt) : undefined,
    finishedAt: t.finishedAt ? timestampFromDate(t.finishedAt) : undefined,
    errors: t.errors,
    progress: t.progress,
    progressMessage: t.progressMessage,
    // Optional in the proto: a task outside groups and chains answers none of them.
    ...(t.groupId !== null && { groupId: t.groupId, groupIndex: t.groupIndex ?? 0 }),
    ...(t.gatherOf !== null && { gatherOf: t.gatherOf }),
    ...(t.chainId !== null && { chainId: t.chainId, chainStep: t.chainStep ?? 0 }),
  };
}

/** Proto enum value of a stored log level. */
export function logLevelToProto(level: LogLevelName): LogLevel {
  return LogLevel[level.toUpperCase() as Uppercase<LogLevelName>];
}

/** A stored log line as a `tstasks.v1.TaskLogLine` init object. */
export function logLineToProto(line: LogLine): MessageInitShape<typeof TaskLogLineSchema> {
  return {
    seq: BigInt(line.seq),
    level: logLevelToProto(line.level),
    message: line.message,
    time: timestampFromDate(line.at),
    attempt: line.attempt,
  };
}

/** One watch event as a `tstasks.v1.WatchTaskResponse` init object. */
export function watchEventToProto(event: WatchEvent): MessageInitShape<typeof WatchTaskResponseSchema> {
  switch (event.kind) {
    case "task":
      return { event: { case: "task", value: taskToProto(event.task) } };
    case "progress":
      return { event: { case: "progress", value: { fraction: event.fraction, message: event.message, attempt: event.attempt } } };
    case "log":
      return { event: { case: "log", value: logLineToProto(event.line) } };
  }
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
    priority: t.priority ?? DEFAULT_PRIORITY,
  };
}
