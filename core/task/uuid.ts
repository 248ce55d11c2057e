/** The hyphenated 8-4-4-4-12 hex form; case does not matter. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `id` has the form of a task id (a UUID). Anything else cannot
 * name a task, and must not reach the store: Postgres would reject the whole
 * statement comparing it with the uuid column (22P02), so lookups treat such
 * ids as unknown instead of sending them.
 */
export function isUuid(id: string): boolean {
  return UUID_PATTERN.test(id);
}
