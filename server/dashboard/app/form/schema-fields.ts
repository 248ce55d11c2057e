/**
 * Reads a task type's argument JSON Schema (as workers register it: zod's
 * JSON Schema of an object) into the fields of a form. Pure: no DOM, so the
 * Node tests check it directly.
 */

/** How a field is entered and read back. */
export type FieldKind =
  /** A number input that must hold an integer. */
  | "integer"
  /** A number input. */
  | "number"
  /** A text input. */
  | "string"
  /** A checkbox (required) or a default/true/false choice (optional). */
  | "boolean"
  /** A choice among the schema's `enum` (or `const`) values. */
  | "enum"
  /** A list of numbers written with commas: "1, 2.5, 3". */
  | "numbers"
  /** Anything else, written as JSON text. */
  | "json";

/** A JSON value an `enum` can list (objects and arrays are left to the JSON fallback). */
export type EnumValue = string | number | boolean | null;

/** One argument of the form. */
export interface FieldSpec {
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  /** The schema's `default`: the server applies it when the field is left out. */
  default?: unknown;
  /** Kind "enum": the allowed values, in schema order. */
  options?: EnumValue[];
  /** Kind "numbers": every item must be an integer. */
  integerItems?: boolean;
  /** Bounds the form checks before sending (the server checks everything again). */
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  /** The property's own schema (shown as a hint for JSON fields). */
  schema: Record<string, unknown>;
}

/** A whole form: its fields, or `rawArgs` when the schema is no object with properties (one JSON box for all the arguments). */
export interface FormModel {
  fields: FieldSpec[];
  rawArgs: boolean;
}

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEnumValue(v: unknown): v is EnumValue {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

function numberOf(s: Schema, key: string): number | undefined {
  const v = s[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** "integer" or "number" when `s` is a schema of one number type, else undefined. */
function numericType(s: unknown): "integer" | "number" | undefined {
  if (!isSchema(s)) return undefined;
  if (s["type"] === "integer" || s["type"] === "number") return s["type"];
  // anyOf/oneOf of numbers only (e.g. "any number but 0"): a number field, the server checks the rest.
  const branches = s["anyOf"] ?? s["oneOf"];
  if (Array.isArray(branches) && branches.length > 0) {
    const kinds = branches.map(numericType);
    if (kinds.every((k) => k === "integer")) return "integer";
    if (kinds.every((k) => k !== undefined)) return "number";
  }
  return undefined;
}

/** The item schemas of an array schema (its `prefixItems` and `items`), or undefined when it allows any item. */
function itemSchemas(s: Schema): unknown[] | undefined {
  const prefix = Array.isArray(s["prefixItems"]) ? (s["prefixItems"] as unknown[]) : [];
  const items = s["items"];
  if (isSchema(items)) return [...prefix, items];
  // `items: false` closes a tuple; absent items after a prefix allow anything.
  if (items === false && prefix.length > 0) return prefix;
  return undefined;
}

function kindOf(s: Schema): Pick<FieldSpec, "kind" | "options" | "integerItems"> {
  if (Array.isArray(s["enum"]) && s["enum"].length > 0 && s["enum"].every(isEnumValue)) return { kind: "enum", options: s["enum"] };
  if ("const" in s && isEnumValue(s["const"])) return { kind: "enum", options: [s["const"]] };
  const numeric = numericType(s);
  if (numeric) return { kind: numeric };
  if (s["type"] === "string") return { kind: "string" };
  if (s["type"] === "boolean") return { kind: "boolean" };
  if (s["type"] === "array") {
    const items = itemSchemas(s);
    const kinds = items?.map(numericType);
    if (kinds && kinds.every((k) => k !== undefined)) return { kind: "numbers", integerItems: kinds.every((k) => k === "integer") };
  }
  return { kind: "json" };
}

/**
 * The form of an argument schema: one field per property of an object
 * schema, in schema order, `required` from the schema's `required` list.
 * An object schema without properties gives no fields (the task takes
 * `{}`); anything else gives `rawArgs`.
 */
export function formModelOf(schema: unknown): FormModel {
  if (!isSchema(schema) || schema["type"] !== "object") return { fields: [], rawArgs: true };
  const properties = schema["properties"];
  if (properties !== undefined && !isSchema(properties)) return { fields: [], rawArgs: true };
  const required = new Set(Array.isArray(schema["required"]) ? schema["required"].filter((r) => typeof r === "string") : []);
  const fields = Object.entries(properties ?? {}).map(([name, raw]): FieldSpec => {
    const s = isSchema(raw) ? raw : {};
    const field: FieldSpec = { name, required: required.has(name), schema: s, ...kindOf(s) };
    if (typeof s["description"] === "string") field.description = s["description"];
    if ("default" in s) field.default = s["default"];
    for (const key of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems"] as const) {
      const v = numberOf(s, key);
      if (v !== undefined) field[key] = v;
    }
    return field;
  });
  return { fields, rawArgs: false };
}
