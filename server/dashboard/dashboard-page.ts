/**
 * The dashboard's fixed names: where the server serves it, where the build
 * writes it, and the policy its page runs under.
 */
import { join } from "node:path";
import { packageRoot } from "../../core/config/package-root.js";

/** Where the dashboard is served: `/ui` (and `/ui/`) is the page, `/ui/<file>` its assets. */
export const DASHBOARD_PATH = "/ui";

/** The page every route of the single-page app shares (it routes on the URL's hash). */
export const DASHBOARD_INDEX = "index.html";

/**
 * The folder the build writes and the server reads: `dist/dashboard` of the
 * tstasks installation, found from this file whether it runs from source or
 * from dist/.
 */
export function defaultDashboardDir(): string {
  return join(packageRoot(import.meta.dirname), "dist", "dashboard");
}

/**
 * The Content-Security-Policy of the dashboard page, replacing the API's
 * `default-src 'none'` on its HTML answer: its script, its stylesheet and
 * API calls from this origin only; `data:` images for the favicon; no inline
 * script, no eval, no frames, no form posts elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** What a server without the bundle answers (503, plain text) on every dashboard path. */
export const NOT_BUILT_MESSAGE = "dashboard not built: run npm run build\n";
