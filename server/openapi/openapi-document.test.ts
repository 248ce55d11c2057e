import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { LogLevel, TaskStatus, TaskStatusSchema } from "../../gen/tstasks/v1/task_pb.js";
import {
  GetTaskLogsResponseSchema,
  GetTaskResponseSchema,
  GetTaskRequestSchema,
  ListTasksResponseSchema,
  ListTaskTypesResponseSchema,
  SubmitTaskResponseSchema,
  SubmitTasksResponseSchema,
  TaskService,
} from "../../gen/tstasks/v1/task_service_pb.js";
import { ReadyResponseSchema } from "../../gen/tstasks/v1/system_service_pb.js";
import { openApiSchemaValidator } from "../../test/support/openapi-schemas.js";
import { shortEnumName } from "../rest/enum-names.js";
import { compilePathTemplate } from "../rest/path-template.js";
import { responseBodyJson } from "../rest/response-json.js";
import { buildRouteTable, type RestRoute, type RouteTable } from "../rest/route-table.js";
import { ERROR_STATUSES } from "./error-responses.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import { toOpenApiPath } from "./openapi-path.js";
import type { OpenApiDocument, OperationObject, ParameterObject, PathItemVerb, SchemaObject } from "./openapi-types.js";

const services = [TaskService, SystemService, AuthService];
const table = buildRouteTable(services);
const doc = buildOpenApiDocument(table, services, { title: "tstasks" });
const schemas = openApiSchemaValidator(doc);

function op(document: OpenApiDocument, verb: PathItemVerb, path: string): OperationObject {
  const found = document.paths[path]?.[verb];
  assert.ok(found, `${verb} ${path} is documented`);
  return found;
}

function okSchema(operation: OperationObject): SchemaObject {
  const ok = operation.responses["200"];
  assert.ok(ok !== undefined && "content" in ok && ok.content !== undefined);
  return ok.content["application/json"]!.schema;
}

