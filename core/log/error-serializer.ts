import { pino } from "pino";

/** An error's own field larger than this (as JSON) is left out of the line. */
const MAX_FIELD_CHARS = 2000;

/**
 * The `err` serializer of every logger: an Error becomes pino's usual
 * object (type, message and stack with those of its causes, `aggregateErrors`,
 * and the error's own fields such as `code`), except that fields holding
 * anything but plain data, or plain data larger than 2000 characters, are
 * dropped: a pg error carries its whole client (connection settings,
 * prepared statements), which would turn one warning into kilobytes. A value
 * that is not an Error (a task's stored `{ type, message }`, a thrown
 * string) is logged as it is.
 */
export function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
  for (const key of Object.keys(out)) {
    if (key === "aggregateErrors") continue;
    const field = out[key];
    if (field !== null && typeof field === "object" && !isSmallData(field)) delete out[key];
  }
  return out;
}

/** True for a plain object or array whose JSON is short. */
function isSmallData(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return false;
  try {
    return (JSON.stringify(value)?.length ?? 0) <= MAX_FIELD_CHARS;
  } catch {
    return false; // a cycle
  }
}
