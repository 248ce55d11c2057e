import type { Generated, Insertable, Selectable } from "kysely";
import type { JsonObject } from "../../task/json.js";
import type { JsonbColumn } from "./tasks.table.js";

/** The `task_types` table: the catalog that workers register on start. */
export interface TaskTypesTable {
  name: string;
  queue: string;
  protected: boolean;
  args_schema: JsonbColumn<JsonObject>;
  description: string;
  pack: string;
  pack_version: string;
  updated_at: Generated<Date>;
  /** The type's default priority, 1 to 10 (see the add-priority migration). */
  priority: Generated<number>;
}

/** A `task_types` row as selected. */
export type TaskTypeRow = Selectable<TaskTypesTable>;

/** A `task_types` row as inserted. */
export type InsertableTaskTypeRow = Insertable<TaskTypesTable>;
