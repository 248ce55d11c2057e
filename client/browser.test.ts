import assert from "node:assert/strict";
import { it } from "node:test";
import { createTasksClient } from "./browser.js";

it("the browser entry refuses gRPC with a clear message, and accepts connect and grpc-web", () => {
  assert.throws(() => createTasksClient({ baseUrl: "http://x.test", protocol: "grpc" }), /not possible in a browser.*"connect" or "grpc-web"/);
  assert.throws(() => createTasksClient({ baseUrl: "http://x.test", protocol: "smoke" as never }), /unknown protocol "smoke"/);
  assert.equal(typeof createTasksClient({ baseUrl: "http://x.test" }).submit, "function");
  assert.equal(typeof createTasksClient({ baseUrl: "http://x.test", protocol: "grpc-web" }).watch, "function");
});
