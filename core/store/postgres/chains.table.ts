import type { ColumnType, Generated, Selectable } from "kysely";
import type { JsonObject, JsonValue } from "../../task/json.js";
import type { TaskErrorInfo } from "../../task/task-error.js";
import type { ChainStatus } from "../chain-record.js";
import type { JsonbColumn } from "./tasks.table.js";

/** One element of `chains.steps`, as the progress trigger reads it (snake_case keys). */
export interface ChainStepJson {
  type: string;
  queue: string;
  args: JsonObject;
  input_field: string | null;
  permission: string | null;
  max_retries: number | null;
  timeout_ms: number | null;
  /** The step task's priority (absent in rows from before it was kept: 5). */
  priority?: number;
}

/** The `chains` table (see the create-chains migration). */
export interface ChainsTable {
  id: string;
  owner: string | null;
  status: Generated<ChainStatus>;
  current_step: Generated<number>;
  step_count: number;
  steps: JsonbColumn<ChainStepJson[]>;
  idempotency_key: string | null;
  result: ColumnType<JsonValue | null, string | null, string | null>;
  error: ColumnType<TaskErrorInfo | null, string | null, string | null>;
  created_at: Generated<Date>;
  finished_at: Date | null;
}

/** A `chains` row as selected. */
export type ChainRow = Selectable<ChainsTable>;
