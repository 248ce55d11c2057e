import { create, toJson, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { stripEnumPrefixes } from "./enum-names.js";
import { findField } from "./field-path.js";

/**
 * proto3 JSON as REST clients of this API read it: proto field names
 * (`created_at`, not `createdAt`), fields at their zero value included
 * (`"require_authorization": false`, so clients can index keys without
 * guessing defaults; unset message fields stay absent), and enum values
 * without their type prefix (`PENDING`, see `stripEnumPrefixes`).
 * Well-known types keep their normal proto3 JSON (Struct → object,
 * Timestamp → RFC 3339 string).
 */
export function restJson(desc: DescMessage, message: Message): JsonValue {
  const json = toJson(desc, message, { useProtoFieldName: true, alwaysEmitImplicit: true });
  stripEnumPrefixes(desc, json);
  return json;
}

/**
 * The HTTP response body for an output message: the whole message as
 * {@link restJson}, or only its `responseBody` field (a top-level field name
 * from `google.api.http`). An unset message field renders as that message
 * with its zero values, never `null`, so `GET /task/{id}` always yields an
 * object.
 */
export function responseBodyJson(desc: DescMessage, message: Message, responseBody: string): JsonValue {
  const json = restJson(desc, message) as Record<string, JsonValue>;
  if (responseBody === "") {
    return json;
  }
  const field = findField(desc, responseBody);
  if (field === undefined) {
    // The route table checks response_body at start-up; this is unreachable.
    throw new Error(`${desc.typeName} has no field ${responseBody}`);
  }
  const value = json[field.name];
  if (value !== undefined) {
    return value;
  }
  if (field.fieldKind === "message") {
    return restJson(field.message, create(field.message));
  }
  return null;
}
