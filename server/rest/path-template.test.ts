import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compilePathTemplate, matchPathTemplate } from "./path-template.js";

function match(template: string, path: string) {
  const m = matchPathTemplate(compilePathTemplate(template), path);
  return m?.map((v) => [v.fieldPath.join("."), v.value]);
}

describe("path templates", () => {
  it("matches literals only exactly", () => {
    assert.deepEqual(match("/ping", "/ping"), []);
    assert.equal(match("/ping", "/pong"), undefined);
    assert.equal(match("/ping", "/ping/x"), undefined);
  });

  it("tolerates one trailing slash", () => {
    assert.deepEqual(match("/tasks", "/tasks/"), []);
    assert.deepEqual(match("/task/{id}", "/task/7/"), [["id", "7"]]);
  });

  it("captures a single-segment variable and percent-decodes it", () => {
    assert.deepEqual(match("/task/{id}", "/task/a%20b"), [["id", "a b"]]);
    assert.deepEqual(match("/task/{id}", "/task/a%2Fb"), [["id", "a/b"]]);
    assert.equal(match("/task/{id}", "/task/a/b"), undefined);
    assert.equal(match("/task/{id}", "/task/"), undefined);
  });

  it("rejects a malformed percent-escape", () => {
    assert.equal(match("/task/{id}", "/task/%E0%A4%A"), undefined);
  });

  it("captures {name=tasks/*} including the literal part", () => {
    assert.deepEqual(match("/v1/{name=tasks/*}", "/v1/tasks/42"), [["name", "tasks/42"]]);
    assert.equal(match("/v1/{name=tasks/*}", "/v1/jobs/42"), undefined);
    assert.equal(match("/v1/{name=tasks/*}", "/v1/tasks/42/x"), undefined);
  });

  it("captures ** across segments", () => {
    assert.deepEqual(match("/files/{path=**}", "/files/a/b/c%20d"), [["path", "a/b/c d"]]);
    assert.equal(match("/files/{path=**}", "/files"), undefined);
  });

  it("handles nested field paths, several variables and a verb", () => {
    assert.deepEqual(match("/task/{id}/cancel", "/task/9/cancel"), [["id", "9"]]);
    assert.deepEqual(match("/a/{x.y}/b/{z}:run", "/a/1/b/2:run"), [
      ["x.y", "1"],
      ["z", "2"],
    ]);
    assert.equal(match("/a/{x.y}/b/{z}:run", "/a/1/b/2"), undefined);
  });

  it("matches the root template", () => {
    assert.deepEqual(match("/", "/"), []);
    assert.equal(match("/", "/x"), undefined);
  });

  it("escapes regexp characters in literals", () => {
    assert.deepEqual(match("/v1.0/a+b", "/v1.0/a+b"), []);
    assert.equal(match("/v1.0/a+b", "/v1x0/aab"), undefined);
  });

  it("rejects malformed templates", () => {
    assert.throws(() => compilePathTemplate("task"), /must start with/);
    assert.throws(() => compilePathTemplate("/task/{id"), /unbalanced|unclosed/);
    assert.throws(() => compilePathTemplate("/task//x"), /empty segment/);
    assert.throws(() => compilePathTemplate("/task/{1d}"), /bad field path/);
  });
});
