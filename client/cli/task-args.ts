import { InvalidArgumentError } from "commander";

/**
 * Parses one `--arg KEY=VALUE` into `previous` (commander's option
 * reducer). VALUE is taken as JSON when it is valid JSON (`x=1` → 1,
 * `b=true` → true, `l=[1,2]` → [1,2], `n=null` → null) and as a string
 * otherwise (`s=hello` → "hello"); quote it as JSON to force a string
 * (`s='"1"'` → "1"). The first `=` splits, so VALUE may contain `=`.
 * @throws InvalidArgumentError (a usage error) without `=` or with an empty KEY.
 */
export function collectArg(value: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected KEY=VALUE, e.g. --arg x=1");
  const key = value.slice(0, eq);
  return { ...previous, [key]: jsonOrString(value.slice(eq + 1)) };
}

/**
 * Parses `--json ARGS`: a JSON object (the whole argument object).
 * @throws InvalidArgumentError (a usage error) for invalid JSON or a non-object.
 */
export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object, e.g. --json \'{"x":1,"y":2}\'');
  }
  return parsed as Record<string, unknown>;
}

/** The task's argument object: `--json` first, then each `--arg` on top (an `--arg` wins over the same key in `--json`). */
export function mergeTaskArgs(json: Record<string, unknown> | undefined, args: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...(json ?? {}), ...(args ?? {}) };
}

function jsonOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
