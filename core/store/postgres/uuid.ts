/** The hyphenated 8-4-4-4-12 hex form; case does not matter. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `id` can be compared with the `tasks.id` uuid column. Any other
 * text would make Postgres reject the whole statement (22P02), so lookups
 * treat such ids as unknown instead of sending them.
 */
export function isUuid(id: string): boolean {
  return UUID_PATTERN.test(id);
}
