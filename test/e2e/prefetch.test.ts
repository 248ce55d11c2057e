import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BACKENDS } from "../support/backends.js";
import { httpJson, waitForFinal } from "../support/http-json.js";
import { startStack, type Stack } from "../support/stack.js";

for (const backend of BACKENDS) describe(`worker prefetch [${backend}]`, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ backend, workers: 0 });
  });
  after(() => stack.stop());

  it("deliveries beyond the concurrency wait unclaimed: never more than `concurrency` tasks STARTED, each run once", async () => {
    await stack.startWorker({ name: "w", concurrency: 2, prefetch: 3 });
    const ids = await Promise.all(
      Array.from({ length: 7 }, async () => {
        const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms: 600 } } });
        assert.equal(res.status, 200, res.text);
        return res.body.id as string;
      }),
    );
    let most = 0;
    let finals = 0;
    while (finals < ids.length) {
      const page = await stack.store.listTasks({ type: "demo.main.sleep", limit: 100 });
      most = Math.max(most, page.tasks.filter((t) => t.status === "STARTED").length);
      finals = page.tasks.filter((t) => t.status === "SUCCESS").length;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(most, 2, "claimed (STARTED) tasks exceeded the concurrency, or never reached it");
    for (const id of ids) {
      const done = await waitForFinal(stack.baseUrl, id);
      assert.equal(done.status, "SUCCESS");
      assert.equal(done.attempts, 1, "a prefetched delivery was claimed twice");
    }
  });
});
