import type { JsonValue } from "../core/task/json.js";
import type { TaskContext } from "../core/task/task-context.js";
import { isNonRetryable, toTaskErrorInfo, type TaskErrorInfo } from "../core/task/task-error.js";
import type { TaskMessage } from "../core/queue/task-message.js";
import type { LoadedTask } from "./packs/loaded-task.js";
import { jsonHasNulChar } from "../core/task/has-nul-char.js";

/**
 * How running one attempt ended. A failure thrown by the task keeps what was
 * thrown (`thrown`), so the worker's log line shows its stack and cause; the
 * stored `error` has only its type and message.
 */
export type RunOutcome = { ok: true; result: JsonValue } | { ok: false; error: TaskErrorInfo; retryable: boolean; thrown?: unknown };

/**
 * Runs one attempt of a task: parses the arguments with the definition's
 * schema (the server validated them already; this guards messages published
 * by other means), calls `run`, and checks that the result is JSON.
 * Never throws: every failure becomes an outcome.
 */
export async function runTask(task: LoadedTask, message: TaskMessage, ctx: TaskContext): Promise<RunOutcome> {
  const parsed = task.definition.args.safeParse(message.args);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "args"}: ${i.message}`).join("; ");
    return { ok: false, retryable: false, error: { type: "InvalidArguments", message: `arguments do not match ${task.name}: ${detail}` } };
  }
  let value: unknown;
  try {
    value = await task.definition.run(parsed.data, ctx);
  } catch (thrown) {
    return { ok: false, retryable: !isNonRetryable(thrown), error: toTaskErrorInfo(thrown), thrown };
  }
  const result = toJsonResult(value);
  if (result === undefined) {
    return {
      ok: false,
      retryable: false,
      error: { type: "ResultNotJson", message: `${task.name} returned a value that is not JSON (e.g. a BigInt, a function, a cycle, or a string with a NUL character)` },
    };
  }
  return { ok: true, result };
}

/** The JSON form of a task's return value (undefined → null), or undefined if it has none. */
function toJsonResult(value: unknown): JsonValue | undefined {
  if (value === undefined) return null;
  try {
    const text = JSON.stringify(value);
    // Postgres jsonb cannot hold U+0000; such a result would poison a whole batch of writes.
    if (text === undefined || jsonHasNulChar(text)) return undefined;
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
