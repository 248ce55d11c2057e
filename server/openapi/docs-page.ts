/**
 * The `/docs` page: Swagger UI (from the `swagger-ui-dist` package, served by
 * this server, see `docs-assets.ts`) rendering `/openapi.json`. The machine
 * may have no internet, and a page that loads code from a CDN would also run
 * whatever that CDN serves, so every byte comes from here.
 */

/** Where the page is served. */
export const DOCS_PATH = "/docs";

/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = "/openapi.json";

/** The page's own start script, served as a file: see {@link DOCS_CSP}. */
export const DOCS_INIT_FILE = "docs-init.js";

/**
 * The HTML of the page. Paths are absolute, like every path of this API (the
 * document's paths are too), so `/docs` and `/docs/` both work.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tstasks API</title>
<link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/${DOCS_INIT_FILE}"></script>
</body>
</html>
`;

/**
 * Starts Swagger UI on the document. `validatorUrl: null`: Swagger UI would
 * otherwise send the document to validator.swagger.io for a badge, a request
 * to a third party (and one the page's CSP blocks anyway).
 */
export const DOCS_INIT_JS = `"use strict";
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
`;

/**
 * The Content-Security-Policy of the page alone, replacing the API's
 * `default-src 'none'` on this one HTML answer: scripts, styles, images and
 * fetches from this origin only (fetches: the document and "Try it out"),
 * plus `data:` images, which swagger-ui.css uses for its icons. No inline
 * script and no eval: the start script is a file ({@link DOCS_INIT_FILE}).
 * Every other answer keeps the API's policy.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
