import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { buildRouteTable } from "../rest/route-table.js";
import { createRouteLabeler, OTHER_ROUTE } from "./route-labels.js";

describe("createRouteLabeler", () => {
  const label = createRouteLabeler(buildRouteTable([TaskService, SystemService, AuthService]));
  const id = "363f869a-1c55-4b9f-9d3e-0c5e4f1d2a77";

  it("labels REST requests by verb and route template, never by the raw path or query", () => {
    assert.equal(label("POST", "/task"), "POST /task");
    assert.equal(label("POST", "/task:batch"), "POST /task:batch");
    assert.equal(label("GET", `/task/${id}`), "GET /task/{id}");
    assert.equal(label("GET", `/task/${id}?wait=30s`), "GET /task/{id}");
    assert.equal(label("GET", `/task/${id}/`), "GET /task/{id}", "a trailing slash is the same route");
    assert.equal(label("POST", `/task/${id}/cancel`), "POST /task/{id}/cancel");
    assert.equal(label("GET", "/ping"), "GET /ping");
    assert.equal(label("HEAD", "/ping"), "GET /ping", "HEAD is counted as the GET route");
  });

  it("labels the routes served beside REST by their template", () => {
    assert.equal(label("GET", `/task/${id}/events`), "GET /task/{id}/events");
    assert.equal(label("GET", "/metrics"), "GET /metrics");
    assert.equal(label("GET", "/openapi.json"), "GET /openapi.json");
    assert.equal(label("GET", "/docs"), "GET /docs");
    assert.equal(label("GET", "/docs/swagger-ui.css"), "GET /docs/**");
    assert.equal(label("GET", "/ui/"), "GET /ui");
    assert.equal(label("GET", "/ui/app-3F2A.js"), "GET /ui/**");
  });

  it("collapses unknown paths and wrong verbs into one label", () => {
    for (const [verb, path] of [
      ["GET", "/nope"],
      ["GET", `/nope/${id}`],
      ["GET", "/tstasks.v1.TaskService/Nope"],
      ["DELETE", "/task"],
      ["POST", "/metrics"],
      ["GET", "/"],
    ] as const) {
      assert.equal(label(verb, path), OTHER_ROUTE, `${verb} ${path}`);
    }
  });
});
