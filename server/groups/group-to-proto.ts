import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { GroupStatus, type GroupMemberSchema, type GroupSchema } from "../../gen/tstasks/v1/group_service_pb.js";
import type { GroupCounts, GroupMemberRecord, GroupRecord } from "../../core/store/group-record.js";
import type { TaskStatus as StatusName } from "../../core/task/task-status.js";
import { statusToProto } from "../routes/task-to-proto.js";

/** A group with what GetGroup and WatchGroup show beside the row: counts and the gather task's status. */
export interface GroupView {
  group: GroupRecord;
  counts: GroupCounts;
  /** The gather task's status; undefined before it exists (or once deleted). */
  gatherStatus?: StatusName;
}

/** Final members / total, 0 to 1. */
export function groupProgress(group: Pick<GroupRecord, "total" | "remaining">): number {
  return group.total === 0 ? 1 : (group.total - group.remaining) / group.total;
}

/** A group view as a `tstasks.v1.Group` init object. */
export function groupToProto(view: GroupView): MessageInitShape<typeof GroupSchema> {
  const { group: g, counts: c } = view;
  return {
    id: g.id,
    type: g.type,
    owner: g.owner ?? "",
    total: g.total,
    counts: { pending: c.PENDING, started: c.STARTED, retry: c.RETRY, success: c.SUCCESS, failure: c.FAILURE, revoked: c.REVOKED },
    progress: groupProgress(g),
    status: GroupStatus[g.status],
    gather: g.gather
      ? { type: g.gather.type, args: g.gather.args, maxRetries: g.gather.maxRetries ?? undefined, timeoutMs: g.gather.timeoutMs ?? 0 }
      : undefined,
    gatherTaskId: g.gatherTaskId ?? "",
    gatherStatus: view.gatherStatus ? statusToProto(view.gatherStatus) : undefined,
    createdAt: timestampFromDate(g.createdAt),
    finishedAt: g.finishedAt ? timestampFromDate(g.finishedAt) : undefined,
    idempotencyKey: g.idempotencyKey ?? "",
  };
}

/** A member as a `tstasks.v1.GroupMember` init object. */
export function groupMemberToProto(m: GroupMemberRecord): MessageInitShape<typeof GroupMemberSchema> {
  return {
    index: m.index,
    taskId: m.taskId,
    status: statusToProto(m.status),
    result: m.status === "SUCCESS" ? fromJson(ValueSchema, m.result) : undefined,
    error: m.error ?? undefined,
  };
}
