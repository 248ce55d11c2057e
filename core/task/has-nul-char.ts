// A JSON escape \u0000 preceded by an even number of backslashes (an escaped
// backslash followed by "u0000" is ordinary text, not a NUL).
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/**
 * True when JSON text (from JSON.stringify) encodes a U+0000 character.
 * Postgres jsonb cannot store it, so such values are refused up front
 * instead of failing a whole batch of writes.
 */
export function jsonHasNulChar(jsonText: string): boolean {
  return NUL_ESCAPE.test(jsonText);
}
