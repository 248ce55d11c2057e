import { argumentErrors, type SubmitManyResult } from "../index.js";
import { codeName } from "../code-name.js";
import type { TaskLine } from "./task-lines.js";

// Loaded only once tasks are sent (it needs the client's error helpers), so
// that --help and input errors never load the client.

/**
 * The text line for one task of `submit-many`: its id when accepted, else
 * `error <line>: <code>: <message>` with the server's argument problems in
 * parentheses, as `submit` words them.
 */
export function resultLine(input: TaskLine, result: SubmitManyResult): string {
  if (result.ok) return result.task.id;
  const problems = Object.entries(argumentErrors(result.error)).map(([k, v]) => `${k}: ${v}`);
  const details = problems.length > 0 ? ` (${problems.join("; ")})` : "";
  return `error ${input.line}: ${codeName(result.error.code)}: ${result.error.rawMessage}${details}`;
}

/**
 * The JSON for one task of `submit-many --output json`: the task as `submit
 * --output json` prints it, or `{"line","error":{"code","message","errors"}}`
 * (the REST API's error body) for a refused one.
 */
export function resultJson(input: TaskLine, result: SubmitManyResult): unknown {
  if (result.ok) return result.task;
  const { error } = result;
  return { line: input.line, error: { code: codeName(error.code), message: error.rawMessage, errors: argumentErrors(error) } };
}
