import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestContext, type TaskContext } from "tstasks/task";
import { add, hypot, myProtectedTask, subtract } from "./main.js";

const ctx: TaskContext = createTestContext({ type: "test.main.add" });

describe("test pack", () => {
  it("computes what pytasks computed", async () => {
    assert.equal(await add.run({ x: 2, y: 3 }, ctx), 5);
    assert.equal(await subtract.run({ x: 2, y: 3 }, ctx), -1);
    assert.equal(await hypot.run({ x: 3, y: 4 }, ctx), 5);
    assert.equal(await hypot.run({ x: 1.5, y: 2 }, ctx), 2.5);
    assert.equal(await myProtectedTask.run({ x: -4, y: 10 }, ctx), 6);
  });

  it("marks only myProtectedTask as protected, all on the default queue", () => {
    assert.deepEqual([add, subtract, hypot, myProtectedTask].map((t) => t.protected), [false, false, false, true]);
    assert.deepEqual([add, subtract, hypot, myProtectedTask].map((t) => t.queue), ["default", "default", "default", "default"]);
  });

  for (const [name, task] of [["add", add], ["subtract", subtract], ["myProtectedTask", myProtectedTask]] as const) {
    it(`${name} accepts integers only, both required, nothing else`, () => {
      assert.equal(task.args.safeParse({ x: 1, y: -2 }).success, true);
      assert.equal(task.args.safeParse({ x: 1.5, y: 2 }).success, false, "float");
      assert.equal(task.args.safeParse({ x: "1", y: 2 }).success, false, "string");
      assert.equal(task.args.safeParse({ x: true, y: 2 }).success, false, "boolean");
      assert.equal(task.args.safeParse({ x: 1 }).success, false, "missing y");
      assert.equal(task.args.safeParse({ x: 1, y: 2, z: 3 }).success, false, "extra key");
    });
  }

  it("hypot accepts integral and fractional numbers, rejects the rest", () => {
    assert.equal(hypot.args.safeParse({ x: 1, y: 2 }).success, true);
    assert.equal(hypot.args.safeParse({ x: 1.25, y: 2e3 }).success, true);
    assert.equal(hypot.args.safeParse({ x: "1", y: 2 }).success, false, "string");
    assert.equal(hypot.args.safeParse({ y: 2 }).success, false, "missing x");
    assert.equal(hypot.args.safeParse({ x: 1, y: 2, w: 0 }).success, false, "extra key");
  });
});
