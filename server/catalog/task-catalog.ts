import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskTypeRecord } from "../../core/store/task-type-record.js";
import { compileArgsValidator, type ArgsValidator } from "./args-validator.js";

/** A catalog entry with its compiled validator. */
export interface CatalogEntry {
  record: TaskTypeRecord;
  validate: ArgsValidator;
}

/** Options of {@link createTaskCatalog}. */
export interface TaskCatalogOptions {
  /** How long a loaded catalog is used before it is read again. Default 2000 ms. */
  maxAgeMs?: number;
}

/**
 * The server's view of the task types workers registered, read from the
 * store and cached so that validating a submission costs no round trip.
 * A type missing from the cache triggers one immediate reload, so a worker
 * that just registered is seen at once.
 */
export interface TaskCatalog {
  /** The entry for `name`, or undefined when no worker registered it. */
  get(name: string): Promise<CatalogEntry | undefined>;
  /** Every entry, ordered by name (always fresh from the store). */
  list(): Promise<TaskTypeRecord[]>;
}

/** Creates a {@link TaskCatalog} reading from `store`. */
export function createTaskCatalog(store: TaskStore, options: TaskCatalogOptions = {}): TaskCatalog {
  const maxAgeMs = options.maxAgeMs ?? 2000;
  const validators = new Map<string, ArgsValidator>(); // by schema JSON
  let entries = new Map<string, CatalogEntry>();
  let loadedAt = 0;
  let loading: Promise<void> | undefined;

  const build = (records: TaskTypeRecord[]): void => {
    const next = new Map<string, CatalogEntry>();
    for (const record of records) {
      const key = JSON.stringify(record.argsSchema);
      let validate = validators.get(key);
      if (!validate) {
        validate = compileArgsValidator(record.argsSchema);
        validators.set(key, validate);
      }
      next.set(record.name, { record, validate });
    }
    entries = next;
    loadedAt = Date.now();
  };

  const reload = (): Promise<void> => {
    loading ??= store
      .listTaskTypes()
      .then(build)
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return {
    async get(name) {
      if (Date.now() - loadedAt > maxAgeMs) await reload();
      let entry = entries.get(name);
      if (!entry && Date.now() - loadedAt > 100) {
        await reload();
        entry = entries.get(name);
      }
      return entry;
    },
    async list() {
      const records = await store.listTaskTypes();
      build(records);
      return records;
    },
  };
}
