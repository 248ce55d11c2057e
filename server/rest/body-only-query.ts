import { Code, ConnectError } from "@connectrpc/connect";
import type { RestRoute } from "./route-table.js";

/**
 * Refuses any query parameter on a route whose rule says `body: "*"`.
 *
 * google/api/http.proto: "when using `*` in the body mapping, it is not
 * possible to have HTTP parameters, as all fields not bound by the path end
 * in the body". Following that rule is what keeps credentials out of URLs
 * (access logs, proxies, browser history): `POST /token` and `GET /token`
 * are `body: "*"`, so `?user=…&password=…` is refused before the body is
 * parsed, and a password is never taken from a query string. The rule is
 * applied to every `body: "*"` route rather than as a CreateToken special
 * case, so the proto alone decides which methods are body-only.
 *
 * The message names the query keys that are request fields (matched in any
 * case, by proto or JSON name); other keys are not echoed, since a client
 * that wrote `?wonderland` put a value in the key. Throws InvalidArgument.
 */
export function refuseQueryForBodyRoute(route: RestRoute, query: URLSearchParams): void {
  if (route.body !== "*") return;
  const keys = new Set([...query.keys()].filter((k) => k !== "").map((k) => k.toLowerCase()));
  if (keys.size === 0) return;
  const named = route.method.input.fields
    .filter((f) => keys.has(f.name.toLowerCase()) || keys.has(f.jsonName.toLowerCase()))
    .map((f) => `"${f.name}"`);
  const what = named.length === 0 ? "request fields" : `request fields (${named.join(", ")})`;
  throw new ConnectError(
    `${route.verb} ${route.template.source} takes no query parameters: ${what} must be sent in the JSON request body, never in the URL query string`,
    Code.InvalidArgument,
  );
}
