import type { Generated, Selectable } from "kysely";
import type { CatchUpPolicy } from "../../schedule/firing-plan.js";
import type { JsonObject } from "../../task/json.js";
import type { JsonbColumn } from "./tasks.table.js";

/** The `schedules` table: one row per schedule (see the create-schedules migration). */
export interface SchedulesTable {
  id: string;
  name: string;
  type: string;
  args: JsonbColumn<JsonObject>;
  cron: string | null;
  time_zone: string;
  interval_ms: number | null;
  catch_up: CatchUpPolicy;
  paused: boolean;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_task_id: string | null;
  owner: string;
  permission: string | null;
  max_retries: number | null;
  timeout_ms: number | null;
  created_at: Generated<Date>;
}

/** A `schedules` row as selected. */
export type ScheduleRow = Selectable<SchedulesTable>;
