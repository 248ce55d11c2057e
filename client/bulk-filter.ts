import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { TaskStatus as ProtoStatus } from "../gen/tstasks/v1/task_pb.js";
import { statusToProto, type TaskStatus } from "./task-info.js";

/**
 * Which tasks `cancelMany` and `retryMany` act on (the filters of `list`),
 * and how many at most. At least one filter must be set, or `all: true`:
 * the server refuses an empty filter (InvalidArgument) so that a forgotten
 * option never acts on every task.
 */
export interface BulkFilter {
  /** Only tasks of this type. */
  type?: string;
  /** Only tasks in this status. */
  status?: TaskStatus;
  /** Only tasks created at or after this time. */
  createdAfter?: Date;
  /** Only tasks created before this time. */
  createdBefore?: Date;
  /** Change at most this many tasks (the newest matching first). Default: all. */
  limit?: number;
  /** Act on every task (the caller's; an admin's: everyone's) when no filter is set. Default false. */
  all?: boolean;
  /** This call's deadline in ms, replacing the client's `timeoutMs` (a bulk action over many tasks can take longer); 0: none. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What `cancelMany` did: tasks that matched, tasks it revoked, and those it left alone (already final). */
export interface CancelManyResult {
  matched: number;
  cancelled: number;
  skipped: number;
}

/** What `retryMany` did: tasks that matched, tasks queued again, and those it left alone (not FAILURE or REVOKED). */
export interface RetryManyResult {
  matched: number;
  retried: number;
  skipped: number;
}

/** The request fields CancelTasks and RetryTasks share, from a {@link BulkFilter}. */
export function bulkRequest(filter: BulkFilter): {
  type: string;
  status: ProtoStatus;
  createdAfter?: Timestamp;
  createdBefore?: Timestamp;
  limit: number;
  all: boolean;
} {
  return {
    type: filter.type ?? "",
    status: filter.status ? statusToProto(filter.status) : ProtoStatus.UNSPECIFIED,
    createdAfter: filter.createdAfter ? timestampFromDate(filter.createdAfter) : undefined,
    createdBefore: filter.createdBefore ? timestampFromDate(filter.createdBefore) : undefined,
    limit: filter.limit ?? 0,
    all: filter.all ?? false,
  };
}
