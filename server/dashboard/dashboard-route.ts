import { Code, ConnectError } from "@connectrpc/connect";
import type { MaybeHandler } from "../http/task-events-route.js";
import { writeStaticAnswer, type StaticAnswer } from "../openapi/static-answer.js";
import { writeError } from "../rest/error-response.js";
import { HttpError } from "../rest/http-error.js";
import type { ResponseSink } from "../rest/json-response.js";
import { createDashboardFiles } from "./dashboard-files.js";
import { DASHBOARD_CSP, DASHBOARD_PATH, defaultDashboardDir, NOT_BUILT_MESSAGE } from "./dashboard-page.js";

/** Options of {@link createDashboardRoute}. */
export interface DashboardRouteOptions {
  /** The folder of the built dashboard. Default: `dist/dashboard` of this installation (see `npm run build`). */
  dir?: string;
}

/**
 * Serves the web dashboard (a single-page app built by `npm run build` into
 * `dist/dashboard`, see `build-dashboard.ts`):
 * - `GET /ui` and `/ui/`: the page, `no-cache` (revalidated by ETag), with
 *   its own Content-Security-Policy ({@link DASHBOARD_CSP}) instead of the
 *   API's `default-src 'none'`;
 * - `GET /ui/<file>`: the build's scripts and styles, whose names carry a
 *   content hash, cached for a year; 404 (JSON `not_found`) for any other name.
 *
 * HEAD works as GET without the body, `If-None-Match` gets 304, gzip when
 * accepted; other verbs get 405 with `Allow`. Without a build every path
 * answers 503 with the text "dashboard not built: run npm run build". Returns
 * false, touching nothing, for paths outside `/ui`.
 */
export function createDashboardRoute(options: DashboardRouteOptions = {}): MaybeHandler {
  const files = createDashboardFiles(options.dir ?? defaultDashboardDir());
  const prefix = `${DASHBOARD_PATH}/`;

  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const isPage = path === DASHBOARD_PATH || path === prefix;
    if (!isPage && !path.startsWith(prefix)) return false;
    const sink = res as unknown as ResponseSink;
    if (req.method !== "GET" && req.method !== "HEAD") {
      writeError(sink, new HttpError(405, Code.Unimplemented, `method ${req.method ?? ""} not allowed for ${path}`, { allow: "GET, HEAD" }));
      return true;
    }
    const answer = async (): Promise<StaticAnswer | "not built" | "not found"> => {
      const page = await files.index();
      if (page === undefined) return "not built";
      if (isPage) return page;
      return (await files.asset(path.slice(prefix.length))) ?? "not found";
    };
    answer().then(
      (a) => {
        if (a === "not built") return writeNotBuilt(sink);
        if (a === "not found") return writeError(sink, new HttpError(404, Code.NotFound, `no dashboard file ${path}`));
        if (a.contentType.startsWith("text/html")) res.setHeader("content-security-policy", DASHBOARD_CSP);
        writeStaticAnswer(req, res, a);
      },
      () => writeError(sink, new ConnectError(`${path} is unavailable`, Code.Unavailable)),
    );
    return true;
  };
}

/** 503 in plain text: the page is for a person, who should learn what to run. */
function writeNotBuilt(res: ResponseSink): void {
  res.statusCode = 503;
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(NOT_BUILT_MESSAGE);
}
