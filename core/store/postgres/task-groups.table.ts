import type { ColumnType, Generated, Selectable } from "kysely";
import type { JsonObject } from "../../task/json.js";
import type { GroupStatus } from "../group-record.js";

/**
 * The `task_groups` table: one row per group (see the create-groups
 * migration, whose trigger keeps `remaining`, `failed`, `status`,
 * `finished_at` and `gather_task_id` right).
 */
export interface TaskGroupsTable {
  id: string;
  /** The members' task type. */
  type: string;
  /** `sub` of the submitting token; NULL for anonymous groups. */
  owner: string | null;
  total: number;
  /** Members not final yet. */
  remaining: number;
  /** Members final but not SUCCESS. */
  failed: Generated<number>;
  /** Set by a cancel while the group ran: it ends REVOKED and gathers nothing. */
  cancelled: Generated<boolean>;
  status: ColumnType<GroupStatus, GroupStatus | undefined, GroupStatus>;
  max_retries: number | null;
  timeout_ms: number | null;
  idempotency_key: string | null;
  gather_type: string | null;
  gather_args: ColumnType<JsonObject | null, string | null, string | null>;
  gather_queue: string | null;
  gather_permission: string | null;
  gather_max_retries: number | null;
  gather_timeout_ms: number | null;
  /** The gather task's priority (see the workflow-priorities migration); null in rows from before: 5. */
  gather_priority: number | null;
  gather_task_id: string | null;
  created_at: Generated<Date>;
  finished_at: Date | null;
}

/** A `task_groups` row as selected. */
export type TaskGroupRow = Selectable<TaskGroupsTable>;
