import type { JsonObject, JsonValue } from "../task/json.js";
import type { TaskErrorInfo } from "../task/task-error.js";
import type { TaskStatus } from "../task/task-status.js";
import type { NewTask } from "./task-record.js";

/** Where a group is: RUNNING until every member is final. */
export type GroupStatus = "RUNNING" | "SUCCESS" | "FAILURE" | "REVOKED";

/** Most members one group may have. */
export const MAX_GROUP_MEMBERS = 100_000;

/** The task that gathers a group's results, as stored with the group. */
export interface GatherSpec {
  type: string;
  queue: string;
  /** The submitter's args; the worker adds `results` and `errors` at run time (see GroupStore.gatherInput). */
  args: JsonObject;
  /** For a protected gather type: the permission the submitter held (the type name); null otherwise. */
  permission: string | null;
  /** Retries of the gather task; null: its type's default. */
  maxRetries: number | null;
  /** One attempt's time limit in ms; null: its type's default. */
  timeoutMs: number | null;
  /** The gather task's priority, 1 to 10: its type's, taken at submit. */
  priority: number;
}

/** What SubmitGroup stores: the group, its members follow in {@link GroupStore.insertGroup}. */
export interface NewGroup {
  id: string;
  /** The members' task type. */
  type: string;
  owner: string | null;
  /** Per-owner key: a second insert with it stores nothing and answers the first group. */
  idempotencyKey: string | null;
  /** Retries of each member; null: the type's default. */
  maxRetries: number | null;
  /** One attempt's time limit of each member in ms; null: the type's default. */
  timeoutMs: number | null;
  /** The gather task to insert once every member is final; null: none. */
  gather: GatherSpec | null;
}

/**
 * A member to insert: a task (PENDING) whose place in the group is its
 * position in the array given to insertGroup. Members have no run_at,
 * idempotency key or queue deadline of their own.
 */
export type NewGroupMember = Pick<NewTask, "id" | "type" | "queue" | "args" | "owner" | "permission" | "maxRetries" | "timeoutMs">;

/** A group as the store knows it. */
export interface GroupRecord {
  id: string;
  type: string;
  owner: string | null;
  total: number;
  /** Members not final yet (kept by the store on every member's transition). */
  remaining: number;
  /** Members final but not SUCCESS. */
  failed: number;
  /** Set by a cancel while it ran (cleared by a retry). */
  cancelled: boolean;
  status: GroupStatus;
  maxRetries: number | null;
  timeoutMs: number | null;
  idempotencyKey: string | null;
  gather: GatherSpec | null;
  /** The latest gather task, once the group was final with a gather spec. */
  gatherTaskId: string | null;
  createdAt: Date;
  /** When the last member became final; null while RUNNING. */
  finishedAt: Date | null;
}

/** What {@link GroupStore.insertGroup} answers. */
export interface InsertedGroup {
  group: GroupRecord;
  /** True when the idempotency key named an earlier group: nothing was inserted. */
  existing: boolean;
}

/** One member as GetGroup pages them. */
export interface GroupMemberRecord {
  index: number;
  taskId: string;
  status: TaskStatus;
  /** Set when SUCCESS (may itself be JSON null). */
  result: JsonValue | null;
  /** Set when FAILURE (or REVOKED, as the store recorded it). */
  error: TaskErrorInfo | null;
}

/** One failed member in a gather task's input. */
export interface GatherError {
  index: number;
  type: string;
  message: string;
}

/** What a gather task gets besides its own args. */
export interface GatherInput {
  /** Each member's result in index order; null for a member that did not succeed (or is gone). */
  results: JsonValue[];
  /** The members that did not succeed, in index order. */
  errors: GatherError[];
}

/** Members per status. */
export type GroupCounts = Record<TaskStatus, number>;
