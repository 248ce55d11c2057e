import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { AuthService } from "../../gen/tstasks/v1/auth_service_pb.js";
import { SystemService } from "../../gen/tstasks/v1/system_service_pb.js";
import { TaskService } from "../../gen/tstasks/v1/task_service_pb.js";
import { MonitorService } from "../../gen/tstasks/v1/monitor_service_pb.js";
import { ScheduleService } from "../../gen/tstasks/v1/schedule_service_pb.js";
import { GroupService } from "../../gen/tstasks/v1/group_service_pb.js";
import { ChainService } from "../../gen/tstasks/v1/chain_service_pb.js";
import { openApiSchemaValidator } from "../../test/support/openapi-schemas.js";
import { buildRouteTable } from "../rest/route-table.js";
import { buildOpenApiDocument } from "./openapi-document.js";
import type { OpenApiDocument } from "./openapi-types.js";

const services = [TaskService, SystemService, AuthService, MonitorService, ScheduleService, GroupService, ChainService];
const doc = buildOpenApiDocument(buildRouteTable(services), services, { title: "tstasks" });

/** Every `$ref` in `value`, depth first. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

/** Follows a local JSON pointer (`#/a/b`) in `root`. */
function resolve(root: unknown, ref: string): unknown {
  assert.ok(ref.startsWith("#/"), ref);
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], root);
}

/** A document that validates as it is (the validator is given a copy: it keeps what it reads). */
async function validate(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  return new Validator().validate(structuredClone(document) as Record<string, unknown>);
}

describe("the OpenAPI document validates", () => {
  it("against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator)", async () => {
    const result = await validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const validator = new Validator();
    await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    assert.equal(validator.version, "3.1");
  });

  it("and the validator does refuse a broken one (the check is real)", async () => {
    const noVersion = structuredClone(doc) as { info: { version?: string } };
    delete noVersion.info.version;
    assert.equal((await validate(noVersion)).valid, false, "info without a version");
    const bodyParam = structuredClone(doc) as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    bodyParam.paths["/ping"]!["get"]!.parameters = [{ name: "x", in: "body", schema: {} }];
    assert.equal((await validate(bodyParam)).valid, false, "a Swagger 2 body parameter");
    const badParam = structuredClone(doc) as OpenApiDocument;
    badParam.paths["/task/{id}"]!.get!.parameters![0]!.required = false;
    assert.equal((await validate(badParam)).valid, false, "a path parameter that is not required");
  });

  it("every $ref resolves, to a schema or a response of the document", () => {
    const all = refs(doc);
    assert.ok(all.length > 50);
    for (const ref of new Set(all)) {
      assert.match(ref, /^#\/components\/(schemas|responses)\/[A-Za-z0-9._-]+$/);
      assert.ok(resolve(doc, ref) !== undefined, `${ref} resolves`);
    }
    // No component is left unused.
    for (const name of Object.keys(doc.components.schemas)) assert.ok(all.includes(`#/components/schemas/${name}`), name);
  });

  it("every schema is valid JSON Schema 2020-12 for Ajv in strict mode", () => {
    const compile = openApiSchemaValidator(doc);
    for (const name of Object.keys(doc.components.schemas)) compile({ $ref: `#/components/schemas/${name}` });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [verb, operation] of Object.entries(item)) {
        const where = `${verb} ${path}`;
        for (const p of operation.parameters ?? []) assert.doesNotThrow(() => compile(p.schema), `${where} ${p.name}`);
        const body = operation.requestBody?.content["application/json"]?.schema;
        if (body !== undefined) assert.doesNotThrow(() => compile(body), `${where} body`);
        const ok = operation.responses["200"];
        assert.ok(ok !== undefined && "content" in ok, where);
        assert.doesNotThrow(() => compile(ok.content!["application/json"]!.schema), `${where} 200`);
      }
    }
  });
});
