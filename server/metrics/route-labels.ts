import type { RestRoute, RouteTable } from "../rest/route-table.js";
import { compilePathTemplate, matchPathTemplate, type PathTemplate } from "../rest/path-template.js";

/**
 * Routes the server answers outside the proto's `google.api.http` rules
 * (as `VERB /template`), labelled by their template like REST routes: the
 * SSE stream, the API docs, the dashboard and the metrics themselves.
 */
export const EXTRA_ROUTES: readonly string[] = [
  "GET /task/{id}/events",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/**",
  "GET /metrics",
  "GET /ui",
  "GET /ui/**",
];

/** The one label of every request that matches no route (unknown paths, wrong verbs). */
export const OTHER_ROUTE = "other";

/**
 * Makes the function that labels a non-Connect request for the request
 * metrics: `VERB /template` of the REST route it matches (`POST /task`,
 * `GET /task/{id}`; HEAD counts as GET), else of the first matching entry of
 * `extras`, else {@link OTHER_ROUTE}. Never the raw path, so the label set
 * stays bounded whatever clients send. The labels are made once per route.
 */
export function createRouteLabeler(table: RouteTable, extras: readonly string[] = EXTRA_ROUTES): (verb: string, url: string) => string {
  const restLabels = new Map<RestRoute, string>(table.routes.map((r) => [r, `${r.verb} ${r.template.source}`]));
  const extraRoutes: { verb: string; template: PathTemplate; label: string }[] = extras.map((label) => {
    const space = label.indexOf(" ");
    return { verb: label.slice(0, space), template: compilePathTemplate(label.slice(space + 1)), label };
  });
  return (verb, url) => {
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const found = table.find(verb, path);
    if (found.kind === "match") return restLabels.get(found.route) ?? OTHER_ROUTE;
    const wanted = verb === "HEAD" ? "GET" : verb;
    for (const extra of extraRoutes) {
      if (extra.verb === wanted && matchPathTemplate(extra.template, path) !== undefined) return extra.label;
    }
    return OTHER_ROUTE;
  };
}
