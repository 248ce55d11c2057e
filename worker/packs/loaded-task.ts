import type { JsonObject, TaskDefinition } from "tstasks/task";

/**
 * One task type found in a taskpack, ready for a worker to register and run.
 */
export interface LoadedTask {
  /** The task type, `<pack>.<module>.<export>`, e.g. "test.main.add". */
  name: string;
  /** Pack name: the folder name, or an npm package's name without its scope. */
  pack: string;
  /** `version` from the pack's package.json. */
  packVersion: string;
  /** The exported definition: args schema, run function, queue, protected flag. */
  definition: TaskDefinition;
  /**
   * JSON Schema (draft 2020-12) of the submitted `args` object, made from
   * `definition.args` for its input side (so fields with defaults are optional).
   * Always has `"type": "object"`.
   */
  argsSchema: JsonObject;
}
