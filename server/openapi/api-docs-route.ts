import { Code, ConnectError } from "@connectrpc/connect";
import type { MaybeHandler } from "../http/task-events-route.js";
import { writeError } from "../rest/error-response.js";
import { HttpError } from "../rest/http-error.js";
import type { ResponseSink } from "../rest/json-response.js";
import { createDocsAssetLoader } from "./docs-assets.js";
import { DOCS_CSP, DOCS_HTML, DOCS_INIT_FILE, DOCS_INIT_JS, DOCS_PATH, OPENAPI_PATH } from "./docs-page.js";
import type { OpenApiDocument } from "./openapi-types.js";
import { createStaticAnswer, writeStaticAnswer, type StaticAnswer } from "./static-answer.js";

/** Options of {@link createApiDocsRoute}. */
export interface ApiDocsRouteOptions {
  /** The document to serve (see `buildOpenApiDocument`). */
  document: OpenApiDocument;
}

/**
 * Serves the API's description:
 * - `GET /openapi.json`: the document, `application/json`, cacheable for 5
 *   minutes and revalidated by ETag (it changes only with a new server);
 * - `GET /docs` (or `/docs/`): the Swagger UI page, with a CSP of its own
 *   (`DOCS_CSP`) instead of the API's `default-src 'none'`;
 * - `GET /docs/docs-init.js` and the Swagger UI files of `DOCS_ASSET_TYPES`
 *   under `/docs/`, with their content types.
 *
 * HEAD works as GET without the body; `If-None-Match` gets 304; gzip when
 * accepted. Other verbs on these paths get the REST layer's 405 JSON error
 * with `Allow`. Returns false, touching nothing, for any other path
 * (including unknown files under `/docs/`, which the REST layer then answers
 * 404). The document is serialised once, here, at start-up.
 */
export function createApiDocsRoute(options: ApiDocsRouteOptions): MaybeHandler {
  const loadAsset = createDocsAssetLoader();
  // Prepared now (gzip runs off the main thread) and awaited per request;
  // answers are fixed for the server's life.
  const fixed = new Map<string, Promise<StaticAnswer>>([
    [OPENAPI_PATH, createStaticAnswer(JSON.stringify(options.document), "application/json", "public, max-age=300")],
    [DOCS_PATH, createStaticAnswer(DOCS_HTML, "text/html; charset=utf-8", "no-cache")],
    [`${DOCS_PATH}/${DOCS_INIT_FILE}`, createStaticAnswer(DOCS_INIT_JS, "text/javascript; charset=utf-8", "no-cache")],
  ]);
  fixed.set(`${DOCS_PATH}/`, fixed.get(DOCS_PATH)!);

  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const answer =
      fixed.get(path) ?? (path.startsWith(`${DOCS_PATH}/`) ? loadAsset(path.slice(DOCS_PATH.length + 1)) : undefined);
    if (answer === undefined) return false;
    const sink = res as unknown as ResponseSink;
    if (req.method !== "GET" && req.method !== "HEAD") {
      writeError(sink, new HttpError(405, Code.Unimplemented, `method ${req.method ?? ""} not allowed for ${path}`, { allow: "GET, HEAD" }));
      return true;
    }
    answer.then(
      (a) => {
        if (a.contentType.startsWith("text/html")) res.setHeader("content-security-policy", DOCS_CSP);
        writeStaticAnswer(req, res, a);
      },
      () => writeError(sink, new ConnectError(`${path} is unavailable`, Code.Unavailable)),
    );
    return true;
  };
}
