import type { JsonObject } from "../core/task/json.js";
import type { TaskRecord } from "../core/store/task-record.js";
import type { TaskStore } from "../core/store/task-store.js";

/**
 * The args an attempt runs with: the stored args, and for a gather task
 * (`gatherOf` set) also `results` and `errors` of its group, read from the
 * store in one query at run time (see GroupStore.gatherInput), so a large
 * group never travels in a queue message.
 * @throws what the store throws (the caller hands the delivery back).
 */
export async function argsToRun(store: TaskStore, record: TaskRecord): Promise<JsonObject> {
  if (!record.gatherOf) return record.args;
  const input = await store.gatherInput(record.gatherOf);
  return { ...record.args, results: input.results, errors: input.errors as unknown as JsonObject[] };
}
