/**
 * The part of OpenAPI 3.1 (spec.openapis.org/oas/v3.1.0) this server writes.
 * Declared here instead of taken from a types package: the generator uses a
 * small subset, and these types make the compiler check every object it
 * builds against that subset.
 */

/**
 * A JSON Schema (draft 2020-12, the dialect OpenAPI 3.1 uses), restricted to
 * the keywords the generator emits. `{}` is "any JSON value".
 */
export interface SchemaObject {
  $ref?: string;
  type?: "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";
  format?: string;
  pattern?: string;
  contentEncoding?: string;
  enum?: readonly (string | number | boolean | null)[];
  minimum?: number;
  maximum?: number;
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  propertyNames?: SchemaObject;
  required?: string[];
  anyOf?: SchemaObject[];
  description?: string;
}

/** A path or query parameter. */
export interface ParameterObject {
  name: string;
  in: "path" | "query";
  required?: boolean;
  description?: string;
  schema: SchemaObject;
  /** Query arrays: `?a=1&a=2` (the form style with explode, which is also OpenAPI's default). */
  style?: "form" | "simple";
  explode?: boolean;
}

/** One media type of a request or response body. */
export interface MediaTypeObject {
  schema: SchemaObject;
}

/** A request body. */
export interface RequestBodyObject {
  required?: boolean;
  content: Record<string, MediaTypeObject>;
}

/** A response header. */
export interface HeaderObject {
  description?: string;
  schema: SchemaObject;
}

/** A response, or a reference to one in `components.responses`. */
export type ResponseObject =
  | { description: string; headers?: Record<string, HeaderObject>; content?: Record<string, MediaTypeObject> }
  | { $ref: string };

/** One operation (verb) of a path item. */
export interface OperationObject {
  operationId: string;
  summary?: string;
  tags?: string[];
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
}

/** The HTTP verbs a path item can hold, lower case as OpenAPI spells them. */
export type PathItemVerb = "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace";

/** The operations of one path. */
export type PathItemObject = Partial<Record<PathItemVerb, OperationObject>>;

/** An HTTP authentication scheme (the only kind this API has: bearer tokens). */
export interface SecuritySchemeObject {
  type: "http";
  scheme: string;
  bearerFormat?: string;
}

/** A whole OpenAPI 3.1 document. */
export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string };
  tags?: { name: string }[];
  /** Alternatives: any one entry satisfied is enough; `{}` means "no authentication". */
  security?: Record<string, string[]>[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, SecuritySchemeObject>;
  };
}
