import type { Generated, Selectable } from "kysely";
import type { LogLevel } from "../../task/log-level.js";

/** The `task_logs` table: lines tasks wrote with `ctx.log`, at most `MAX_LOG_LINES_PER_TASK` per task. */
export interface TaskLogsTable {
  /** bigserial; node-postgres returns int8 as a string. */
  seq: Generated<string>;
  task_id: string;
  attempt: number;
  level: LogLevel;
  message: string;
  at: Date;
}

/** A `task_logs` row as selected. */
export type TaskLogRow = Selectable<TaskLogsTable>;
