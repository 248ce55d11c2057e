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

  it("deliveries beyond the concurrency wait unclaimed: never more than `concurrency` run at once, each claimed once", async () => {
    await stack.startWorker({ name: "w", concurrency: 2, prefetch: 3 });
    const ids = await Promise.all(
      Array.from({ length: 7 }, async () => {
        const res = await httpJson(`${stack.baseUrl}/task`, { body: { type: "demo.main.sleep", args: { ms: 600 } } });
        assert.equal(res.status, 200, res.text);
        return res.body.id as string;
      }),
    );
    const done = await Promise.all(ids.map((id) => waitForFinal(stack.baseUrl, id)));
    for (const task of done) {
      assert.equal(task.status, "SUCCESS");
      assert.equal(task.attempts, 1, "a prefetched delivery was claimed twice");
    }
    // How many ran at once, from the claims' times. A slot is freed when its task stops running, before the
    // outcome is written (the next task may start meanwhile), so the store's STARTED count can briefly read
    // concurrency + 1; a task's running time, though, is its 600 ms sleep right after its claim. A slot's next
    // claim comes after that, so windows of 550 ms from each start overlap at most `concurrency` times.
    const starts = done.map((t) => Date.parse(t.started_at as string)).sort((a, b) => a - b);
    const most = Math.max(...starts.map((s) => starts.filter((t) => t <= s && s < t + 550).length));
    assert.equal(most, 2, "more tasks ran at once than the concurrency, or it was never reached");
  });
});
