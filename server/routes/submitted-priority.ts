import { DEFAULT_PRIORITY, isPriority, MAX_PRIORITY, MIN_PRIORITY } from "../../core/task/priority.js";
import { RequestInvalidError } from "../errors/domain-errors.js";

/**
 * The priority a submission gets: its own `priority` when 1 to 10, the
 * type's default when 0 (proto3's "not given"), and 5 for a type
 * registered before priorities existed.
 * @throws RequestInvalidError naming `priority` for any other value (→ InvalidArgument, 400).
 */
export function submittedPriority(requested: number, typeDefault: number | undefined): number {
  if (requested === 0) return typeDefault ?? DEFAULT_PRIORITY;
  if (!isPriority(requested)) {
    throw new RequestInvalidError("Input payload validation failed", {
      priority: `must be from ${MIN_PRIORITY} to ${MAX_PRIORITY} (10 runs first), or 0 for the task type's default`,
    });
  }
  return requested;
}
