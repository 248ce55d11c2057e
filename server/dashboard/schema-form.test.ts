import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultHint, readField, readForm } from "./app/form/field-value.js";
import { formModelOf, type FieldSpec } from "./app/form/schema-fields.js";

// Schemas as workers register them (zod's JSON Schema, io "input"): demo.main.pi and physicsjs.main.mov3d.
const PI = {
  type: "object",
  properties: {
    samples: { type: "integer", minimum: 1, maximum: 1_000_000_000, description: "random points to draw" },
    chunks: { default: 10, type: "integer", minimum: 1, maximum: 1000 },
  },
  required: ["samples"],
  additionalProperties: false,
};
const MOV3D = {
  type: "object",
  properties: {
    dt: { type: "number", exclusiveMinimum: 0 },
    r0: { type: "array", prefixItems: [{ type: "number" }, { type: "number", minimum: 0 }, { type: "number" }], items: false, minItems: 3, maxItems: 3 },
    mass: { anyOf: [{ type: "number", exclusiveMinimum: 0 }, { type: "number", exclusiveMaximum: 0 }] },
    drag: { type: "boolean" },
    mode: { enum: ["fast", "exact", 3] },
    extra: { type: "object", properties: { a: { type: "string" } } },
    label: { type: "string", maxLength: 3 },
  },
  required: ["dt", "r0", "mass", "drag"],
};

function field(model: ReturnType<typeof formModelOf>, name: string): FieldSpec {
  const f = model.fields.find((x) => x.name === name);
  assert.ok(f, name);
  return f;
}

describe("the form generated from an argument schema", () => {
  it("has a field per property, of the kind its schema allows, required as listed", () => {
    const pi = formModelOf(PI);
    assert.equal(pi.rawArgs, false);
    assert.deepEqual(pi.fields.map((f) => [f.name, f.kind, f.required]), [["samples", "integer", true], ["chunks", "integer", false]]);
    assert.equal(field(pi, "samples").description, "random points to draw");
    assert.equal(defaultHint(field(pi, "chunks")), "default: 10");

    const mov = formModelOf(MOV3D);
    assert.deepEqual(
      mov.fields.map((f) => [f.name, f.kind]),
      [["dt", "number"], ["r0", "numbers"], ["mass", "number"], ["drag", "boolean"], ["mode", "enum"], ["extra", "json"], ["label", "string"]],
    );
    assert.deepEqual(field(mov, "mode").options, ["fast", "exact", 3]);
    assert.equal(field(mov, "r0").integerItems, false);
  });

  it("falls back to one JSON box for a schema that is no object, and to no fields for an object without properties", () => {
    assert.deepEqual(formModelOf({ type: "array" }), { fields: [], rawArgs: true });
    assert.deepEqual(formModelOf({ type: "object", additionalProperties: false }), { fields: [], rawArgs: false });
    assert.deepEqual(readForm({ fields: [], rawArgs: true }, { "": '{"a":1}' }), { args: { a: 1 } });
    assert.deepEqual(readForm({ fields: [], rawArgs: true }, { "": "[1]" }), { errors: { "": "must be a JSON object" } });
  });

  it("reads numbers, lists, choices and JSON, and says what is wrong before the server does", () => {
    const mov = formModelOf(MOV3D);
    assert.deepEqual(readField(field(mov, "dt"), "0.01"), { value: 0.01 });
    assert.deepEqual(readField(field(mov, "dt"), "0"), { error: "must be greater than 0" });
    assert.deepEqual(readField(field(mov, "dt"), "1,5"), { error: "must be a number" });
    assert.deepEqual(readField(field(mov, "r0"), "[0, 10.5, -2]"), { value: [0, 10.5, -2] });
    assert.deepEqual(readField(field(mov, "r0"), "0 1"), { error: "needs at least 3 numbers" });
    assert.deepEqual(readField(field(mov, "r0"), "0, x, 1"), { error: "item 2 must be a number" });
    assert.deepEqual(readField(field(mov, "mode"), "3"), { value: 3 });
    assert.deepEqual(readField(field(mov, "mode"), '"slow"'), { error: "must be one of the listed values" });
    assert.deepEqual(readField(field(mov, "extra"), '{"a":"b"}'), { value: { a: "b" } });
    assert.match((readField(field(mov, "extra"), "{a}") as { error: string }).error, /^is not valid JSON/);
    assert.deepEqual(readField(field(mov, "label"), "abcd"), { error: "must have at most 3 characters" });
    assert.deepEqual(readField(field(mov, "drag"), "true"), { value: true });

    const pi = formModelOf(PI);
    assert.deepEqual(readField(field(pi, "samples"), "1.5"), { error: "must be an integer" });
    assert.deepEqual(readField(field(pi, "samples"), "1e3"), { value: 1000 });
    assert.deepEqual(readField(field(pi, "samples"), "0"), { error: "must be at least 1" });
  });

  it("leaves empty optional fields to the server's defaults and refuses empty required ones", () => {
    const pi = formModelOf(PI);
    assert.deepEqual(readForm(pi, { samples: "2000", chunks: "" }), { args: { samples: 2000 } });
    assert.deepEqual(readForm(pi, { samples: " ", chunks: "x" }), { errors: { samples: "is required", chunks: "must be an integer" } });
    // A required checkbox never left untouched reads as false.
    const mov = formModelOf(MOV3D);
    assert.deepEqual(readForm(mov, { dt: "0.1", r0: "0,1,0", mass: "-2", drag: "false" }), {
      args: { dt: 0.1, r0: [0, 1, 0], mass: -2, drag: false },
    });
  });
});
