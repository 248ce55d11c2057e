import { toJson } from "@bufbuild/protobuf";
import { timestampDate, ValueSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import { TaskStatus as ProtoStatus, type Task, type TaskError as ProtoTaskError } from "../gen/tstasks/v1/task_pb.js";

/** A task's state, as the REST API spells it (the proto enum without its `TASK_STATUS_` prefix). */
export type TaskStatus = "PENDING" | "STARTED" | "SUCCESS" | "FAILURE" | "RETRY" | "REVOKED";

/** Every {@link TaskStatus}, in lifecycle order. */
export const TASK_STATUSES: readonly TaskStatus[] = ["PENDING", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"];

/** Statuses a task never leaves on its own (RETRY is not final: another attempt follows). */
export const FINAL_STATUSES: readonly TaskStatus[] = ["SUCCESS", "FAILURE", "REVOKED"];

/** True when `status` is SUCCESS, FAILURE or REVOKED. */
export function isFinalStatus(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Why one attempt failed: the error's class name, its message, and the attempt number (from 1). */
export interface TaskError {
  type: string;
  message: string;
  attempt: number;
}

/**
 * A task as a plain object (not the proto message): timestamps are `Date`s,
 * `args` and `result` plain JSON, `status` a {@link TaskStatus} name. Empty
 * strings and 0 stand for "not set" where the proto has no presence
 * (`worker`, `owner`, `idempotencyKey`, `timeoutMs`).
 */
export interface TaskInfo {
  id: string;
  type: string;
  status: TaskStatus;
  args: Record<string, unknown>;
  /** The task's return value; present only when `status` is SUCCESS (and may then be `null`). */
  result?: unknown;
  /** The last attempt's error (FAILURE, RETRY). */
  error?: TaskError;
  /** Every failed attempt's error, oldest first. */
  errors: TaskError[];
  queue: string;
  attempts: number;
  worker: string;
  /** User that submitted it with a token; "" for anonymous tasks. */
  owner: string;
  createdAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  runAt?: Date;
  expiresAt?: Date;
  idempotencyKey: string;
  timeoutMs: number;
  /** Latest reported progress, 0..1 (0 until the task reports any). */
  progress: number;
  progressMessage: string;
  /** 1 to 10, 10 highest: the priority it is queued at. */
  priority: number;
  /** The group it is a member of, and its index there; absent when it is not a member. */
  group?: { id: string; index: number };
  /** The group whose results it gathers (a gather task); absent otherwise. */
  gatherOf?: string;
  /** The chain it is a step of, and the step's index; absent when it is not a step. */
  chain?: { id: string; step: number };
}

/**
 * Proto enum → status name. UNSPECIFIED (which a server never sends for a
 * real task) reads as PENDING rather than widening the type for every caller.
 */
export function statusFromProto(status: ProtoStatus): TaskStatus {
  const name = ProtoStatus[status] as string | undefined;
  return name !== undefined && (TASK_STATUSES as readonly string[]).includes(name) ? (name as TaskStatus) : "PENDING";
}

/** Status name → proto enum (for filters). */
export function statusToProto(status: TaskStatus): ProtoStatus {
  return ProtoStatus[status];
}

/** A proto `Timestamp` as a `Date`; undefined stays undefined. */
export function optionalDate(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

function taskErrorFromProto(e: ProtoTaskError): TaskError {
  return { type: e.type, message: e.message, attempt: e.attempt };
}

/** Converts a `tstasks.v1.Task` message into a {@link TaskInfo}. */
export function taskFromProto(t: Task): TaskInfo {
  const status = statusFromProto(t.status);
  const info: TaskInfo = {
    id: t.id,
    type: t.type,
    status,
    args: { ...(t.args ?? {}) },
    errors: t.errors.map(taskErrorFromProto),
    queue: t.queue,
    attempts: t.attempts,
    worker: t.worker,
    owner: t.owner,
    idempotencyKey: t.idempotencyKey,
    timeoutMs: t.timeoutMs,
    progress: t.progress,
    progressMessage: t.progressMessage,
    priority: t.priority,
  };
  // Group and chain fields are optional in the proto: present only for their tasks.
  if (t.groupId !== undefined) info.group = { id: t.groupId, index: t.groupIndex ?? 0 };
  if (t.gatherOf !== undefined) info.gatherOf = t.gatherOf;
  if (t.chainId !== undefined) info.chain = { id: t.chainId, step: t.chainStep ?? 0 };
  // Unset timestamps are left out rather than present as undefined keys.
  for (const key of ["createdAt", "startedAt", "finishedAt", "runAt", "expiresAt"] as const) {
    const date = optionalDate(t[key]);
    if (date) info[key] = date;
  }
  // A Value message is converted through its JSON form: that is exactly the JSON the task returned.
  if (status === "SUCCESS") info.result = t.result ? toJson(ValueSchema, t.result) : null;
  if (t.error) info.error = taskErrorFromProto(t.error);
  return info;
}
