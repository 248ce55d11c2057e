import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { MonitorService } from "../../gen/tstasks/v1/monitor_service_pb.js";
import { ScheduleService } from "../../gen/tstasks/v1/schedule_service_pb.js";
import { GroupService } from "../../gen/tstasks/v1/group_service_pb.js";
import { ChainService } from "../../gen/tstasks/v1/chain_service_pb.js";
import { buildOpenApiDocument, type OpenApiDocument, type SchemaObject } from "../../server/openapi/index.js";
import { buildRouteTable } from "../../server/rest/route-table.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { openApiSchemaValidator } from "../support/openapi-schemas.js";
import { startStack, type Stack } from "../support/stack.js";

// The document does not depend on the backend, so one (the embedded one, which needs no servers) is enough.
describe("GET /openapi.json and /docs on a running server", () => {
  let stack: Stack;
  let url: string;
  let doc: OpenApiDocument;
  let compile: (schema: unknown) => ValidateFunction;

  before(async () => {
    stack = await startStack({ backend: "embedded" });
    url = stack.baseUrl;
    doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument;
    compile = openApiSchemaValidator(doc);
  });
  after(() => stack?.stop());

  /** The validator of `verb path`'s answer for `status` in the served document (closed: unknown names fail). */
  function answerSchema(verb: "get" | "post", path: string, status = "200"): ValidateFunction {
    let response = doc.paths[path]?.[verb]?.responses[status];
    assert.ok(response, `${verb} ${path} ${status} is documented`);
    if ("$ref" in response) response = doc.components.responses[response.$ref.split("/").at(-1)!]!;
    assert.ok("content" in response && response.content);
    return compile(response.content["application/json"]!.schema as SchemaObject);
  }

  function assertValid(validate: ValidateFunction, body: unknown, what: string): void {
    assert.ok(validate(body), `${what}: ${JSON.stringify(body)}\n${JSON.stringify(validate.errors, null, 2)}`);
  }

  it("serves the document: 200 application/json, cacheable, valid OpenAPI 3.1, the one built from the REST services", async () => {
    const res = await fetch(`${url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+/);
    assert.ok(res.headers.get("etag"));
    assert.deepEqual(await res.json(), doc);

    const result = await new Validator().validate(structuredClone(doc) as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const services = [TaskService, SystemService, AuthService, MonitorService, ScheduleService, GroupService, ChainService];
    assert.deepEqual(doc, buildOpenApiDocument(buildRouteTable(services), services, { title: "tstasks" }));
    // GET /schedules pages like GET /task: its page fields are query parameters.
    const listSchedules = doc.paths["/schedules"]?.get?.parameters?.filter((p) => "in" in p && p.in === "query").map((p) => ("name" in p ? p.name : ""));
    assert.deepEqual(listSchedules, ["page_size", "page_token"]);

    const again = await fetch(`${url}/openapi.json`, { headers: { "if-none-match": res.headers.get("etag")! } });
    assert.equal(again.status, 304);
  });

  it("a real POST /task answer and the real GET /task/{id} answers validate against the document's schemas", async () => {
    const submit = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1, y: 2 }, max_retries: 1 } });
    assert.equal(submit.status, 200, submit.text);
    assertValid(answerSchema("post", "/task"), submit.body, "POST /task");
    const done = await waitForFinal(url, submit.body.id);
    assert.equal(done.status, "SUCCESS");
    assertValid(answerSchema("get", "/task/{id}"), done, "GET /task/{id} (SUCCESS)");

    // A failed task: error and errors set.
    const refused = await httpJson(`${url}/task`, { body: { type: "demo.main.refuse", args: { reason: "no" } } });
    const failed = await waitForFinal(url, refused.body.id);
    assert.equal(failed.status, "FAILURE");
    assert.equal(failed.error.message, "no");
    assertValid(answerSchema("get", "/task/{id}"), failed, "GET /task/{id} (FAILURE)");
  });

  it("other real answers validate too: logs (int64 as strings), task types, readiness, errors", async () => {
    const pi = await httpJson(`${url}/task`, { body: { type: "demo.main.pi", args: { samples: 1000, chunks: 2 } } });
    await waitForFinal(url, pi.body.id);
    const logs = await httpJson(`${url}/task/${pi.body.id}/logs`);
    assert.equal(logs.status, 200);
    assert.equal(typeof logs.body.lines[0].seq, "string");
    assertValid(answerSchema("get", "/task/{id}/logs"), logs.body, "GET /task/{id}/logs");

    const types = await httpJson(`${url}/tasks`);
    assertValid(answerSchema("get", "/tasks"), types.body, "GET /tasks");
    const ready = await httpJson(`${url}/ready`);
    assertValid(answerSchema("get", "/ready"), ready.body, "GET /ready");

    const missing = await httpJson(`${url}/task/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    assertValid(answerSchema("get", "/task/{id}", "404"), missing.body, "404");
    const invalid = await httpJson(`${url}/task`, { body: { type: "test.main.add", args: { x: 1.5 } } });
    assert.equal(invalid.status, 400);
    assertValid(answerSchema("post", "/task", "400"), invalid.body, "400 with errors");
  });

  it("serves /docs: HTML under its own CSP whose assets answer 200 with their content types", async () => {
    const page = await fetch(`${url}/docs`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, "no inline script");
    assert.doesNotMatch(html, /https?:\/\//, "nothing from another origin");

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual(assets.sort(), ["/docs/docs-init.js", "/docs/favicon-32x32.png", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]);
    const types: Record<string, string> = {
      js: "text/javascript; charset=utf-8",
      css: "text/css; charset=utf-8",
      png: "image/png",
    };
    for (const asset of assets) {
      const res = await fetch(`${url}${asset}`);
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers.get("content-type"), types[asset.split(".").at(-1)!], asset);
      assert.ok((await res.arrayBuffer()).byteLength > 0, asset);
    }
    const init = await (await fetch(`${url}/docs/docs-init.js`)).text();
    assert.match(init, /url: "\/openapi\.json"/);

    // Only the listed files: nothing else of node_modules, and the API's CSP everywhere else.
    for (const path of ["/docs/index.html", "/docs/package.json", "/docs/../package.json", "/docs/%2e%2e/package.json"]) {
      // node:http sends the path as written (fetch would resolve the dots first).
      const status = await new Promise<number>((resolve, reject) => {
        get({ host: "127.0.0.1", port: stack.port, path }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).once("error", reject);
      });
      assert.equal(status, 404, path);
    }
    const api = await fetch(`${url}/ping`);
    assert.equal(api.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
  });
});
