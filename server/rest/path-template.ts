/**
 * `google.api.http` path templates (the grammar in google/api/http.proto):
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     FieldPath = IDENT { "." IDENT } ;
 *     Verb     = ":" LITERAL ;
 *
 * A template is compiled once into an anchored RegExp that runs on the raw
 * (still percent-encoded) path, so an encoded "/" inside a variable never
 * splits a segment; captured values are decoded afterwards.
 */

/** One `{field.path=...}` variable of a template. */
export interface TemplateVariable {
  /** Field path, split on ".", e.g. `["a", "b"]` for `{a.b}`. */
  readonly fieldPath: readonly string[];
  /** True when the variable spans several segments (`**` or more than one segment), e.g. `{name=tasks/*}`. */
  readonly multiSegment: boolean;
}

/** A compiled template; see {@link compilePathTemplate}. */
export interface PathTemplate {
  /** The template text as written in the proto. */
  readonly source: string;
  /** Variables in order of appearance; capture group i+1 of `regexp` belongs to variable i. */
  readonly variables: readonly TemplateVariable[];
  /** Anchored matcher for a path without query string or trailing slash. */
  readonly regexp: RegExp;
}

/** Values captured by {@link matchPathTemplate}: one entry per variable, percent-decoded. */
export interface PathMatch {
  readonly fieldPath: readonly string[];
  readonly value: string;
}

const identPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a template such as `/task/{id}`, `/v1/{name=tasks/*}:cancel` or
 * `/files/{path=**}`. Throws an Error naming the template when it does not
 * follow the grammar (a proto bug, so failing at start-up is right).
 */
export function compilePathTemplate(source: string): PathTemplate {
  if (!source.startsWith("/")) {
    throw new Error(`invalid path template "${source}": must start with "/"`);
  }
  const variables: TemplateVariable[] = [];
  let pattern = "";
  let rest = source.slice(1);
  // The verb is the text after the last ":" that is outside any "{...}".
  let verb = "";
  const lastColon = rest.lastIndexOf(":");
  if (lastColon >= 0 && rest.indexOf("}", lastColon) < 0) {
    verb = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (verb === "" || verb.includes("/")) {
      throw new Error(`invalid path template "${source}": bad verb`);
    }
  }
  for (const segment of splitTopLevel(rest, source)) {
    if (segment.startsWith("{")) {
      if (!segment.endsWith("}")) {
        throw new Error(`invalid path template "${source}": unclosed variable`);
      }
      const inner = segment.slice(1, -1);
      const eq = inner.indexOf("=");
      const fieldText = eq < 0 ? inner : inner.slice(0, eq);
      const fieldPath = fieldText.split(".");
      if (!fieldPath.every((p) => identPattern.test(p))) {
        throw new Error(`invalid path template "${source}": bad field path "${fieldText}"`);
      }
      const subSegments = eq < 0 ? ["*"] : inner.slice(eq + 1).split("/");
      if (subSegments.some((s) => s === "" || s.includes("{"))) {
        throw new Error(`invalid path template "${source}": bad variable "${segment}"`);
      }
      variables.push({
        fieldPath,
        multiSegment: subSegments.length > 1 || subSegments[0] === "**",
      });
      pattern += "/(" + subSegments.map(segmentPattern).join("/") + ")";
    } else {
      pattern += "/" + segmentPattern(segment);
    }
  }
  if (pattern === "") {
    pattern = "/";
  }
  if (verb !== "") {
    pattern += ":" + escapeRegExp(verb);
  }
  return { source, variables, regexp: new RegExp("^" + pattern + "$") };
}

/**
 * Matches a raw request path (no query string) against a template. A trailing
 * "/" is tolerated. Returns the decoded variables, or undefined when the path
 * does not match or a variable holds a malformed percent-escape.
 */
export function matchPathTemplate(template: PathTemplate, rawPath: string): PathMatch[] | undefined {
  const path = rawPath.length > 1 && rawPath.endsWith("/") ? rawPath.slice(0, -1) : rawPath;
  const m = template.regexp.exec(path);
  if (m === null) {
    return undefined;
  }
  const out: PathMatch[] = [];
  for (let i = 0; i < template.variables.length; i++) {
    const v = template.variables[i]!;
    const raw = m[i + 1] ?? "";
    try {
      // Decode per segment so "/" separators stay literal and "%2F" becomes "/".
      out.push({ fieldPath: v.fieldPath, value: raw.split("/").map(decodeURIComponent).join("/") });
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Splits on "/" that are not inside "{...}". */
function splitTopLevel(text: string, source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (depth < 0 || depth > 1) {
      throw new Error(`invalid path template "${source}": unbalanced braces`);
    }
    if (ch === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (depth !== 0) {
    throw new Error(`invalid path template "${source}": unbalanced braces`);
  }
  parts.push(current);
  if (parts.some((p) => p === "") && !(parts.length === 1 && text === "")) {
    throw new Error(`invalid path template "${source}": empty segment`);
  }
  return parts.length === 1 && parts[0] === "" ? [] : parts;
}

function segmentPattern(segment: string): string {
  if (segment === "*") return "[^/]+";
  // "**" matches one or more segments (zero would leave a dangling "/").
  if (segment === "**") return "[^/]+(?:/[^/]+)*";
  return escapeRegExp(segment);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
