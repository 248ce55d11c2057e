import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestContext, NonRetryableError, z } from "tstasks/task";
import type { JsonObject, TaskContext } from "tstasks/task";
import { compileArgsValidator } from "../../server/catalog/args-validator.js";
import { AIR_DENSITY, AIR_VISCOSITY, DRAG_COEFFICIENT, EARTH_MASS, EARTH_RADIUS, G, MAX_STEPS, simulateMov3d } from "./lib/mov3d.js";
import { around6, pyRound6, rint } from "./lib/rounding.js";
import { fma, norm } from "./lib/vector3.js";
import { mov3d } from "./main.js";

const ctx: TaskContext = createTestContext({ type: "physicsjs.main.mov3d" });

type Args = Parameters<typeof mov3d.run>[0];
type Result = Awaited<ReturnType<typeof mov3d.run>>;
const run = async (args: unknown): Promise<Result> => mov3d.run(mov3d.args.parse(args), ctx);
const KEYS = ["t", "a", "v", "r", "w", "alpha", "ke", "pe", "me", "nke", "npe", "nme"];
/** Gravity at the ground in this model, GM/R², m/s². */
const G0 = (G * EARTH_MASS) / EARTH_RADIUS ** 2;

/**
 * pytasks' own results for four inputs (the first is the one issue 10 says
 * tstasks refused; the second is pytasks' documented example): the number
 * of samples (len(t)), of steps (len(a)), and the first and last sample of
 * every key. Produced by running pytasks' handler/tasks/packs/physicsjs
 * (main.py's constants, resources/mov3d.py's simulate3D) with Python 3.11
 * and numpy 2.4.6 (OpenBLAS, x86-64 with FMA). The whole arrays were
 * compared too, outside this test: every value equal, bit for bit.
 */
const PYTASKS: { args: Args; samples: number; steps: number; first: Record<string, unknown>; last: Record<string, unknown> }[] = [
  {
    args: { dt: 0.01, mass: 2.0, r0: [0, 1, 0], v0: [1, 0, 0], radius: 0.1, drag: true },
    samples: 45,
    steps: 44,
    first: { t: 0, a: [-0.004651, -9.79812, -0.0], v: [1, 0, 0], r: [0, 1, 0], w: [0, 0, 0], alpha: [0, 0, 0], ke: 1.0, pe: 17.636619, me: 18.636619, nke: 1.0, npe: 1.0, nme: 1.0 },
    last: { t: 0.44, a: [-0.019979, -9.713801, -0.0], v: [0.995058, -4.298113, 0.0], r: [0.439208, 0.074527, 0.0], w: [0.0, 0.0, 0.0], alpha: [0, 0, 0], ke: 19.463916, pe: -0.49917, me: 18.964746, nke: 19.463916, npe: -0.028303, nme: 1.017607 },
  },
  {
    args: { dt: 0.001, mass: 1.0, r0: [0.5, 0.5, 0.5], v0: [10.0, 10.0, 10.0], radius: 0.3, drag: false },
    samples: 2064,
    steps: 2063,
    first: { t: 0, a: [-1e-6, -9.798121, -1e-6], v: [10.0, 10.0, 10.0], r: [0.5, 0.5, 0.5], w: [0, 0, 0], alpha: [0, 0, 0], ke: 150.0, pe: 1.959624, me: 151.959624, nke: 1.0, npe: 1.0, nme: 1.0 },
    last: { t: 2.063, a: [-3.2e-5, -9.798122, -3.2e-5], v: [10.0, -10.213274, 10.0], r: [21.13, 0.290112, 21.13], w: [0.0, 0.0, 0.0], alpha: [0, 0, 0], ke: 152.155484, pe: -0.096203, me: 152.059281, nke: 1.01437, npe: -0.049093, nme: 1.000656 },
  },
  {
    args: { dt: 0.01, mass: 0.5, r0: [1, 2, 0], v0: [0, 3, -1], radius: 0.05, drag: false },
    samples: 103,
    steps: 102,
    first: { t: 0, a: [-2e-6, -9.798117, -0.0], v: [0, 3, -1], r: [1, 2, 0], w: [0, 0, 0], alpha: [0, 0, 0], ke: 2.5, pe: 9.553167, me: 12.053167, nke: 1.0, npe: 1.0, nme: 1.0 },
    last: { t: 1.02, a: [-2e-6, -9.798122, 2e-6], v: [-0.0, -6.994062, -1.0], r: [1.0, 0.012998, -1.02], w: [0.0, 0.0, 0.0], alpha: [0, 0, 0], ke: 12.479227, pe: -0.181274, me: 12.297953, nke: 4.991691, npe: -0.018975, nme: 1.020309 },
  },
  {
    args: { dt: 0.005, mass: 3, r0: [0, 10, 0], v0: [2, 5, 0], radius: 0.2, drag: true },
    samples: 411,
    steps: 410,
    first: { t: 0, a: [-0.133541, -10.13195, -0.0], v: [2, 5, 0], r: [0, 10, 0], w: [0, 0, 0], alpha: [0, 0, 0], ke: 43.5, pe: 288.064365, me: 331.564365, nke: 1.0, npe: 1.0, nme: 1.0 },
    last: { t: 2.05, a: [-0.291646, -7.427061, -0.0], v: [1.693081, -13.814099, 0.0], r: [3.872684, 0.134663, 0.0], w: [0.0, 0.0, 0.0], alpha: [0, 0, 0], ke: 290.543793, pe: -1.9205, me: 288.623293, nke: 6.679168, npe: -0.006667, nme: 0.870489 },
  },
];

