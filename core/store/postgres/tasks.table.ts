import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { JsonObject, JsonValue } from "../../task/json.js";
import type { AttemptError, TaskErrorInfo } from "../../task/task-error.js";
import type { TaskStatus } from "../../task/task-status.js";

/**
 * A jsonb column: read back as parsed JSON, written as JSON text. Writing
 * text (never a JS value) matters because node-postgres would turn a JS
 * array into a Postgres array literal and a JS string into non-JSON text.
 */
export type JsonbColumn<T> = ColumnType<T, string, string>;

/** The `tasks` table: one row per submitted task. Timestamps have millisecond precision, like JS Dates. */
export interface TasksTable {
  id: string;
  type: string;
  queue: string;
  status: TaskStatus;
  args: JsonbColumn<JsonObject>;
  /** SQL NULL: no result; jsonb `null`: the task returned JSON null. */
  result: ColumnType<JsonValue | null, string | null, string | null>;
  error: ColumnType<TaskErrorInfo | null, string | null, string | null>;
  attempts: Generated<number>;
  worker: string | null;
  created_at: Generated<Date>;
  started_at: Date | null;
  finished_at: Date | null;
  /** `sub` of the submitting token; NULL for anonymous tasks. */
  owner: string | null;
  /** The permission the submitter held for a protected type (the type name); NULL otherwise. */
  permission: string | null;
  /** Every failed attempt's error, oldest first. */
  errors: ColumnType<AttemptError[], string | undefined, string>;
  /** Retries allowed for this task; NULL: the task type's default. */
  max_retries: number | null;
  /** Not to run before this time; NULL: at once. */
  run_at: Date | null;
  /** The submitter's idempotency key; unique per owner. */
  idempotency_key: string | null;
  /** One attempt's time limit in ms; NULL: the task type's default. */
  timeout_ms: number | null;
  /** Queue deadline: not started by then → FAILURE Expired. */
  expires_at: Date | null;
  /** Attempts whose worker vanished without recording an outcome. */
  lost_attempts: Generated<number>;
  /** The latest attempt's progress, 0 to 1. */
  progress: Generated<number>;
  progress_message: Generated<string>;
  /** Times a worker without the task type handed it back (see the unserved-handbacks migration). */
  unserved_handbacks: Generated<number>;
  /** When a worker first handed it back for lack of its type; NULL: never. */
  unserved_since: Date | null;
  /** Times it was put back in the queue by a retry (see the requeues migration). */
  requeues: Generated<number>;
  /** The group it is a member of (see the create-groups migration); NULL: none. */
  group_id: string | null;
  /** Its index among that group's members, from 0; NULL when not a member. */
  group_index: number | null;
  /** The group whose results this gather task gathers; NULL: not a gather task. */
  gather_of: string | null;
  /** The chain this task is a step of (see the create-chains migration); NULL: none. */
  chain_id: string | null;
  /** Its step's index in that chain; NULL: none. */
  chain_step: number | null;
  /** 1 to 10, 10 highest (see the add-priority migration). */
  priority: Generated<number>;
}

/** A `tasks` row as selected. */
export type TaskRow = Selectable<TasksTable>;

/** A `tasks` row as inserted. */
export type InsertableTaskRow = Insertable<TasksTable>;

/**
 * Every column a task record is read from, in one list so raw SQL and the
 * query builder select the same thing, and later columns are added here.
 */
export const TASK_COLUMNS = [
  "id",
  "type",
  "queue",
  "status",
  "args",
  "result",
  "error",
  "attempts",
  "worker",
  "created_at",
  "started_at",
  "finished_at",
  "owner",
  "permission",
  "errors",
  "max_retries",
  "run_at",
  "idempotency_key",
  "timeout_ms",
  "expires_at",
  "lost_attempts",
  "progress",
  "progress_message",
  "unserved_handbacks",
  "unserved_since",
  "requeues",
  "group_id",
  "group_index",
  "gather_of",
  "chain_id",
  "chain_step",
  "priority",
] as const satisfies readonly (keyof TasksTable)[];
