import type { JsonObject } from "../../task/json.js";
import type { TaskMessage } from "../task-message.js";
import { DEFAULT_PRIORITY, isPriority } from "../../task/priority.js";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks that a decoded payload has the shape of a {@link TaskMessage}:
 * non-empty string `id`, `type` and `queue`, and an object `args`.
 * The args' own values are not walked: they came out of JSON.parse, so
 * they are JSON already.
 *
 * @returns the message, or `undefined` when the shape is wrong.
 */
export function asTaskMessage(value: unknown): TaskMessage | undefined {
  if (!isPlainObject(value)) return undefined;
  const { id, type, queue, args, runAt, dedupId, priority } = value;
  if (typeof id !== "string" || id === "") return undefined;
  if (typeof type !== "string" || type === "") return undefined;
  if (typeof queue !== "string" || queue === "") return undefined;
  if (!isPlainObject(args)) return undefined;
  if (runAt !== undefined && (typeof runAt !== "number" || !Number.isFinite(runAt))) return undefined;
  if (dedupId !== undefined && typeof dedupId !== "string") return undefined;
  const message: TaskMessage = { id, type, queue, args: args as JsonObject };
  if (runAt !== undefined) message.runAt = runAt;
  if (dedupId !== undefined) message.dedupId = dedupId;
  // Optional hints of groups and chains (see TaskMessage); a malformed one is dropped, never fatal: the store is the record.
  if (typeof value["groupId"] === "string") message.groupId = value["groupId"];
  if (typeof value["gatherOf"] === "string") message.gatherOf = value["gatherOf"];
  if (typeof value["chainId"] === "string") message.chainId = value["chainId"];
  // A bad or missing priority is not worth losing the task over: 5, the level it would have had.
  if (priority !== undefined && isPriority(priority) && priority !== DEFAULT_PRIORITY) message.priority = priority;
  return message;
}