/** Equal within 1e-9 relative, or 1e-12 absolute near zero; recursive over arrays. */
function assertClose(actual: unknown, expected: unknown, label: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${label}: not an array`);
    assert.equal(actual.length, expected.length, `${label}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, `${label}[${i}]`));
    return;
  }
  assert.equal(typeof actual, "number", `${label}: not a number`);
  const a = actual as number;
  const e = expected as number;
  assert.ok(Math.abs(a - e) <= Math.max(1e-9 * Math.abs(e), 1e-12), `${label}: ${a}, pytasks ${e}`);
}

/** The JSON Schema the server validates submissions with (what worker/packs/load-taskpacks.ts makes of the zod schema). */
const serverValidate = compileArgsValidator(JSON.parse(JSON.stringify(z.toJSONSchema(mov3d.args, { io: "input" }))) as JsonObject);

const GOOD = { dt: 0.01, mass: 2.0, r0: [0, 1, 0], v0: [1, 0, 0], radius: 0.1, drag: true };

describe("physicsjs.main.mov3d", () => {
  for (const [n, reference] of PYTASKS.entries()) {
    it(`gives pytasks' result for input ${n + 1}: ${JSON.stringify(reference.args)}`, async () => {
      const result = await run(reference.args);
      assert.deepEqual(Object.keys(result), KEYS);
      for (const key of KEYS) {
        const series = result[key as keyof Result] as unknown[];
        const per = key === "a" || key === "alpha" ? "steps" : "samples";
        assert.equal(series.length, reference[per], `${key}: one entry per ${per.slice(0, -1)}`);
        assertClose(series[0], reference.first[key], `${key}[0]`);
        assertClose(series.at(-1), reference.last[key], `${key}[-1]`);
      }
    });
  }

  it("steps explicit Euler from the rounded values, y up, until the centre is less than radius above the ground", async () => {
    const { dt, radius } = PYTASKS[1]!.args;
    const result = await run(PYTASKS[1]!.args);
    const n = result.t.length;
    for (let i = 0; i + 1 < n; i++) {
      for (let k = 0; k < 3; k++) {
        assert.equal(result.v[i + 1]![k], around6(result.v[i]![k]! + result.a[i]![k]! * dt));
        assert.equal(result.r[i + 1]![k], around6(result.r[i]![k]! + result.v[i]![k]! * dt));
      }
      assert.equal(result.t[i + 1], pyRound6(result.t[i]! + dt));
      assert.equal(result.me[i + 1], result.ke[i + 1]! + result.pe[i + 1]!);
      assert.ok(result.r[i]![1] - radius >= 0, `stepped from below radius at ${i}`);
    }
    assert.ok(result.r[n - 1]![1] - radius < 0);
    // Without drag, gravity points to the Earth's centre: almost -y, slightly
    // towards x = z = 0; the horizontal speed barely changes.
    for (const a of result.a) assert.ok(Math.abs(a[1] + G0) < 1e-4 && Math.abs(a[0]) < 1e-4 && Math.abs(a[2]) < 1e-4, String(a));
    assert.ok(result.w.every((w) => w.every((x) => x === 0)) && result.alpha.every((x) => x.every((y) => y === 0)));
    // Every value but r[0], v[0] and me is rounded to 6 decimals.
    for (const x of [...result.t, ...result.ke, ...result.pe, ...result.nme, ...result.r.slice(1).flat(), ...result.a.flat()]) {
      assert.equal(around6(x), x);
    }
  });

  it("without drag, falls from height h in about sqrt(2(h - radius)/g) and keeps its mechanical energy", async () => {
    for (const height of [1, 10, 50]) {
      const result = await run({ dt: 0.001, r0: [0, height, 0], v0: [0, 0, 0], mass: 0.1, radius: 0.1, drag: false });
      const expected = Math.sqrt((2 * (height - 0.1)) / G0);
      assert.ok(Math.abs(result.t.at(-1)! - expected) <= 0.003, `h=${height}: ${result.t.at(-1)} vs ${expected}`);
      // ke[0] = 0, so nke is relative to ke[1] (as in pytasks).
      assert.equal(result.ke[0], 0);
      assert.equal(result.nke[1], 1);
      const worst = Math.max(...result.nme.map((x) => Math.abs(x - 1)));
      assert.ok(worst < 0.01, `h=${height}: nme strays by ${worst}`);
      assert.ok(result.npe[0] === 1 && result.npe.at(-1)! <= 0.01);
    }
  });

  it("with drag, has less energy than without at every sample and falls more slowly", async () => {
    const args = { dt: 0.001, r0: [0, 20, 0], v0: [0, 0, 0], mass: 0.1, radius: 0.1 };
    const free = await run({ ...args, drag: false });
    const dragged = await run({ ...args, drag: true });
    // (Explicit Euler adds a little energy at each step, so me itself may rise where drag is weak;
    // at first the two differ only by the 6-decimal rounding.)
    for (let i = 1; i < free.me.length; i++) assert.ok(dragged.me[i]! <= free.me[i]! + 1e-5, `more energy with drag at sample ${i}`);
    assert.ok(dragged.nme.at(-1)! < 0.9, `only lost ${1 - dragged.nme.at(-1)!}`);
    assert.ok(dragged.t.at(-1)! > free.t.at(-1)! + 0.05);
    assert.ok(dragged.a.at(-1)![1] > -G0);
  });

  it("keeps pytasks' drag formula: F[k] = -(mu·D·v[k] + q)·v̂[k], whose linear part always points to -k", async () => {
    const args = { dt: 0.01, r0: [0, 0.2, 0] as [number, number, number], mass: 1, radius: 0.1, drag: true };
    const q = 0.5 * AIR_DENSITY * DRAG_COEFFICIENT * (Math.PI * 0.1 * 0.1) * 100;
    const linear = AIR_VISCOSITY * 0.2 * 10;
    const east = await run({ ...args, v0: [10, 0, 0] });
    const west = await run({ ...args, v0: [-10, 0, 0] });
    assertClose(east.a[0]![0], around6(-(linear + q)), "moving +x");
    assertClose(west.a[0]![0], around6(q - linear), "moving -x");
    assert.notEqual(east.a[0]![0], -west.a[0]![0]);
  });

  it("starting lower than radius returns pytasks' single sample, and never throws for a missing divisor", async () => {
    const low = await run({ dt: 0.01, r0: [0, 0.05, 0], v0: [1, 2, 3], mass: 1, radius: 0.1, drag: true });
    // pytasks: {"t": [0], "a": [], "v": [[1, 2, 3]], "r": [[0.0, 0.05, 0.0]], "w": [[0, 0, 0]], "alpha": [],
    //           "ke": [7.0], "pe": [-0.489907], "me": [6.510093], "nke": [1.0], "npe": [1.0], "nme": [1.0]}
    assert.deepEqual(low, {
      t: [0], a: [], v: [[1, 2, 3]], r: [[0, 0.05, 0]], w: [[0, 0, 0]], alpha: [],
      ke: [7], pe: [-0.489907], me: [6.510093], nke: [1], npe: [1], nme: [1],
    });
    // At rest on the ground: ke[0] = 0 and there is no ke[1] (pytasks raised IndexError): nke is left as is.
    const still = await run({ dt: 0.01, r0: [0, 0, 0], v0: [0, 0, 0], mass: 1, radius: 0.1, drag: true });
    assert.deepEqual(still.nke, [0]);
    assert.deepEqual(still.npe, [1]);
    assert.equal(still.t.length, 1);
    // A sphere of radius 0 at rest on the ground still steps (0 - 0 >= 0), twice since r moves with the old v.
    // pytasks: ke [0, 0.0048, 0.019201] -> nke [0, 1, 4.000208] (divided by ke[1]); pe [-0, -0, -0.009601]
    // -> npe [NaN, NaN, Infinity], which JSON cannot carry: here pe is left unnormalised.
    const point = await run({ dt: 0.01, r0: [0, 0, 0], v0: [0, 0, 0], mass: 1, radius: 0, drag: false });
    assert.deepEqual(point.t, [0, 0.01, 0.02]);
    assert.deepEqual(point.nke, [0, 1, 4.000208]);
    assert.deepEqual(point.pe.map((x) => x + 0), [0, 0, -0.009601]);
    assert.deepEqual(point.npe.map((x) => x + 0), [0, 0, -0.009601]);
    assert.deepEqual(point.nme, [0, 1, 2]);
  });

  it("gives up with a NonRetryableError when the ground is too many steps away", async () => {
    await assert.rejects(run({ dt: 0.0001, r0: [0, 1000, 0], v0: [0, 0, 0], mass: 1, radius: 0.1, drag: false }), (error: unknown) => {
      assert.ok(error instanceof NonRetryableError);
      assert.match(error.message, new RegExp(`did not reach the ground within ${MAX_STEPS} steps`));
      return true;
    });
    const input = { dt: 0.01, r0: [0, 1, 0] as [number, number, number], v0: [0, 0, 0] as [number, number, number], mass: 1, radius: 0.1, drag: false };
    const steps = simulateMov3d(input).a.length;
    assert.equal(simulateMov3d({ ...input, maxSteps: steps }).a.length, steps);
    assert.throws(() => simulateMov3d({ ...input, maxSteps: steps - 1 }), NonRetryableError);
  });

  describe("arguments", () => {
    const accepted: [string, Record<string, unknown>][] = [
      ["issue 10's input (r0[1] = 1 is the height, z = 0)", GOOD],
      ["a start on the ground", { ...GOOD, r0: [0, 0, 0] }],
      ["integral numbers", { dt: 1, mass: 3, r0: [1, 2, 3], v0: [0, 0, 0], radius: 1, drag: false }],
      ["a large dt", { ...GOOD, dt: 5 }],
      ["negative x and z, and a negative mass", { ...GOOD, r0: [-1, 1, -1], mass: -2 }],
      ["radius 0 or negative", { ...GOOD, radius: -0.5 }],
    ];
    const refused: [string, Record<string, unknown>, string][] = [
      ["dt 0", { ...GOOD, dt: 0 }, "dt"],
      ["negative dt", { ...GOOD, dt: -0.01 }, "dt"],
      ["mass 0", { ...GOOD, mass: 0 }, "mass"],
      ["a negative height", { ...GOOD, r0: [0, -1, 0] }, "r0.1"],
      ["r0 of 2", { ...GOOD, r0: [0, 1] }, "r0"],
      ["r0 of 4", { ...GOOD, r0: [0, 1, 0, 1] }, "r0"],
      ["v0 of 2", { ...GOOD, v0: [0, 1] }, "v0"],
      ["v0 not numbers", { ...GOOD, v0: ["a", 0, 0] }, "v0.0"],
      ["radius not a number", { ...GOOD, radius: "0.1" }, "radius"],
      ["drag not boolean", { ...GOOD, drag: 1 }, "drag"],
      ["missing drag", { dt: 0.01, r0: [0, 1, 0], v0: [0, 0, 0], mass: 1, radius: 1 }, "drag"],
      ["extra key", { ...GOOD, g: 9.8 }, "g"],
    ];

    for (const [label, args] of accepted) {
      it(`accepts ${label}, in the worker and in the server`, () => {
        assert.equal(mov3d.args.safeParse(args).success, true);
        assert.deepEqual(serverValidate(args as JsonObject), {});
      });
    }
    for (const [label, args, key] of refused) {
      it(`refuses ${label}, in the worker and in the server`, () => {
        assert.equal(mov3d.args.safeParse(args).success, false);
        assert.ok(key in serverValidate(args as JsonObject), JSON.stringify(serverValidate(args as JsonObject)));
      });
    }

    it("says what is wrong", () => {
      const message = (args: Record<string, unknown>) => mov3d.args.safeParse(args).error!.issues[0]!.message;
      assert.equal(message({ ...GOOD, r0: [0, -1, 0] }), "r0[1] is the height above the ground and must be >= 0");
      assert.equal(message({ ...GOOD, mass: 0 }), "mass must be a number other than 0");
      assert.equal(message({ ...GOOD, dt: 0 }), "dt (the time step, s) must be > 0");
      // The server's messages are ajv's, keyed by argument.
      assert.deepEqual(serverValidate({ ...GOOD, r0: [0, -1, 0] }), { "r0.1": "must be >= 0" });
      assert.deepEqual(serverValidate({ ...GOOD, dt: 0 }), { dt: "must be > 0" });
      assert.deepEqual(Object.keys(serverValidate({ ...GOOD, mass: 0 })), ["mass"]);
    });
  });
});

