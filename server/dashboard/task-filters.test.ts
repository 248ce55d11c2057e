import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createdBounds, filtersFromQuery, filtersToQuery } from "./app/pages/task-filters.js";
import { href, parseRoute } from "./app/route.js";

describe("the dashboard's routes and task filters", () => {
  it("reads every view from the hash, and the links read back as the same view", () => {
    assert.deepEqual(parseRoute(""), { page: "tasks", query: new URLSearchParams() });
    assert.equal(parseRoute("#/tasks?status=SUCCESS").page, "tasks");
    assert.deepEqual(parseRoute(href.task("0a1b-2c")), { page: "task", id: "0a1b-2c" });
    assert.deepEqual(parseRoute(href.type("demo.main.pi")), { page: "type", name: "demo.main.pi" });
    assert.deepEqual(parseRoute(href.types()), { page: "types" });
    assert.deepEqual(parseRoute(href.workers()), { page: "workers" });
    assert.deepEqual(parseRoute("#/nothing/here"), { page: "unknown", hash: "#/nothing/here" });
  });

  it("keeps filters in the query, dropping empty ones and values that are no filter", () => {
    const query = filtersToQuery({ type: "test.main.add", status: "FAILURE", created: "1h", from: "2020-01-01T00:00", to: "" });
    assert.equal(query.toString(), "type=test.main.add&status=FAILURE&created=1h");
    assert.deepEqual(filtersFromQuery(query), { type: "test.main.add", status: "FAILURE", created: "1h", from: "", to: "" });
    assert.deepEqual(filtersFromQuery(new URLSearchParams("status=DONE&created=2y")), { type: "", status: "", created: "", from: "", to: "" });
  });

  it("turns the created filter into creation-time bounds", () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const none = { type: "", status: "" as const, from: "", to: "" };
    assert.deepEqual(createdBounds({ ...none, created: "" }, now), {});
    assert.deepEqual(createdBounds({ ...none, created: "15m" }, now), { after: new Date(now - 15 * 60_000) });
    const custom = createdBounds({ ...none, created: "custom", from: "2025-06-01T10:00", to: "not a time" }, now);
    assert.deepEqual(custom, { after: new Date("2025-06-01T10:00") });
  });
});
