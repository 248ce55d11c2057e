import type { JsonObject } from "../../core/task/json.js";
import { compileArgsValidator, type ArgsValidator } from "../catalog/args-validator.js";

/** A validator for a chain step's args without its input field, and whether the schema has that field. */
export interface ExemptValidator {
  validate: ArgsValidator;
  /** False when the schema names no such property (the input field is not an argument of the type). */
  hasField: boolean;
}

/** Compiled validators by schema and field: compiling a schema costs far more than a lookup. */
const cache = new Map<string, ExemptValidator>();
/** Most cached validators; past this the cache starts again (types and fields are few in practice). */
const MAX_CACHED = 1000;

/**
 * Validates args against a copy of the type's JSON Schema without `field`
 * (neither among its properties nor required), so a later chain step's args
 * are checked fully except for the argument the previous step's result
 * fills in at run time. A schema without that property keeps its
 * validation unchanged and reports `hasField: false`.
 */
export function exemptArgsValidator(schema: JsonObject, field: string): ExemptValidator {
  const key = `${field}\u0000${JSON.stringify(schema)}`;
  let found = cache.get(key);
  if (!found) {
    const properties = schema["properties"];
    const hasField = typeof properties === "object" && properties !== null && !Array.isArray(properties) && Object.hasOwn(properties, field);
    const copy: JsonObject = { ...schema };
    if (hasField) {
      const { [field]: _dropped, ...rest } = properties as JsonObject;
      copy["properties"] = rest;
      const required = schema["required"];
      if (Array.isArray(required)) copy["required"] = required.filter((r) => r !== field);
    }
    found = { validate: compileArgsValidator(copy), hasField };
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, found);
  }
  return found;
}
