import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { GroupStatus as ProtoGroupStatus, type Group, type GroupMember } from "../gen/tstasks/v1/group_service_pb.js";
import { TaskStatus as ProtoStatus } from "../gen/tstasks/v1/task_pb.js";
import { optionalDate, statusFromProto, type TaskError, type TaskStatus } from "./task-info.js";

/** Where a group is: RUNNING until every member is final; then SUCCESS (all succeeded), FAILURE, or REVOKED (cancelled). */
export type GroupStatus = "RUNNING" | "SUCCESS" | "FAILURE" | "REVOKED";

/** The task that gathers a group's results once every member is final. */
export interface GatherSpec {
  /** Its task type, e.g. "test.groups.sum". */
  type: string;
  /** Its args; at run time it also gets `results` (in member order, null for a failed one) and `errors`. */
  args?: Record<string, unknown>;
  /** Retries of the gather task (default: its type's). */
  maxRetries?: number;
  /** One attempt's limit in ms (0 or absent: its type's). */
  timeoutMs?: number;
}

/** A group as `groups.submit`, `get` and `watch` answer it. */
export interface GroupInfo {
  id: string;
  /** The members' task type. */
  type: string;
  /** `sub` of the token that submitted it; "" for an anonymous group. */
  owner: string;
  /** Number of members. */
  total: number;
  /** Members per status. */
  counts: Record<TaskStatus, number>;
  /** Final members / total, 0 to 1. */
  progress: number;
  status: GroupStatus;
  gather?: GatherSpec;
  /** The gather task once every member is final (the latest after a retry); "" before. */
  gatherTaskId: string;
  /** Its status, once it exists. */
  gatherStatus?: TaskStatus;
  createdAt?: Date;
  /** When the last member became final. */
  finishedAt?: Date;
  idempotencyKey: string;
}

/** One member of a group, as `groups.get` pages them and `groups.results` yields them. */
export interface GroupMemberInfo {
  /** Its position in the submitted members, from 0. */
  index: number;
  taskId: string;
  status: TaskStatus;
  /** What it returned, when SUCCESS. */
  result?: unknown;
  /** Why it did not succeed, when FAILURE or REVOKED. */
  error?: TaskError;
}

/** Converts a `tstasks.v1.Group` message into a {@link GroupInfo}. */
export function groupFromProto(g: Group): GroupInfo {
  const c = g.counts;
  const info: GroupInfo = {
    id: g.id,
    type: g.type,
    owner: g.owner,
    total: g.total,
    counts: {
      PENDING: c?.pending ?? 0,
      STARTED: c?.started ?? 0,
      RETRY: c?.retry ?? 0,
      SUCCESS: c?.success ?? 0,
      FAILURE: c?.failure ?? 0,
      REVOKED: c?.revoked ?? 0,
    },
    progress: g.progress,
    status: g.status === ProtoGroupStatus.UNSPECIFIED ? "RUNNING" : (ProtoGroupStatus[g.status] as GroupStatus),
    gatherTaskId: g.gatherTaskId,
    idempotencyKey: g.idempotencyKey,
  };
  if (g.gather) {
    info.gather = { type: g.gather.type, args: { ...(g.gather.args ?? {}) }, timeoutMs: g.gather.timeoutMs };
    if (g.gather.maxRetries !== undefined) info.gather.maxRetries = g.gather.maxRetries;
  }
  if (g.gatherStatus !== ProtoStatus.UNSPECIFIED) info.gatherStatus = statusFromProto(g.gatherStatus);
  for (const key of ["createdAt", "finishedAt"] as const) {
    const date = optionalDate(g[key]);
    if (date) info[key] = date;
  }
  return info;
}

/** Converts a `tstasks.v1.GroupMember` message into a {@link GroupMemberInfo}. */
export function groupMemberFromProto(m: GroupMember): GroupMemberInfo {
  const info: GroupMemberInfo = { index: m.index, taskId: m.taskId, status: statusFromProto(m.status) };
  if (info.status === "SUCCESS") info.result = m.result ? toJson(ValueSchema, m.result) : null;
  if (m.error) info.error = { type: m.error.type, message: m.error.message, attempt: m.error.attempt };
  return info;
}
