import { fromJson, type DescField, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { refuseQueryForBodyRoute } from "./body-only-query.js";
import { expandEnumNames } from "./enum-names.js";
import { findField, resolveFieldPath, setJsonField } from "./field-path.js";
import { parseFieldText } from "./field-text.js";
import type { PathMatch } from "./path-template.js";
import type { RestRoute } from "./route-table.js";

/**
 * Builds the proto3 JSON of the request message from the three places REST
 * puts it, later ones winning: the body (`body: "*"` → the whole message,
 * `body: "field"` → that field, empty → nothing), then query parameters
 * (dotted names for nested fields, repeated names for lists, each value
 * coerced by its field's type), then path variables.
 *
 * Enum names in the body may also be short (`SUCCESS`) or any case; they are
 * rewritten to full names. Throws InvalidArgument for any query parameter
 * on a `body: "*"` route (see `refuseQueryForBodyRoute`), a body that is not
 * JSON (or not an object for `body: "*"`), an unknown query parameter, a
 * repeated parameter for a singular field, or text that does not fit a field.
 */
export function buildRequestJson(
  route: RestRoute,
  variables: readonly PathMatch[],
  query: URLSearchParams,
  bodyText: string,
): Record<string, unknown> {
  refuseQueryForBodyRoute(route, query);
  const input = route.method.input;
  let json: Record<string, unknown> = {};
  if (route.body !== "" && bodyText.trim() !== "") {
    const body = parseJson(bodyText);
    if (route.body === "*") {
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw new ConnectError("request body must be a JSON object", Code.InvalidArgument);
      }
      json = body as Record<string, unknown>;
    } else {
      setJsonField(json, [findField(input, route.body)!], body);
    }
    expandEnumNames(input, json);
  }
  for (const name of new Set(query.keys())) {
    if (name === "") continue;
    const chain = resolveFieldPath(input, name.split("."), name);
    const values = query.getAll(name);
    setJsonField(json, chain, textToJson(chain.at(-1)!, values, name));
  }
  for (const v of variables) {
    const label = v.fieldPath.join(".");
    const chain = resolveFieldPath(input, v.fieldPath, label);
    setJsonField(json, chain, textToJson(chain.at(-1)!, [v.value], label));
  }
  return json;
}

/**
 * {@link buildRequestJson}, then `fromJson` (unknown JSON fields ignored, as
 * the Connect side does). A JSON value that does not fit the message throws
 * InvalidArgument with protobuf-es's message, which names the field.
 */
export function buildRequestMessage(
  route: RestRoute,
  variables: readonly PathMatch[],
  query: URLSearchParams,
  bodyText: string,
): Message {
  const json = buildRequestJson(route, variables, query, bodyText);
  try {
    return fromJson(route.method.input, json as JsonValue, { ignoreUnknownFields: true });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // protobuf-es names the field for scalars but not for a mismatched
    // message (e.g. `"args": "str"` for a Struct), so find it ourselves.
    const path = failingFieldPath(route.method.input, json);
    const where = path === undefined ? "" : `invalid value for field "${path}": `;
    throw new ConnectError(`${where}${message}`, Code.InvalidArgument);
  }
}

/**
 * The dotted proto-name path of the first JSON entry `fromJson` rejects,
 * descending into singular non-well-known message fields; undefined when no
 * single entry is to blame.
 */
function failingFieldPath(desc: DescMessage, json: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(json)) {
    const field = findField(desc, key);
    if (field === undefined) continue;
    try {
      fromJson(desc, { [key]: value } as JsonValue, { ignoreUnknownFields: true });
    } catch {
      if (
        field.fieldKind === "message" &&
        !field.message.typeName.startsWith("google.protobuf.") &&
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value)
      ) {
        const inner = failingFieldPath(field.message, value as Record<string, unknown>);
        if (inner !== undefined) return `${field.name}.${inner}`;
      }
      return field.name;
    }
  }
  return undefined;
}

function textToJson(field: DescField, values: readonly string[], label: string): unknown {
  if (field.fieldKind === "list") {
    return values.map((v) => parseFieldText(field, v, label));
  }
  if (values.length > 1) {
    throw new ConnectError(`"${label}" given more than once but is not a list`, Code.InvalidArgument);
  }
  return parseFieldText(field, values[0]!, label);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new ConnectError(`request body is not valid JSON: ${message}`, Code.InvalidArgument);
  }
}
