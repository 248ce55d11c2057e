import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import type { JsonObject } from "../../core/task/json.js";

/** Validates an args object; returns argument → message, empty when valid. */
export type ArgsValidator = (args: JsonObject) => Record<string, string>;

const ajv = new Ajv2020({ allErrors: true, strict: false });

/**
 * Compiles the JSON Schema a worker registered for a task type into a
 * validator whose messages name the argument: `{x: "must be integer"}`,
 * `{y: "is required"}`, `{z: "is not an argument of this task"}`.
 */
export function compileArgsValidator(schema: JsonObject): ArgsValidator {
  const validate: ValidateFunction = ajv.compile(schema);
  return (args) => {
    if (validate(args)) return {};
    return describeErrors(validate.errors ?? []);
  };
}

function describeErrors(errors: ErrorObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const base = e.instancePath.split("/").slice(1).map(decodePointer).join(".");
    let key = base;
    let message = e.message ?? "is invalid";
    if (e.keyword === "required") {
      key = join(base, String(e.params["missingProperty"]));
      message = "is required";
    } else if (e.keyword === "additionalProperties") {
      key = join(base, String(e.params["additionalProperty"]));
      message = "is not an argument of this task";
    }
    key ||= "args";
    // Keep the first message per argument: it is the most specific one.
    out[key] ??= message;
  }
  return out;
}

function join(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

function decodePointer(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}
