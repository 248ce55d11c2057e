import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { shortEnumName } from "../rest/enum-names.js";
import type { SchemaObject } from "./openapi-types.js";
import { mapKeySchema, scalarSchema } from "./scalar-schema.js";
import { wellKnownSchema } from "./well-known-schema.js";

/**
 * Collects `components.schemas` while the document is built: one schema per
 * message and per enum reached, named by its full proto type name
 * (`tstasks.v1.Task`), so names never collide across packages.
 */
export interface SchemaRegistry {
  /**
   * The schema for a value of `message`: the inline schema of a well-known
   * type (see `wellKnownSchema`), or a `$ref` to the message's component,
   * registered (with everything it reaches) on first use.
   */
  message(message: DescMessage): SchemaObject;
  /** The schema for the whole value of a field: list → array, map → object, else its element. */
  field(field: DescField): SchemaObject;
  /** The components registered so far, keyed by type name, in the order they were reached. */
  readonly schemas: Record<string, SchemaObject>;
}

/** The `$ref` to a component schema by name. */
export function schemaRef(name: string): SchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * A registry following the proto3 JSON mapping exactly as the REST layer
 * writes it (`restJson`): properties under their proto names (`created_at`,
 * as `useProtoFieldName` writes them; requests accept the JSON names too),
 * enums as their short names (`PENDING`, see `shortEnumName`), scalars as in
 * `scalarSchema`, repeated fields as arrays, maps as objects with
 * `additionalProperties`, every oneof member as one more optional property.
 *
 * No property is `required` and none is nullable: fields with explicit
 * presence (messages, `optional` scalars, oneof members) are absent when
 * unset, never `null`, and one schema serves both requests, where every
 * field may be left out, and responses.
 */
export function createSchemaRegistry(): SchemaRegistry {
  const schemas: Record<string, SchemaObject> = {};

  const enumSchema = (desc: DescEnum): SchemaObject => {
    // NullValue is written as JSON null, not as a name.
    if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
    if (!(desc.typeName in schemas)) {
      // Aliases (allow_alias) share a name's number, not its text; list each name once.
      schemas[desc.typeName] = { type: "string", enum: [...new Set(desc.values.map(shortEnumName))] };
    }
    return schemaRef(desc.typeName);
  };

  const message = (desc: DescMessage): SchemaObject => {
    const known = wellKnownSchema(desc);
    if (known !== undefined) return known;
    if (!(desc.typeName in schemas)) {
      // Registered before its fields are walked, so a message that contains
      // itself (directly or not) ends in a `$ref` instead of recursing forever.
      const schema: SchemaObject = { type: "object", properties: {} };
      schemas[desc.typeName] = schema;
      for (const f of desc.fields) schema.properties![f.name] = field(f);
    }
    return schemaRef(desc.typeName);
  };

  const field = (f: DescField): SchemaObject => {
    switch (f.fieldKind) {
      case "scalar":
        return scalarSchema(f.scalar);
      case "enum":
        return enumSchema(f.enum);
      case "message":
        return message(f.message);
      case "list":
        return {
          type: "array",
          items: f.listKind === "scalar" ? scalarSchema(f.scalar) : f.listKind === "enum" ? enumSchema(f.enum) : message(f.message),
        };
      case "map": {
        const values = f.mapKind === "scalar" ? scalarSchema(f.scalar) : f.mapKind === "enum" ? enumSchema(f.enum) : message(f.message);
        const keys = mapKeySchema(f.mapKey);
        return keys === undefined
          ? { type: "object", additionalProperties: values }
          : { type: "object", propertyNames: keys, additionalProperties: values };
      }
    }
  };

  return { message, field, schemas };
}
