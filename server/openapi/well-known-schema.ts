import { ScalarType, type DescMessage } from "@bufbuild/protobuf";
import type { SchemaObject } from "./openapi-types.js";
import { scalarSchema } from "./scalar-schema.js";

// Wrapper messages are written as the value they wrap (proto3 JSON).
const wrappers: Record<string, ScalarType> = {
  "google.protobuf.DoubleValue": ScalarType.DOUBLE,
  "google.protobuf.FloatValue": ScalarType.FLOAT,
  "google.protobuf.Int64Value": ScalarType.INT64,
  "google.protobuf.UInt64Value": ScalarType.UINT64,
  "google.protobuf.Int32Value": ScalarType.INT32,
  "google.protobuf.UInt32Value": ScalarType.UINT32,
  "google.protobuf.BoolValue": ScalarType.BOOL,
  "google.protobuf.StringValue": ScalarType.STRING,
  "google.protobuf.BytesValue": ScalarType.BYTES,
};

/**
 * The inline schema of a well-known type whose proto3 JSON is not an object
 * of its fields, or undefined for any other message (which then gets a
 * component of its own):
 *
 * - Timestamp: an RFC 3339 string (`date-time`), e.g. "2024-05-01T12:00:00.123Z";
 * - Duration: seconds with up to 9 decimals and an "s", e.g. "1.5s";
 * - FieldMask: comma-separated field paths in a string;
 * - Struct: any JSON object; Value: any JSON value; ListValue: any array;
 * - Empty: an object (with no fields);
 * - Any: an object with "@type" and the packed message's fields;
 * - the wrappers (Int32Value, ...): the wrapped scalar.
 *
 * Inline rather than `$ref`: they are JSON's own shapes, so a component per
 * type would only add an indirection for readers.
 */
export function wellKnownSchema(message: DescMessage): SchemaObject | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return { type: "string", format: "date-time" };
    case "google.protobuf.Duration":
      return { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" };
    case "google.protobuf.FieldMask":
      return { type: "string" };
    case "google.protobuf.Struct":
    case "google.protobuf.Empty":
      return { type: "object" };
    case "google.protobuf.Value":
      return {};
    case "google.protobuf.ListValue":
      return { type: "array" };
    case "google.protobuf.Any":
      return { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] };
  }
  const wrapped = wrappers[message.typeName];
  return wrapped === undefined ? undefined : scalarSchema(wrapped);
}
