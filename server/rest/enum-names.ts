import type { DescEnum, DescEnumValue, DescField, DescMessage } from "@bufbuild/protobuf";

/**
 * Short enum names for plain HTTP/JSON: pytasks clients know `PENDING`, not
 * `TASK_STATUS_PENDING`. The prefix is the one protobuf-es already computes
 * for every enum (`DescEnum.sharedPrefix`: the snake_case enum name plus "_",
 * only when every value carries it and no short name would start with a
 * digit), so this works for any enum without a list per type.
 */

/**
 * The value name without the enum's shared prefix, e.g. `PENDING` for
 * `TASK_STATUS_PENDING`; the full name when the enum has no shared prefix.
 */
export function shortEnumName(value: DescEnumValue): string {
  const prefix = value.parent.sharedPrefix;
  return prefix === undefined ? value.name : value.name.slice(prefix.length);
}

/**
 * Finds an enum value by text as people type it: the full proto name, the
 * short name (see {@link shortEnumName}), either case-insensitive, or the
 * number as decimal digits. Undefined when nothing matches.
 */
export function findEnumValue(desc: DescEnum, text: string): DescEnumValue | undefined {
  if (/^-?\d+$/.test(text)) {
    return desc.value[Number(text)];
  }
  const upper = text.toUpperCase();
  return (
    desc.values.find((v) => v.name === text) ??
    desc.values.find((v) => v.name.toUpperCase() === upper) ??
    desc.values.find((v) => shortEnumName(v).toUpperCase() === upper)
  );
}

/**
 * Rewrites, in place, every enum name in proto3 JSON produced by `toJson` for
 * `desc` to its short name, walking nested messages, lists and map values.
 * Keys are looked up by proto name and JSON name, so either `toJson` naming
 * works. Well-known types (google.protobuf.*) are left untouched: their JSON
 * is not field-shaped and NullValue renders as `null` anyway.
 */
export function stripEnumPrefixes(desc: DescMessage, json: unknown): void {
  walkEnums(desc, json, (e, v) => {
    if (typeof v !== "string") return v;
    const found = e.values.find((x) => x.name === v || x.jsonName === v);
    return found === undefined ? v : shortEnumName(found);
  });
}

/**
 * The inverse of {@link stripEnumPrefixes} for request JSON: rewrites, in
 * place, enum strings that are short or differently-cased names into the full
 * proto name `fromJson` expects. Strings that match nothing are left as they
 * are so `fromJson` reports them.
 */
export function expandEnumNames(desc: DescMessage, json: unknown): void {
  walkEnums(desc, json, (e, v) => {
    if (typeof v !== "string") return v;
    return findEnumValue(e, v)?.name ?? v;
  });
}

type EnumRewrite = (desc: DescEnum, value: unknown) => unknown;

function walkEnums(desc: DescMessage, json: unknown, rewrite: EnumRewrite): void {
  if (desc.typeName.startsWith("google.protobuf.") || !isObject(json)) {
    return;
  }
  for (const field of desc.fields) {
    for (const key of fieldKeys(field)) {
      if (!(key in json)) continue;
      json[key] = rewriteField(field, json[key], rewrite);
    }
  }
}

function rewriteField(field: DescField, value: unknown, rewrite: EnumRewrite): unknown {
  switch (field.fieldKind) {
    case "enum":
      return rewrite(field.enum, value);
    case "message":
      walkEnums(field.message, value, rewrite);
      return value;
    case "list":
      if (!Array.isArray(value)) return value;
      if (field.listKind === "enum") return value.map((v) => rewrite(field.enum, v));
      if (field.listKind === "message") value.forEach((v) => walkEnums(field.message, v, rewrite));
      return value;
    case "map":
      if (!isObject(value)) return value;
      for (const k of Object.keys(value)) {
        if (field.mapKind === "enum") value[k] = rewrite(field.enum, value[k]);
        if (field.mapKind === "message") walkEnums(field.message, value[k], rewrite);
      }
      return value;
    default:
      return value;
  }
}

function fieldKeys(field: DescField): string[] {
  return field.jsonName === field.name ? [field.name] : [field.name, field.jsonName];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
