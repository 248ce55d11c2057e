import { ScalarType } from "@bufbuild/protobuf";
import type { SchemaObject } from "./openapi-types.js";

/**
 * The JSON Schema of a proto scalar as proto3 JSON writes it (what `toJson`
 * and so the REST answers produce):
 *
 * - 64-bit integers are decimal strings (`"seq": "42"`), since JSON numbers
 *   lose precision past 2^53; `format` names the proto type;
 * - 32-bit integers are JSON integers bounded to their range;
 * - float and double are numbers, or the strings "NaN", "Infinity" and
 *   "-Infinity", which `toJson` writes for the values JSON has no number for;
 * - bytes are standard base64 strings;
 * - bool and string are themselves.
 *
 * Requests are more lenient than this (`fromJson` also takes numbers for
 * 64-bit fields, numeric strings for 32-bit ones, URL-safe base64); the
 * schema describes the one form the server writes, which every client can
 * also send.
 */
export function scalarSchema(type: ScalarType): SchemaObject {
  switch (type) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return {
        anyOf: [
          { type: "number", format: type === ScalarType.FLOAT ? "float" : "double" },
          { type: "string", enum: ["NaN", "Infinity", "-Infinity"] },
        ],
      };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", format: "uint64", pattern: "^[0-9]+$" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0, maximum: 4294967295 };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32", minimum: -2147483648, maximum: 2147483647 };
  }
}

/**
 * The schema of a map key as it appears in JSON: always a string (JSON object
 * keys are), constrained to the text of the key type; undefined for string
 * keys, which need no constraint.
 */
export function mapKeySchema(type: ScalarType): SchemaObject | undefined {
  switch (type) {
    case ScalarType.STRING:
      return undefined;
    case ScalarType.BOOL:
      return { enum: ["true", "false"] };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { pattern: "^[0-9]+$" };
    default:
      // The signed integer types; float, double and bytes cannot be map keys.
      return { pattern: "^-?[0-9]+$" };
  }
}
