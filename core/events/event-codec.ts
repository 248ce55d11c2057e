import { isLogLevel } from "../task/log-level.js";
import { TASK_STATUSES, type TaskStatus } from "../task/task-status.js";
import type { TaskEvent } from "./task-event.js";

/** The wire form of an event on NATS: its JSON. */
export function encodeTaskEvent(event: TaskEvent): string {
  return JSON.stringify(event);
}

/**
 * Parses an event received from NATS; undefined for anything malformed
 * (the subject is open to any NATS client, so never trust the payload).
 */
export function decodeTaskEvent(text: string): TaskEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (typeof e["taskId"] !== "string" || typeof e["attempt"] !== "number") return undefined;
  const base = { taskId: e["taskId"], attempt: e["attempt"] };
  switch (e["kind"]) {
    case "status":
      if (!TASK_STATUSES.includes(e["status"] as TaskStatus)) return undefined;
      return { kind: "status", ...base, status: e["status"] as TaskStatus };
    case "progress":
      if (typeof e["fraction"] !== "number" || typeof e["message"] !== "string") return undefined;
      return { kind: "progress", ...base, fraction: e["fraction"], message: e["message"] };
    case "log":
      if (typeof e["seq"] !== "number" || !isLogLevel(e["level"]) || typeof e["message"] !== "string" || typeof e["at"] !== "number") {
        return undefined;
      }
      return { kind: "log", ...base, seq: e["seq"], level: e["level"], message: e["message"], at: e["at"] };
    default:
      return undefined;
  }
}
