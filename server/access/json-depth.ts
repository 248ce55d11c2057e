import type { JsonValue } from "../../core/task/json.js";

/**
 * Nesting depth of a JSON value: 0 for a scalar, 1 for a flat object or
 * array, and so on. Stops counting past `limit` (returns limit + 1), so a
 * hostile, deeply nested value costs no more than the limit to check.
 */
export function jsonDepth(value: JsonValue, limit: number): number {
  let max = 0;
  const stack: [JsonValue, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const d = depth + 1;
    if (d > limit) return limit + 1;
    if (d > max) max = d;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d]);
  }
  return max;
}
