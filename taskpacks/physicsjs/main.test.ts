import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestContext, NonRetryableError } from "tstasks/task";
import type { TaskContext } from "tstasks/task";
import { GRAVITY } from "./lib/euler.js";
import { mov3d } from "./main.js";

const ctx: TaskContext = createTestContext({ type: "physicsjs.main.mov3d" });

type Args = Parameters<typeof mov3d.run>[0];
const run = async (args: Args) => mov3d.run(mov3d.args.parse(args), ctx);
const drop = (height: number, drag: boolean, dt = 0.001): Args => ({ dt, r0: [0, 0, height], v0: [0, 0, 0], mass: 0.1, radius: 0.1, drag });

describe("physicsjs.main.mov3d", () => {
  it("returns the twelve series, one entry per step, vectors of 3", async () => {
    const result = await run({ dt: 0.001, r0: [0.5, 0.5, 0.5], v0: [10, 10, 10], mass: 1, radius: 0.3, drag: false });
    assert.deepEqual(Object.keys(result).sort(), ["a", "alpha", "ke", "me", "nke", "nme", "npe", "pe", "r", "t", "v", "w"]);
    const steps = result.t.length;
    assert.ok(steps > 100);
    for (const series of Object.values(result)) assert.equal(series.length, steps);
    for (const key of ["a", "v", "r", "w", "alpha"] as const) {
      for (const vector of result[key]) assert.equal(vector.length, 3);
    }
    assert.ok(result.w.every((w) => w.every((x) => x === 0)) && result.alpha.every((x) => x.every((y) => y === 0)));
    assert.deepEqual(result.r[0], [0.5, 0.5, 0.5]);
    assert.deepEqual(result.v[0], [10, 10, 10]);
    assert.deepEqual(result.a[0], [0, 0, -GRAVITY]);
    assert.equal(result.t[0], 0);
    assert.equal(result.nme[0], 1);
    // It stops at the first sample on or below the ground, not before.
    assert.ok(result.r[steps - 1]![2] <= 0);
    assert.ok(result.r[steps - 2]![2] > 0);
    // No drag: horizontal motion is uniform.
    assert.ok(Math.abs(result.r[steps - 1]![0] - (0.5 + 10 * result.t[steps - 1]!)) < 1e-6);
    // Rounded to 6 decimals.
    for (const x of [...result.t, ...result.ke, ...result.r.flat()]) assert.equal(Math.round(x * 1e6) / 1e6, x);
  });

  it("without drag, falls from height h in about sqrt(2h/g)", async () => {
    const dt = 0.001;
    for (const height of [1, 10, 50]) {
      const result = await run(drop(height, false, dt));
      const expected = Math.sqrt((2 * height) / GRAVITY);
      assert.ok(Math.abs(result.t.at(-1)! - expected) <= 3 * dt, `h=${height}: ${result.t.at(-1)} vs ${expected}`);
    }
  });

  it("without drag, keeps mechanical energy within the Euler error", async () => {
    const result = await run(drop(10, false, 0.0005));
    const worst = Math.max(...result.nme.map((x) => Math.abs(x - 1)));
    assert.ok(worst < 1e-3, `nme strays by ${worst}`);
    // Energy moves from potential to kinetic.
    assert.ok(result.npe[0] === 1 && result.npe.at(-1)! <= 0 && result.nke.at(-1)! > 0.99);
  });

  it("with drag, loses energy at every step and falls more slowly", async () => {
    const free = await run(drop(20, false));
    const dragged = await run(drop(20, true));
    for (let i = 1; i < dragged.me.length; i++) assert.ok(dragged.me[i]! <= dragged.me[i - 1]!, `me rose at step ${i}`);
    assert.ok(dragged.nme.at(-1)! < 0.9, `only lost ${1 - dragged.nme.at(-1)!}`);
    assert.ok(dragged.t.at(-1)! > free.t.at(-1)! + 0.05);
    // Drag opposes motion: while falling, the upward drag makes |a_z| < g.
    assert.ok(dragged.a.at(-1)![2] > -GRAVITY);
  });

  it("gives up with a NonRetryableError when the ground is too many steps away", async () => {
    await assert.rejects(run({ dt: 0.0001, r0: [0, 0, 1000], v0: [0, 0, 0], mass: 1, radius: 0.1, drag: false }), (error: unknown) => {
      assert.ok(error instanceof NonRetryableError);
      assert.match(error.message, /did not reach the ground within 100000 steps/);
      return true;
    });
  });

  it("validates its arguments", () => {
    const good = { dt: 0.01, r0: [0, 0, 1], v0: [0, 0, 0], mass: 1, radius: 1, drag: true };
    assert.equal(mov3d.args.safeParse(good).success, true, "integral numbers are fine");
    const bad: [string, Record<string, unknown>][] = [
      ["dt 0", { ...good, dt: 0 }],
      ["dt too large", { ...good, dt: 2 }],
      ["r0 of 2", { ...good, r0: [0, 1] }],
      ["r0 of 4", { ...good, r0: [0, 0, 1, 1] }],
      ["r0 on the ground", { ...good, r0: [0, 0, 0] }],
      ["v0 not numbers", { ...good, v0: ["a", 0, 0] }],
      ["mass 0", { ...good, mass: 0 }],
      ["negative radius", { ...good, radius: -1 }],
      ["drag not boolean", { ...good, drag: 1 }],
      ["missing drag", { dt: 0.01, r0: [0, 0, 1], v0: [0, 0, 0], mass: 1, radius: 1 }],
      ["extra key", { ...good, g: 9.8 }],
    ];
    for (const [label, args] of bad) assert.equal(mov3d.args.safeParse(args).success, false, label);
  });
});
