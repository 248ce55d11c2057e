import type { PathTemplate } from "../rest/path-template.js";

/** One `{name}` of an OpenAPI path and where its value goes. */
export interface OpenApiPathParameter {
  /** The name in the OpenAPI path: the variable's field path as the proto wrote it (`id`, `task.id`). */
  readonly name: string;
  /**
   * The request field path the value is written to, or undefined for a
   * wildcard segment outside any variable (`/v1/*` matches anything there and
   * binds it to nothing).
   */
  readonly fieldPath: readonly string[] | undefined;
}

/** A `google.api.http` template as an OpenAPI path. */
export interface OpenApiPath {
  /** e.g. `/task/{id}/logs`, `/task:batch`, `/v1/{name}:cancel`. */
  readonly path: string;
  /** The path's parameters in order of appearance. */
  readonly parameters: readonly OpenApiPathParameter[];
}

/**
 * Writes a compiled template in OpenAPI's path syntax: `{field.path}` stays,
 * a variable's own pattern (`{name=tasks/*}`) is dropped, since OpenAPI
 * cannot express it (the value then holds "/" that clients must send as
 * they are), and a bare `*` or `**` segment becomes a parameter named
 * `wildcard1`, `wildcard2`, … so that the path is still a valid template.
 * A custom verb (`:batch`) is literal text in both syntaxes.
 */
export function toOpenApiPath(template: PathTemplate): OpenApiPath {
  const parameters: OpenApiPathParameter[] = [];
  let wildcards = 0;
  // Variables first: their patterns may contain "/" and "*", which must not
  // be mistaken for segments below.
  const withVariables = template.source.replace(/\{([^}=]+)(?:=[^}]*)?\}/g, (_, fieldText: string) => `{${fieldText}}`);
  const segments = withVariables.split("/").map((segment) => {
    const colon = segment.indexOf(":");
    const head = colon < 0 ? segment : segment.slice(0, colon);
    const verb = colon < 0 ? "" : segment.slice(colon);
    if (head === "*" || head === "**") {
      const name = `wildcard${++wildcards}`;
      parameters.push({ name, fieldPath: undefined });
      return `{${name}}${verb}`;
    }
    const variable = /^\{(.+)\}$/.exec(head);
    if (variable !== null) parameters.push({ name: variable[1]!, fieldPath: variable[1]!.split(".") });
    return segment;
  });
  return { path: segments.join("/"), parameters };
}
