import type { JsonObject } from "../task/json.js";

/**
 * A task type in the catalog that workers register, so the server validates
 * submissions without importing any task code.
 */
export interface TaskTypeRecord {
  /** `<pack>.<module>.<export>`. */
  name: string;
  queue: string;
  protected: boolean;
  /** JSON Schema (draft 2020-12) of the args object. */
  argsSchema: JsonObject;
  description: string;
  pack: string;
  packVersion: string;
  /** The type's default priority, 1 to 10; omit for 5 (see core/task/priority.ts). */
  priority?: number;
}