function names(parameters: readonly ParameterObject[] | undefined, where: "path" | "query"): string[] {
  return (parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
}

/** A route the real services do not have, to cover template and body forms the proto does not use. */
function fakeRoute(name: string, verb: string, path: string, input: DescMessage, body: string): RestRoute {
  const method = { ...TaskService.method.getTask, name, input } as DescMethod;
  return { service: TaskService, method, verb, template: compilePathTemplate(path), body, responseBody: "" };
}

function fakeTable(routes: RestRoute[]): RouteTable {
  return { routes, find: () => ({ kind: "none" }) };
}

/** The REST answer of `route` for `init`, rendered by the REST layer itself. */
function restAnswer<T extends DescMessage>(route: RestRoute, desc: T, init: MessageInitShape<T>): unknown {
  assert.equal(route.method.output.typeName, desc.typeName);
  return responseBodyJson(desc, create(desc, init), route.responseBody);
}

function routeOf(verb: string, path: string): RestRoute {
  const found = table.find(verb, path);
  assert.equal(found.kind, "match", `${verb} ${path}`);
  return found.kind === "match" ? found.route : (undefined as never);
}

const t0 = timestampFromDate(new Date("2024-05-01T12:00:00.123Z"));
const fullTask = {
  id: "363f869a-0000-4000-8000-000000000000",
  type: "test.main.add",
  status: TaskStatus.FAILURE,
  args: { x: 1, y: [2, "3", null, { z: true }] },
  result: { kind: { case: "numberValue" as const, value: 3 } },
  error: { type: "Error", message: "boom", attempt: 2 },
  queue: "default",
  attempts: 2,
  worker: "worker-1",
  createdAt: t0,
  startedAt: t0,
  finishedAt: t0,
  owner: "alice",
  errors: [{ type: "Error", message: "boom", attempt: 1 }],
  runAt: t0,
  idempotencyKey: "k",
  timeoutMs: 4294967295,
  expiresAt: t0,
  progress: 0.5,
  progressMessage: "half",
};

describe("buildOpenApiDocument", () => {
  it("has every route of the route table, additional bindings too, under its verb", () => {
    assert.ok(table.routes.length >= 14);
    const ids = new Set<string>();
    for (const route of table.routes) {
      const operation = op(doc, route.verb.toLowerCase() as PathItemVerb, toOpenApiPath(route.template).path);
      assert.match(operation.operationId, new RegExp(`^${route.service.name}_${route.method.name}(_\\d+)?$`));
      assert.equal(operation.summary, route.method.name);
      assert.deepEqual(operation.tags, [route.service.name]);
      assert.ok(!ids.has(operation.operationId), `operationId ${operation.operationId} is unique`);
      ids.add(operation.operationId);
    }
    const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    assert.equal(documented, table.routes.length, "and nothing else");
    // The additional binding of CreateToken.
    assert.equal(op(doc, "post", "/token").operationId, "AuthService_CreateToken");
    assert.equal(op(doc, "get", "/token").operationId, "AuthService_CreateToken_2");
    assert.equal(op(doc, "post", "/task:batch").operationId, "TaskService_SubmitTasks");
    // Streaming WatchTask has no route in the table (its SSE route is served apart).
    assert.equal(doc.paths["/task/{id}/events"], undefined);
  });

  it("has the template's variables as required path parameters, typed by their fields", () => {
    for (const route of table.routes) {
      const path = toOpenApiPath(route.template).path;
      const operation = op(doc, route.verb.toLowerCase() as PathItemVerb, path);
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual(names(operation.parameters, "path"), inPath, path);
      assert.deepEqual(inPath, route.template.variables.map((v) => v.fieldPath.join(".")), path);
      for (const p of operation.parameters ?? []) if (p.in === "path") assert.equal(p.required, true);
    }
    assert.deepEqual(op(doc, "get", "/task/{id}").parameters?.[0], { name: "id", in: "path", required: true, schema: { type: "string" } });
  });

  it("has the unbound request fields as query parameters, under their proto names, and none on body: * routes", () => {
    const list = op(doc, "get", "/task");
    assert.deepEqual(names(list.parameters, "query"), ["type", "status", "page_size", "page_token", "created_after", "created_before"]);
    const pageSize = list.parameters!.find((p) => p.name === "page_size")!;
    assert.equal(pageSize.description, "Also accepted as `pageSize`.");
    assert.equal(pageSize.schema.type, "integer");
    assert.deepEqual(list.parameters!.find((p) => p.name === "status")!.schema, { $ref: "#/components/schemas/tstasks.v1.TaskStatus" });
    assert.deepEqual(names(op(doc, "get", "/task/{id}").parameters, "query"), ["wait"]);
    const logs = op(doc, "get", "/task/{id}/logs");
    assert.deepEqual(names(logs.parameters, "query"), ["after_seq", "page_size"]);
    assert.equal(logs.parameters!.find((p) => p.name === "after_seq")!.schema.type, "string", "int64 as a string");
    for (const [verb, path] of [["post", "/task"], ["post", "/token"], ["get", "/token"], ["post", "/task/{id}/cancel"]] as const) {
      assert.deepEqual(names(op(doc, verb, path).parameters, "query"), [], `${verb} ${path}`);
    }
  });

  it("has request bodies for body routes: the message, without the path's fields", () => {
    const submit = op(doc, "post", "/task").requestBody;
    assert.deepEqual(submit?.content["application/json"]?.schema, { $ref: "#/components/schemas/tstasks.v1.SubmitTaskRequest" });
    assert.equal(submit?.required, false);
    assert.deepEqual(op(doc, "get", "/token").requestBody?.content["application/json"]?.schema, {
      $ref: "#/components/schemas/tstasks.v1.CreateTokenRequest",
    });
    // Cancel and retry: the only field is the path's id, so there is nothing to send.
    assert.equal(op(doc, "post", "/task/{id}/cancel").requestBody, undefined);
    assert.equal(op(doc, "post", "/task/{id}/retry").requestBody, undefined);
    assert.equal(op(doc, "get", "/task/{id}").requestBody, undefined);
  });

  it("has the output message or its response_body field as the 200 schema, and the error statuses", () => {
    assert.deepEqual(okSchema(op(doc, "post", "/task")), { $ref: "#/components/schemas/tstasks.v1.Task" });
    assert.deepEqual(okSchema(op(doc, "get", "/task/{id}")), { $ref: "#/components/schemas/tstasks.v1.Task" });
    assert.deepEqual(okSchema(op(doc, "get", "/task")), { $ref: "#/components/schemas/tstasks.v1.ListTasksResponse" });
    assert.deepEqual(okSchema(op(doc, "get", "/tasks")), {
      type: "object",
      additionalProperties: { $ref: "#/components/schemas/tstasks.v1.TaskType" },
    });
    for (const item of Object.values(doc.paths)) {
      for (const operation of Object.values(item)) {
        assert.deepEqual(Object.keys(operation.responses), ["200", ...ERROR_STATUSES.map(String), "default"]);
      }
    }
    assert.deepEqual(ERROR_STATUSES, [400, 401, 403, 404, 409, 429, 503]);
    assert.deepEqual(doc.components.responses["Conflict"], {
      description: "Conflict: `already_exists`, `failed_precondition`, `aborted`",
      content: { "application/json": { schema: { $ref: "#/components/schemas/RestError" } } },
    });
    assert.ok(schemas({ $ref: "#/components/schemas/RestError" })({ code: "invalid_argument", message: "m", errors: { x: "must be integer" } }));
  });

  it("declares the bearer JWT scheme, optional everywhere", () => {
    assert.deepEqual(doc.security, [{}, { bearer: [] }]);
    assert.deepEqual(doc.components.securitySchemes, { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } });
    assert.deepEqual(doc.info, { title: "tstasks", version: "v1" });
  });

  it("writes enums as the short names REST emits", () => {
    const status = doc.components.schemas["tstasks.v1.TaskStatus"];
    assert.deepEqual(status, { type: "string", enum: ["UNSPECIFIED", "PENDING", "STARTED", "SUCCESS", "FAILURE", "RETRY", "REVOKED"] });
    assert.deepEqual(status?.enum, TaskStatusSchema.values.map(shortEnumName));
    const answer = restAnswer(routeOf("GET", "/task/x"), GetTaskResponseSchema, { task: { status: TaskStatus.SUCCESS } }) as { status: string };
    assert.equal(answer.status, "SUCCESS");
    assert.ok(schemas({ $ref: "#/components/schemas/tstasks.v1.TaskStatus" })(answer.status));
    assert.equal(schemas({ $ref: "#/components/schemas/tstasks.v1.TaskStatus" })("TASK_STATUS_SUCCESS"), false);
  });

  it("writes 64-bit integers as strings, as REST emits them", () => {
    assert.deepEqual(doc.components.schemas["tstasks.v1.TaskLogLine"]?.properties?.["seq"], {
      type: "string",
      format: "int64",
      pattern: "^-?[0-9]+$",
    });
    const answer = restAnswer(routeOf("GET", "/task/x/logs"), GetTaskLogsResponseSchema, {
      lines: [{ seq: 9007199254740993n, level: LogLevel.WARN, message: "m", time: t0, attempt: 1 }],
    }) as { lines: { seq: unknown }[] };
    assert.equal(answer.lines[0]!.seq, "9007199254740993");
    const validate = schemas(okSchema(op(doc, "get", "/task/{id}/logs")));
    assert.ok(validate(answer), JSON.stringify(validate.errors));
    assert.equal(validate({ lines: [{ seq: 1 }] }), false, "a number is not what the schema says");
  });

  it("describes what the REST layer renders for every kind of field (names, Timestamp, Struct, Value, maps, oneofs)", () => {
    const cases: [RestRoute, DescMessage, object][] = [
      [routeOf("GET", "/task/x"), GetTaskResponseSchema, { task: fullTask }],
      [routeOf("GET", "/task/x"), GetTaskResponseSchema, { task: { ...fullTask, progress: Number.NaN } }],
      [routeOf("GET", "/task/x"), GetTaskResponseSchema, {}],
      [routeOf("GET", "/task"), ListTasksResponseSchema, { tasks: [fullTask, {}], nextPageToken: "t" }],
      [
        routeOf("POST", "/task:batch"),
        SubmitTasksResponseSchema,
        {
          results: [
            { outcome: { case: "task", value: fullTask } },
            { outcome: { case: "error", value: { code: "invalid_argument", message: "no", errors: { x: "must be integer" } } } },
            {},
          ],
        },
      ],
      [routeOf("GET", "/ready"), ReadyResponseSchema, { status: "ready", checks: { store: "ok", queue: "ok" } }],
      [
        routeOf("GET", "/tasks"),
        ListTaskTypesResponseSchema,
        { types: { "test.main.add": { name: "test.main.add", requireAuthorization: true, args: { type: "object" }, queue: "default" } } },
      ],
    ];
    for (const [route, desc, init] of cases) {
      const answer = restAnswer(route, desc, init as MessageInitShape<DescMessage>);
      const validate = schemas(okSchema(op(doc, route.verb.toLowerCase() as PathItemVerb, toOpenApiPath(route.template).path)));
      assert.ok(validate(answer), `${route.method.name} ${JSON.stringify(answer)}: ${JSON.stringify(validate.errors)}`);
    }
    const task = schemas({ $ref: "#/components/schemas/tstasks.v1.Task" });
    assert.equal(task({ createdAt: "2024-05-01T12:00:00Z" }), false, "JSON names are not what REST writes");
    assert.equal(task({ created_at: "yesterday" }), false, "timestamps are RFC 3339");
    assert.equal(task({ error: null }), false, "unset fields are absent, never null");
  });

  it("covers the template and body forms the proto does not use: nested variables, wildcards, a body field", () => {
    const fake = buildOpenApiDocument(
      fakeTable([
        fakeRoute("Touch", "POST", "/v1/{task.id}:touch", SubmitTaskResponseSchema, "*"),
        fakeRoute("Find", "GET", "/v1/*/tasks/{task.id=projects/*/tasks/*}", SubmitTaskResponseSchema, ""),
        fakeRoute("Put", "PUT", "/v1/tasks/{task.id}", SubmitTaskResponseSchema, "task"),
        fakeRoute("Drop", "DELETE", "/v1/{id}", GetTaskRequestSchema, "*"),
        fakeRoute("Get", "GET", "/v1/{id}", GetTaskRequestSchema, ""),
        fakeRoute("Get", "GET", "/v1/{id}", GetTaskRequestSchema, ""),
      ]),
      [TaskService],
    );
    assert.deepEqual(fake.info, { title: "tstasks.v1", version: "v1" });
    assert.deepEqual(Object.keys(fake.paths), ["/v1/{task.id}:touch", "/v1/{wildcard1}/tasks/{task.id}", "/v1/tasks/{task.id}", "/v1/{id}"]);

    // body "*" with a nested path field: the body is the message without task.id, inlined.
    const touch = op(fake, "post", "/v1/{task.id}:touch");
    const touchBody = touch.requestBody!.content["application/json"]!.schema;
    const inner = touchBody.properties!["task"]!;
    assert.equal(inner.properties!["id"], undefined);
    assert.deepEqual(inner.properties!["status"], { $ref: "#/components/schemas/tstasks.v1.TaskStatus" });
    assert.ok(inner.properties!["created_at"]);

    // A wildcard segment is a parameter bound to nothing; the variable's own pattern is dropped.
    const get = op(fake, "get", "/v1/{wildcard1}/tasks/{task.id}");
    assert.deepEqual(names(get.parameters, "path"), ["wildcard1", "task.id"]);
    // Query: nested fields under dotted names; Struct, Value, maps and lists of messages cannot come from a URL.
    const query = names(get.parameters, "query");
    assert.ok(query.includes("task.type") && query.includes("task.created_at") && query.includes("task.error.message"), query.join());
    for (const absent of ["task.id", "task.args", "task.result", "task.errors", "task"]) assert.ok(!query.includes(absent), absent);
    assert.equal(get.parameters!.find((p) => p.name === "task.progress_message")!.description, "Also accepted as `task.progressMessage`.");

    // A named body field: that field's type, and it is no query parameter.
    const put = op(fake, "put", "/v1/tasks/{task.id}");
    assert.deepEqual(put.requestBody!.content["application/json"]!.schema, { $ref: "#/components/schemas/tstasks.v1.Task" });
    assert.deepEqual(names(put.parameters, "query"), []);

    // body "*" with a top-level path field: what is left of the message.
    assert.deepEqual(op(fake, "delete", "/v1/{id}").requestBody!.content["application/json"]!.schema, {
      type: "object",
      properties: { wait: { type: "string" } },
    });
    // The second GET /v1/{id} is shadowed by the first (the server tries routes in order): one operation.
    assert.equal(op(fake, "get", "/v1/{id}").operationId, "TaskService_Get");
  });

  it("is pure: the same input gives the same document", () => {
    assert.deepEqual(buildOpenApiDocument(buildRouteTable(services), services, { title: "tstasks" }), doc);
  });
});
