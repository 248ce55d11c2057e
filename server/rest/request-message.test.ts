import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ScalarType, type DescField } from "@bufbuild/protobuf";
import { ConnectError, Code } from "@connectrpc/connect";
import { StructSchema } from "@bufbuild/protobuf/wkt";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { TaskStatus } from "../../gen/tstasks/v1/task_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import {
  ListTasksRequestSchema,
  TaskService,
  type ListTasksRequest,
  type SubmitTaskRequest,
} from "../../gen/tstasks/v1/task_service_pb.js";
import { parseFieldText } from "./field-text.js";
import { buildRequestMessage } from "./request-message.js";
import { buildRouteTable, type RestRoute } from "./route-table.js";

const table = buildRouteTable([TaskService, SystemService, AuthService]);

function route(verb: string, path: string): RestRoute {
  const found = table.find(verb, path);
  assert.equal(found.kind, "match");
  return found.kind === "match" ? found.route : (undefined as never);
}

function field(name: string): DescField {
  return ListTasksRequestSchema.fields.find((f) => f.name === name)!;
}

function invalid(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument && message.test(e.rawMessage));
}

describe("field text coercion", () => {
  it("coerces ints, enums and strings by field type", () => {
    assert.equal(parseFieldText(field("page_size"), "25", "page_size"), 25);
    assert.equal(parseFieldText(field("status"), "success", "status"), "TASK_STATUS_SUCCESS");
    assert.equal(parseFieldText(field("status"), "TASK_STATUS_FAILURE", "status"), "TASK_STATUS_FAILURE");
    assert.equal(parseFieldText(field("type"), "12", "type"), "12");
    invalid(() => parseFieldText(field("page_size"), "2.5", "page_size"), /expected an integer/);
    invalid(() => parseFieldText(field("status"), "DONE", "status"), /not a TaskStatus/);
  });

  it("coerces bools and floats", () => {
    const bool = { fieldKind: "scalar", scalar: ScalarType.BOOL } as DescField;
    const dbl = { fieldKind: "scalar", scalar: ScalarType.DOUBLE } as DescField;
    const i64 = { fieldKind: "scalar", scalar: ScalarType.INT64 } as DescField;
    assert.equal(parseFieldText(bool, "TRUE", "b"), true);
    assert.equal(parseFieldText(bool, "0", "b"), false);
    invalid(() => parseFieldText(bool, "yes", "b"), /true, false, 1 or 0/);
    assert.equal(parseFieldText(dbl, "1.5", "d"), 1.5);
    invalid(() => parseFieldText(dbl, "x", "d"), /expected a number/);
    assert.equal(parseFieldText(i64, "9007199254740993", "i"), "9007199254740993");
  });

  it("refuses messages that have no string form", () => {
    const struct = { fieldKind: "message", message: StructSchema } as unknown as DescField;
    invalid(() => parseFieldText(struct, "{}", "args"), /cannot be set from a URL/);
  });
});

describe("request message", () => {
  it("fills fields from the query string", () => {
    const msg = buildRequestMessage(
      route("GET", "/task"),
      [],
      new URLSearchParams("status=SUCCESS&page_size=2&type=test.main.add"),
      "",
    ) as ListTasksRequest;
    assert.equal(msg.status, TaskStatus.SUCCESS);
    assert.equal(msg.pageSize, 2);
    assert.equal(msg.type, "test.main.add");
  });

  it("accepts JSON names in the query too", () => {
    const msg = buildRequestMessage(route("GET", "/task"), [], new URLSearchParams("pageSize=3"), "") as ListTasksRequest;
    assert.equal(msg.pageSize, 3);
  });

  it("rejects unknown and repeated singular query parameters", () => {
    invalid(() => buildRequestMessage(route("GET", "/task"), [], new URLSearchParams("colour=red"), ""), /unknown field "colour"/);
    invalid(
      () => buildRequestMessage(route("GET", "/task"), [], new URLSearchParams("type=a&type=b"), ""),
      /more than once/,
    );
  });

  it("takes the whole body for body \"*\" and an empty body as {}", () => {
    const r = route("POST", "/task");
    const msg = buildRequestMessage(r, [], new URLSearchParams(), '{"type":"t.m.f","args":{"a":1}}') as SubmitTaskRequest;
    assert.equal(msg.type, "t.m.f");
    assert.deepEqual(msg.args, { a: 1 });
    const empty = buildRequestMessage(r, [], new URLSearchParams(), "") as SubmitTaskRequest;
    assert.equal(empty.type, "");
  });

  it("refuses any query parameter on a body \"*\" route, naming fields but never echoing values", () => {
    const body = '{"user":"alice","password":"wonderland"}';
    for (const verb of ["GET", "POST"]) {
      const r = route(verb, "/token");
      for (const query of ["user=alice&password=wonderland", "password=wonderland", "USER=alice&Password=wonderland"]) {
        assert.throws(
          () => buildRequestMessage(r, [], new URLSearchParams(query), body),
          (e: unknown) =>
            e instanceof ConnectError &&
            e.code === Code.InvalidArgument &&
            /"password"/.test(e.rawMessage) &&
            /must be sent in the JSON request body, never in the URL query string/.test(e.rawMessage) &&
            !e.rawMessage.includes("wonderland"),
          `${verb} /token?${query}`,
        );
      }
      invalid(() => buildRequestMessage(r, [], new URLSearchParams("wonderland"), body), /^[A-Z]+ \/token takes no query parameters: request fields must be sent/);
      const ok = buildRequestMessage(r, [], new URLSearchParams(), body) as unknown as { user: string };
      assert.equal(ok.user, "alice");
    }
    invalid(() => buildRequestMessage(route("POST", "/task"), [], new URLSearchParams("type=t.m.f"), "{}"), /request fields \("type"\)/);
  });

  it("lets path variables override the body", () => {
    const found = table.find("POST", "/task/abc/cancel");
    assert.equal(found.kind, "match");
    if (found.kind !== "match") return;
    const msg = buildRequestMessage(found.route, found.variables, new URLSearchParams(), '{"id":"other"}');
    assert.equal((msg as unknown as { id: string }).id, "abc");
  });

  it("names the field a body value does not fit", () => {
    const r = route("POST", "/task");
    invalid(() => buildRequestMessage(r, [], new URLSearchParams(), '{"args":"str"}'), /field "args"/);
    invalid(() => buildRequestMessage(r, [], new URLSearchParams(), '{"type":5}'), /type/);
    invalid(() => buildRequestMessage(r, [], new URLSearchParams(), "{nope"), /^request body is not valid JSON: /);
    invalid(() => buildRequestMessage(r, [], new URLSearchParams(), "[1]"), /must be a JSON object/);
  });
});

describe("route table", () => {
  it("reports the allowed verbs for a known path", () => {
    const found = table.find("POST", "/ping");
    assert.deepEqual(found, { kind: "wrong-verb", allowed: ["GET", "HEAD"] });
    assert.equal(table.find("GET", "/nope").kind, "none");
    assert.equal(table.find("HEAD", "/ping").kind, "match");
  });
});
