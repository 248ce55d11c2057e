import { ScalarType, type DescEnum, type DescField } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { findEnumValue } from "./enum-names.js";

/**
 * Turns the text of a path variable or query parameter into the JSON value
 * `fromJson` expects for one element of `field` (for a list field: one item).
 *
 * - 32-bit ints and floats become numbers, 64-bit ints stay decimal strings
 *   (proto3 JSON's own form, so no precision is lost);
 * - bools accept `true/false/1/0`, case-insensitive;
 * - enums accept the full name, the short name without the enum prefix
 *   (either case-insensitive) or the number, and become the full name;
 * - Timestamp, Duration and FieldMask take their proto3 JSON string as is;
 *   wrapper types (Int32Value, ...) are coerced by their wrapped type.
 *
 * Anything else (maps, Struct, other messages) cannot come from a string and
 * throws InvalidArgument, as does text that does not fit the type. `label` is
 * how the client named the field, used in messages.
 */
export function parseFieldText(field: DescField, text: string, label: string): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return parseScalar(field.scalar, text, label);
    case "enum":
      return parseEnum(field.enum, text, label);
    case "list":
      if (field.listKind === "scalar") return parseScalar(field.scalar, text, label);
      if (field.listKind === "enum") return parseEnum(field.enum, text, label);
      return parseMessageText(field.message.typeName, field, text, label);
    case "message":
      return parseMessageText(field.message.typeName, field, text, label);
    case "map":
      throw invalid(`field "${label}" is a map and cannot be set from a URL`);
  }
}

const stringWellKnown = new Set([
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
]);

function parseMessageText(typeName: string, field: DescField, text: string, label: string): unknown {
  if (stringWellKnown.has(typeName)) {
    return text;
  }
  const message = field.fieldKind === "message" || field.fieldKind === "list" ? field.message : undefined;
  const inner = message?.fields.find((f) => f.name === "value");
  if (typeName.startsWith("google.protobuf.") && typeName.endsWith("Value") && inner?.fieldKind === "scalar") {
    return parseScalar(inner.scalar, text, label);
  }
  throw invalid(`field "${label}" is a message (${typeName}) and cannot be set from a URL`);
}

function parseEnum(desc: DescEnum, text: string, label: string): string {
  const value = findEnumValue(desc, text);
  if (value === undefined) {
    throw invalid(`invalid value "${text}" for ${label}: not a ${desc.name}`);
  }
  return value.name;
}

function parseScalar(type: ScalarType, text: string, label: string): unknown {
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return text;
    case ScalarType.BOOL: {
      const lower = text.toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      throw invalid(`invalid value "${text}" for ${label}: expected true, false, 1 or 0`);
    }
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const n = Number(text);
      if (text.trim() === "" || Number.isNaN(n)) {
        // "NaN" and "Infinity" are valid proto3 JSON strings; Number() already handles "Infinity".
        if (text === "NaN") return "NaN";
        throw invalid(`invalid value "${text}" for ${label}: expected a number`);
      }
      return n;
    }
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      if (!/^-?\d+$/.test(text)) {
        throw invalid(`invalid value "${text}" for ${label}: expected an integer`);
      }
      return text;
    default:
      // The 32-bit integer types; fromJson checks the range.
      if (!/^-?\d+$/.test(text)) {
        throw invalid(`invalid value "${text}" for ${label}: expected an integer`);
      }
      return Number(text);
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
