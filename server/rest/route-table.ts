import { getOption, hasOption, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../../gen/google/api/http_pb.js";
import { findField, resolveFieldPath } from "./field-path.js";
import { compilePathTemplate, matchPathTemplate, type PathMatch, type PathTemplate } from "./path-template.js";

/** One HTTP binding of a unary method: verb + template + body mapping. */
export interface RestRoute {
  readonly service: DescService;
  readonly method: DescMethod;
  /** Upper-case HTTP verb, e.g. "GET". */
  readonly verb: string;
  readonly template: PathTemplate;
  /** "" (no body), "*" (the whole message) or a top-level request field name. */
  readonly body: string;
  /** "" (the whole response) or a top-level response field name. */
  readonly responseBody: string;
}

/** What {@link RouteTable.find} found for a verb and path. */
export type RouteLookup =
  | { readonly kind: "match"; readonly route: RestRoute; readonly variables: PathMatch[] }
  | { readonly kind: "wrong-verb"; readonly allowed: readonly string[] }
  | { readonly kind: "none" };

/** The routes of a set of services, built once; see {@link buildRouteTable}. */
export interface RouteTable {
  readonly routes: readonly RestRoute[];
  /**
   * Finds the route for a verb and a raw path (query string already removed).
   * HEAD matches GET routes. Routes are tried in declaration order, so the
   * first matching binding wins when templates overlap.
   */
  find(verb: string, rawPath: string): RouteLookup;
}

/**
 * Builds the route table from every unary method carrying a `google.api.http`
 * option, including its `additional_bindings`. Streaming methods are skipped.
 * Throws at start-up when a rule is malformed (bad template, body or
 * response_body naming a field that does not exist).
 */
export function buildRouteTable(services: readonly DescService[]): RouteTable {
  const routes: RestRoute[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (method.methodKind !== "unary" || !hasOption(method, http)) continue;
      const rule = getOption(method, http);
      for (const r of [rule, ...rule.additionalBindings]) {
        routes.push(routeFromRule(service, method, r));
      }
    }
  }
  return {
    routes,
    find(verb, rawPath) {
      const wanted = verb === "HEAD" ? "GET" : verb;
      const allowed = new Set<string>();
      for (const route of routes) {
        const variables = matchPathTemplate(route.template, rawPath);
        if (variables === undefined) continue;
        if (route.verb === wanted || route.verb === "*") {
          return { kind: "match", route, variables };
        }
        allowed.add(route.verb);
        if (route.verb === "GET") allowed.add("HEAD");
      }
      return allowed.size > 0 ? { kind: "wrong-verb", allowed: [...allowed] } : { kind: "none" };
    },
  };
}

function routeFromRule(service: DescService, method: DescMethod, rule: HttpRule): RestRoute {
  const where = `${service.typeName}.${method.name}`;
  let verb: string;
  let path: string;
  switch (rule.pattern.case) {
    case "custom":
      verb = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      break;
    case undefined:
      throw new Error(`google.api.http on ${where} has no pattern`);
    default:
      verb = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
  }
  checkTopField(method.input, rule.body, where, "body");
  checkTopField(method.output, rule.responseBody, where, "response_body");
  const template = compilePathTemplate(path);
  for (const v of template.variables) {
    try {
      resolveFieldPath(method.input, v.fieldPath, v.fieldPath.join("."));
    } catch (e) {
      throw new Error(`google.api.http on ${where}: template "${path}": ${(e as Error).message}`);
    }
  }
  return {
    service,
    method,
    verb,
    template,
    body: rule.body,
    responseBody: rule.responseBody,
  };
}

function checkTopField(message: DescMessage, name: string, where: string, option: string): void {
  if (name !== "" && !(option === "body" && name === "*") && findField(message, name) === undefined) {
    throw new Error(`google.api.http on ${where}: ${option} "${name}" is not a field of ${message.typeName}`);
  }
}
