export { buildOpenApiDocument } from "./openapi-document.js";
export type { OpenApiDocumentOptions } from "./openapi-document.js";
export { createApiDocsRoute } from "./api-docs-route.js";
export type { ApiDocsRouteOptions } from "./api-docs-route.js";
export { DOCS_PATH, OPENAPI_PATH } from "./docs-page.js";
export type { OpenApiDocument, SchemaObject } from "./openapi-types.js";
