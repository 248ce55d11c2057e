import type { DescService } from "@bufbuild/protobuf";
import { findField } from "../rest/field-path.js";
import type { RestRoute, RouteTable } from "../rest/route-table.js";
import { ERROR_SCHEMA_NAME, errorBodySchema, errorResponses, operationErrorResponses } from "./error-responses.js";
import { toOpenApiPath, type OpenApiPath } from "./openapi-path.js";
import type { OpenApiDocument, OperationObject, PathItemVerb, SchemaObject } from "./openapi-types.js";
import { requestBody } from "./request-body.js";
import { pathParameters, queryParameters } from "./route-parameters.js";
import { createSchemaRegistry, type SchemaRegistry } from "./schema-registry.js";

/** Options of {@link buildOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** `info.title`. Default: the services' proto packages, e.g. "tstasks.v1". */
  title?: string;
  /** `info.version`. Default: the version part of the first service's package (`v1`), else "0". */
  version?: string;
}

const verbs: ReadonlySet<string> = new Set<PathItemVerb>(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * The OpenAPI 3.1 document of the REST API that `createRestHandler` serves
 * for `services`, derived from the same route table (`buildRouteTable`) and
 * descriptors, so it cannot list a path the server does not answer or miss
 * one it does. Pure: the same input gives the same document.
 *
 * Every route, additional bindings included, is one operation of its path:
 * - `operationId` `<Service>_<Method>`, with `_2`, `_3`, … for the further
 *   bindings of a method; `summary` the method name and the service as tag
 *   (the generated descriptors carry no proto comments, so there is nothing
 *   truthful to say beyond names);
 * - path parameters from the template, query parameters from the unbound
 *   request fields (see `queryParameters`), the JSON body per the rule's
 *   `body` (see `requestBody`);
 * - `200` with the output message or its `response_body` field, the error
 *   statuses of `ERROR_STATUSES` and `default`, all with the REST error body.
 *
 * Schemas follow the REST JSON exactly (see `createSchemaRegistry`), one
 * component per message and enum reached. Which methods need a token is not
 * in the proto, so the bearer scheme is declared optional for all:
 * `security: [{}, {bearer: []}]`.
 *
 * Routes a path and verb already documented would shadow (the server tries
 * routes in declaration order) and verbs OpenAPI has no field for (a custom
 * `*`) are left out.
 */
export function buildOpenApiDocument(
  table: RouteTable,
  services: readonly DescService[],
  options: OpenApiDocumentOptions = {},
): OpenApiDocument {
  const registry = createSchemaRegistry();
  const paths: OpenApiDocument["paths"] = {};
  const bindings = new Map<string, number>();
  for (const route of table.routes) {
    const baseId = `${route.service.name}_${route.method.name}`;
    const nth = (bindings.get(baseId) ?? 0) + 1;
    bindings.set(baseId, nth);
    const verb = route.verb.toLowerCase();
    if (!verbs.has(verb)) continue;
    const path = toOpenApiPath(route.template);
    const item = (paths[path.path] ??= {});
    if (item[verb as PathItemVerb] !== undefined) continue;
    item[verb as PathItemVerb] = operation(route, nth === 1 ? baseId : `${baseId}_${nth}`, path, registry);
  }

  const packages = [...new Set(services.map((s) => s.file.proto.package))];
  const version = /\.(v\d+\w*)$/.exec(packages[0] ?? "")?.[1] ?? "0";
  const tagged = new Set(table.routes.map((r) => r.service));
  return {
    openapi: "3.1.0",
    info: { title: options.title ?? packages.join(", "), version: options.version ?? version },
    tags: services.filter((s) => tagged.has(s)).map((s) => ({ name: s.name })),
    security: [{}, { bearer: [] }],
    paths,
    components: {
      // The error body last, after the messages in the order routes reach them.
      schemas: { ...registry.schemas, [ERROR_SCHEMA_NAME]: errorBodySchema() },
      responses: errorResponses(),
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}

function operation(route: RestRoute, operationId: string, path: OpenApiPath, registry: SchemaRegistry): OperationObject {
  const op: OperationObject = {
    operationId,
    summary: route.method.name,
    tags: [route.service.name],
    responses: {},
  };
  const parameters = [...pathParameters(route, path, registry), ...queryParameters(route, registry)];
  if (parameters.length > 0) op.parameters = parameters;
  const body = requestBody(route, registry);
  if (body !== undefined) op.requestBody = body;
  op.responses = {
    "200": { description: "OK", content: { "application/json": { schema: responseSchema(route, registry) } } },
    ...operationErrorResponses(),
  };
  return op;
}

/** What `responseBodyJson` writes: the whole output message, or its `response_body` field. */
function responseSchema(route: RestRoute, registry: SchemaRegistry): SchemaObject {
  const output = route.method.output;
  if (route.responseBody === "") return registry.message(output);
  // The route table checked at start-up that the field exists.
  return registry.field(findField(output, route.responseBody)!);
}
