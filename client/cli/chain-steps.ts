import { InvalidArgumentError } from "commander";
import type { ChainStepSpec } from "../chains-client.js";
import { collectArg } from "./task-args.js";

/** The value of a `--step` argument that marks the input field: the previous step's result goes there. */
export const PREVIOUS_RESULT = "@prev";

/**
 * Parses one `--step "TYPE KEY=VALUE … FIELD=@prev"` into `previous` (commander's
 * option reducer): the task type, then its arguments as `--arg` takes them
 * (VALUE as JSON when it parses, else a string), and at most one
 * `FIELD=@prev` naming the argument that receives the previous step's
 * result (its input field). Words are separated by spaces; a value with a
 * space needs `--json`.
 * @throws InvalidArgumentError (a usage error) for an empty step, a word without `=`, or two `@prev`.
 */
export function collectStep(value: string, previous: ChainStepSpec[] = []): ChainStepSpec[] {
  const [type, ...words] = value.trim().split(/\s+/).filter((w) => w !== "");
  if (type === undefined || type.includes("=")) throw new InvalidArgumentError(`expected "TYPE KEY=VALUE …", e.g. --step "test.main.add x=${PREVIOUS_RESULT} y=10"`);
  let args: Record<string, unknown> = {};
  let inputField: string | undefined;
  for (const word of words) {
    if (word.endsWith(`=${PREVIOUS_RESULT}`) && word.indexOf("=") === word.length - PREVIOUS_RESULT.length - 1) {
      if (inputField !== undefined) throw new InvalidArgumentError(`only one argument of a step can take the previous result (${PREVIOUS_RESULT})`);
      inputField = word.slice(0, -PREVIOUS_RESULT.length - 1);
      if (inputField === "") throw new InvalidArgumentError(`expected FIELD=${PREVIOUS_RESULT}`);
    } else {
      args = collectArg(word, args);
    }
  }
  const step: ChainStepSpec = { type, args };
  if (inputField !== undefined) step.inputField = inputField;
  return [...previous, step];
}

/**
 * Parses `--json STEPS`: a JSON array of steps as `POST /chains` takes them
 * (`{"type","args","input_field","max_retries","timeout_ms"}`).
 * @throws InvalidArgumentError (a usage error) for invalid JSON, or not an array of objects with a `type`.
 */
export function parseStepsJson(value: string): ChainStepSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.some((s) => s === null || typeof s !== "object" || typeof (s as { type?: unknown }).type !== "string")) {
    throw new InvalidArgumentError('expected a JSON array of steps, e.g. --json \'[{"type":"test.main.add","args":{"x":1,"y":2}},{"type":"test.main.add","args":{"y":10},"input_field":"x"}]\'');
  }
  return parsed.map((s: Record<string, unknown>) => {
    const step: ChainStepSpec = { type: s["type"] as string, args: (s["args"] ?? {}) as Record<string, unknown> };
    const field = s["input_field"] ?? s["inputField"];
    if (typeof field === "string" && field !== "") step.inputField = field;
    const retries = s["max_retries"] ?? s["maxRetries"];
    if (typeof retries === "number") step.maxRetries = retries;
    const timeout = s["timeout_ms"] ?? s["timeoutMs"];
    if (typeof timeout === "number") step.timeoutMs = timeout;
    return step;
  });
}
