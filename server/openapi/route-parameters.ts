import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { findField, resolveFieldPath } from "../rest/field-path.js";
import type { RestRoute } from "../rest/route-table.js";
import type { OpenApiPath } from "./openapi-path.js";
import type { ParameterObject } from "./openapi-types.js";
import type { SchemaRegistry } from "./schema-registry.js";

/**
 * The path parameters of a route, one per parameter of its OpenAPI path, all
 * required; each typed by the request field the template binds it to (a
 * plain string for a wildcard segment bound to nothing).
 */
export function pathParameters(route: RestRoute, path: OpenApiPath, registry: SchemaRegistry): ParameterObject[] {
  return path.parameters.map((p) => {
    if (p.fieldPath === undefined) return { name: p.name, in: "path", required: true, schema: { type: "string" } };
    // The route table resolved every template variable at start-up, so this cannot throw.
    const chain = resolveFieldPath(route.method.input, p.fieldPath, p.name);
    return { name: p.name, in: "path", required: true, schema: registry.field(chain.at(-1)!) };
  });
}

/**
 * The query parameters a route takes: what `buildRequestJson` reads from the
 * query string, i.e. every request field bound neither by the path nor by
 * the body, none for a `body: "*"` route (which refuses any query, see
 * `refuseQueryForBodyRoute`).
 *
 * Fields of nested messages appear under dotted names (`filter.type`), as
 * the server resolves them; only fields a URL can set are listed: scalars,
 * enums, lists of either, and the well-known types written as one string
 * (Timestamp, Duration, FieldMask, the wrappers), the rule of
 * `parseFieldText`. Maps, Struct, Value and lists of messages are left out.
 *
 * Names are the proto names (`page_size`): the names of every field in this
 * API's JSON, and the ones README shows. The server accepts the lowerCamel
 * JSON name as well; a parameter whose JSON name differs says so in its
 * description, so that neither spelling is a surprise.
 */
export function queryParameters(route: RestRoute, registry: SchemaRegistry): ParameterObject[] {
  if (route.body === "*") return [];
  const input = route.method.input;
  const taken = new Set(route.template.variables.map((v) => protoPath(resolveFieldPath(input, v.fieldPath, v.fieldPath.join(".")))));
  if (route.body !== "") taken.add(findField(input, route.body)!.name);
  const out: ParameterObject[] = [];

  const walk = (message: DescMessage, chain: DescField[], seen: ReadonlySet<string>): void => {
    for (const field of message.fields) {
      const fields = [...chain, field];
      const name = protoPath(fields);
      if (taken.has(name)) continue;
      if (field.fieldKind === "message" && !settableFromText(field.message)) {
        // A plain message: its own fields can be set one by one. A message
        // that contains itself stops at the second visit.
        if (!field.message.typeName.startsWith("google.protobuf.") && !seen.has(field.message.typeName)) {
          walk(field.message, fields, new Set([...seen, field.message.typeName]));
        }
        continue;
      }
      if (field.fieldKind === "map") continue;
      if (field.fieldKind === "list" && field.listKind === "message" && !settableFromText(field.message)) continue;
      const parameter: ParameterObject = { name, in: "query", schema: registry.field(field) };
      const jsonName = fields.map((f) => f.jsonName).join(".");
      if (jsonName !== name) parameter.description = `Also accepted as \`${jsonName}\`.`;
      if (field.fieldKind === "list") {
        // Repeat the name for each element: `?status=A&status=B`.
        parameter.style = "form";
        parameter.explode = true;
      }
      out.push(parameter);
    }
  };
  walk(input, [], new Set([input.typeName]));
  return out;
}

function protoPath(chain: readonly DescField[]): string {
  return chain.map((f) => f.name).join(".");
}

/** True for the well-known types `parseFieldText` takes from one string. */
function settableFromText(message: DescMessage): boolean {
  const name = message.typeName;
  if (name === "google.protobuf.Timestamp" || name === "google.protobuf.Duration" || name === "google.protobuf.FieldMask") {
    return true;
  }
  const inner = message.fields.find((f) => f.name === "value");
  return name.startsWith("google.protobuf.") && name.endsWith("Value") && inner?.fieldKind === "scalar";
}
