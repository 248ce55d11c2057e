/**
 * Turns what was typed into a form's fields into task arguments, with the
 * checks a person should hear about before the server does (required,
 * number syntax and bounds, JSON syntax). The server validates the whole
 * object again and may still refuse it (its message is shown then). Pure:
 * no DOM.
 */
import type { FieldSpec, FormModel } from "./schema-fields.js";

/** A field's reading: its value, nothing (an empty optional field: the server's default applies), or a problem. */
export type FieldReading = { value: unknown } | { omit: true } | { error: string };

/** What a field starts with: empty, or false for a required checkbox. Defaults are shown as placeholders instead, and left to the server. */
export function initialText(field: FieldSpec): string {
  return field.kind === "boolean" && field.required ? "false" : "";
}

/** How a field's default reads in its placeholder, e.g. "default: 10"; "" without one. */
export function defaultHint(field: FieldSpec): string {
  if (field.default === undefined) return "";
  return `default: ${field.kind === "numbers" && Array.isArray(field.default) ? field.default.join(", ") : JSON.stringify(field.default)}`;
}

/** The text of an enum option (the form's `<option value>`), read back by {@link readField}. */
export function enumOptionText(value: unknown): string {
  return JSON.stringify(value);
}

function boundsProblem(n: number, f: FieldSpec): string | undefined {
  if (f.minimum !== undefined && n < f.minimum) return `must be at least ${f.minimum}`;
  if (f.maximum !== undefined && n > f.maximum) return `must be at most ${f.maximum}`;
  if (f.exclusiveMinimum !== undefined && n <= f.exclusiveMinimum) return `must be greater than ${f.exclusiveMinimum}`;
  if (f.exclusiveMaximum !== undefined && n >= f.exclusiveMaximum) return `must be less than ${f.exclusiveMaximum}`;
  return undefined;
}

/** A number written in `text`, or a problem: "1e3" and "-2.5" read, "1,5", "0x10" and "" do not. */
function readNumber(text: string, integer: boolean): number | string {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return integer ? "must be an integer" : "must be a number";
  const n = Number(t);
  if (!Number.isFinite(n)) return "must be a finite number";
  if (integer && !Number.isInteger(n)) return "must be an integer";
  return n;
}

/** The value of JSON text; a unique marker (equal to no enum value) for text that is no JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parseJson;
  }
}

/** Reads one field from its text (a checkbox's text is "true" or "false"). */
export function readField(field: FieldSpec, text: string): FieldReading {
  if (text.trim() === "") return field.required ? { error: "is required" } : { omit: true };
  switch (field.kind) {
    case "integer":
    case "number": {
      const n = readNumber(text, field.kind === "integer");
      if (typeof n === "string") return { error: n };
      const problem = boundsProblem(n, field);
      return problem ? { error: problem } : { value: n };
    }
    case "string":
      if (field.minLength !== undefined && text.length < field.minLength) return { error: `must have at least ${field.minLength} characters` };
      if (field.maxLength !== undefined && text.length > field.maxLength) return { error: `must have at most ${field.maxLength} characters` };
      return { value: text };
    case "boolean":
      return text === "true" ? { value: true } : text === "false" ? { value: false } : { error: "must be true or false" };
    case "enum": {
      const value = parseJson(text);
      return field.options?.some((o) => o === value) ? { value } : { error: "must be one of the listed values" };
    }
    case "numbers": {
      const parts = text.trim().replace(/^\[|\]$/g, "").split(/[\s,]+/).filter((p) => p !== "");
      const values: number[] = [];
      for (const [i, part] of parts.entries()) {
        const n = readNumber(part, field.integerItems === true);
        if (typeof n === "string") return { error: `item ${i + 1} ${n}` };
        values.push(n);
      }
      if (field.minItems !== undefined && values.length < field.minItems) return { error: `needs at least ${field.minItems} numbers` };
      if (field.maxItems !== undefined && values.length > field.maxItems) return { error: `takes at most ${field.maxItems} numbers` };
      return { value: values };
    }
    case "json":
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (e) {
        return { error: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
      }
  }
}

/** The arguments of a whole form, or the problems of its fields (by name; "" for the raw-arguments box). */
export type FormReading = { args: Record<string, unknown> } | { errors: Record<string, string> };

/** Reads every field of `model` from `texts` (by field name; "" holds the raw-arguments JSON). */
export function readForm(model: FormModel, texts: Readonly<Record<string, string>>): FormReading {
  if (model.rawArgs) {
    const text = texts[""] ?? "";
    try {
      const args: unknown = JSON.parse(text.trim() === "" ? "{}" : text);
      if (typeof args === "object" && args !== null && !Array.isArray(args)) return { args: args as Record<string, unknown> };
      return { errors: { "": "must be a JSON object" } };
    } catch (e) {
      return { errors: { "": `is not valid JSON (${e instanceof Error ? e.message : String(e)})` } };
    }
  }
  const args: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of model.fields) {
    const reading = readField(field, texts[field.name] ?? initialText(field));
    if ("error" in reading) errors[field.name] = reading.error;
    else if ("value" in reading) args[field.name] = reading.value;
  }
  return Object.keys(errors).length > 0 ? { errors } : { args };
}
