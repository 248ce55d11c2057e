/**
 * A cache of per-task-type values (typically a group of prom-client label
 * children, see `labels(...)`), so the hot paths look a type's series up in a
 * Map instead of building label objects and hashing them per task. A task type
 * belongs to one queue; if a type is seen with another queue (its definition
 * moved it), the entry is made afresh for the new pair.
 */
export class PerTaskType<T> {
  readonly #make: (type: string, queue: string) => T;
  readonly #byType = new Map<string, { queue: string; value: T }>();

  /** @param make builds the value of a (type, queue) pair the first time it is asked for. */
  constructor(make: (type: string, queue: string) => T) {
    this.#make = make;
  }

  /** The value of this type and queue, made on first use. */
  get(type: string, queue: string): T {
    const entry = this.#byType.get(type);
    if (entry !== undefined && entry.queue === queue) return entry.value;
    const value = this.#make(type, queue);
    this.#byType.set(type, { queue, value });
    return value;
  }
}