describe("physicsjs lib: numpy's and Python's float operations", () => {
  it("rounds like np.around (rint(x·1e6)/1e6, ties to even) and like Python's round(x, 6)", () => {
    assert.equal(rint(0.5), 0);
    assert.equal(rint(1.5), 2);
    assert.equal(rint(2.5), 2);
    assert.equal(rint(-2.5), -2);
    assert.ok(Object.is(rint(-0.3), -0));
    // 2.0000005 · 1e6 rounds to 2000000.5 exactly, a tie; its exact value is above 2.0000005.
    assert.equal(around6(2.0000005), 2);
    assert.equal(pyRound6(2.0000005), 2.000001);
    // Exact ties at the 7th decimal (x·128 odd) go to even.
    assert.equal(pyRound6(0.0078125), 0.007812);
    assert.equal(pyRound6(0.0234375), 0.023438);
    assert.equal(pyRound6(0.1 + 0.2), 0.3);
    assert.equal(pyRound6(2.063), 2.063);
  });

  it("computes the norm as numpy does: sqrt(fma(z, z, fma(y, y, x·x)))", () => {
    // fma rounds once: (1 + 2^-30)² = 1 + 2^-29 + 2^-60, whose 2^-60 a plain product loses.
    const x = 1 + 2 ** -30;
    assert.equal(fma(x, x, -1), 2 ** -29 + 2 ** -60);
    assert.equal(x * x - 1, 2 ** -29);
    assert.equal(fma(3, 4, 5), 17);
    assert.equal(fma(0.1, 10, -1), 5.551115123125783e-17);
    assert.equal(norm([3, 4, 12]), 13);
    assert.equal(norm([0, 0, 0]), 0);
  });
});
