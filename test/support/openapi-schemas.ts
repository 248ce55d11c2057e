import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

/** Options of {@link openApiSchemaValidator}. */
export interface OpenApiSchemaValidatorOptions {
  /**
   * Closes every message schema (`additionalProperties: false` on objects
   * with `properties` and no `additionalProperties`), so a property the
   * document does not name fails: a check that the names match (`created_at`
   * vs `createdAt`). The document itself leaves them open, as the server
   * ignores unknown request fields. Default true.
   */
  closed?: boolean;
}

const ROOT = "urn:tstasks:openapi";

/**
 * Compiles schemas of an OpenAPI 3.1 document with Ajv (draft 2020-12, the
 * dialect of OpenAPI 3.1) in strict mode, resolving `#/components/schemas/…`
 * references: the components become `$defs` of one added schema, and the
 * references are rewritten to point there. Strict mode also fails on any
 * keyword or format the generator should not have written. Formats are
 * checked where they constrain a string (`date-time`: RFC 3339); the
 * numeric ones (`int32`, …) are annotations, their ranges are in
 * `minimum`/`maximum` and their patterns in `pattern`.
 */
export function openApiSchemaValidator(
  document: { components: { schemas: Record<string, unknown> } },
  options: OpenApiSchemaValidatorOptions = {},
): (schema: unknown) => ValidateFunction {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    formats: {
      "date-time": /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
      int32: true,
      uint32: true,
      int64: true,
      uint64: true,
      float: true,
      double: true,
    },
  });
  const defs = rewrite(document.components.schemas, options.closed ?? true);
  ajv.addSchema({ $id: ROOT, $defs: defs });
  return (schema) => ajv.compile(rewrite(schema, options.closed ?? true) as object);
}

function rewrite(value: unknown, closed: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, closed));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")
        ? `${ROOT}#/$defs/${v.slice("#/components/schemas/".length)}`
        : k === "properties"
          ? Object.fromEntries(Object.entries(v as object).map(([name, s]) => [name, rewrite(s, closed)]))
          : rewrite(v, closed);
  }
  if (closed && "properties" in out && !("additionalProperties" in out)) out["additionalProperties"] = false;
  return out;
}
