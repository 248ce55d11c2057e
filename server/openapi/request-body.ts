import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { findField, resolveFieldPath } from "../rest/field-path.js";
import type { RestRoute } from "../rest/route-table.js";
import type { RequestBodyObject, SchemaObject } from "./openapi-types.js";
import type { SchemaRegistry } from "./schema-registry.js";

/**
 * The JSON request body of a route, as `buildRequestJson` reads it:
 *
 * - `body: ""`: none;
 * - `body: "*"`: the request message without the fields the path binds (the
 *   path wins over the body for those, so documenting them in the body would
 *   only mislead); the message's own component when the path binds nothing;
 *   none at all when nothing is left (e.g. `POST /task/{id}/cancel`, where
 *   an empty body and `{}` are the same);
 * - `body: "field"`: that field's value.
 *
 * Never `required`: the server takes an empty body as "no fields set".
 */
export function requestBody(route: RestRoute, registry: SchemaRegistry): RequestBodyObject | undefined {
  if (route.body === "") return undefined;
  const input = route.method.input;
  let schema: SchemaObject;
  if (route.body === "*") {
    const bound = route.template.variables.map((v) => resolveFieldPath(input, v.fieldPath, v.fieldPath.join(".")));
    schema = messageWithout(input, bound, registry);
    if (schema.properties !== undefined && Object.keys(schema.properties).length === 0) return undefined;
  } else {
    // The route table checked at start-up that the body field exists.
    schema = registry.field(findField(input, route.body)!);
  }
  return { required: false, content: { "application/json": { schema } } };
}

/**
 * The schema of `message` without the fields at the end of `chains` (field
 * chains from the message down), inlined only where something is removed.
 */
function messageWithout(message: DescMessage, chains: readonly (readonly DescField[])[], registry: SchemaRegistry): SchemaObject {
  if (chains.length === 0) return registry.message(message);
  const properties: Record<string, SchemaObject> = {};
  for (const field of message.fields) {
    const below = chains.filter((c) => c[0] === field);
    if (below.some((c) => c.length === 1)) continue;
    properties[field.name] =
      below.length > 0 && field.fieldKind === "message"
        ? messageWithout(field.message, below.map((c) => c.slice(1)), registry)
        : registry.field(field);
  }
  return { type: "object", properties };
}
