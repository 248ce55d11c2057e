/**
 * The `physicsjs` pack: `physicsjs.main.mov3d`, pytasks' simulation of a
 * sphere moving under the Earth's gravity until it touches the ground. The
 * physics lives in lib/ (helpers are not scanned for tasks).
 */
import { defineTask, z } from "tstasks/task";
import { MAX_STEPS, simulateMov3d } from "./lib/mov3d.js";

const number = z.number(); // any finite JSON number, integral ones included
const vector3 = z.tuple([number, number, number]);

/**
 * `physicsjs.main.mov3d`: pytasks' model, figure for figure (see
 * lib/mov3d.ts). y (index 1) is up and the ground is y = 0; gravity is
 * Newton's, from the Earth's centre 6378.1 km below the origin; with `drag`,
 * air drag with a linear and a quadratic term. Explicit Euler with step `dt`
 * while the sphere's centre is at least `radius` above the ground.
 *
 * Accepts what pytasks ran to completion, with two deliberate exceptions.
 * dt must be > 0 (dt = 0 never ends; a negative dt runs time backwards, and
 * pytasks only finished such a run when the sphere fell while time went
 * back, e.g. thrown upward). r0[1], the height, must be >= 0 (pytasks
 * returned one sample for a start below the ground). Otherwise: any finite
 * mass but 0 (1/0 crashed pytasks; negative masses ran), any finite radius,
 * r0 and v0 of 3 numbers. A start lower than `radius` gives the single
 * sample at t = 0. More than {@link MAX_STEPS} steps fail with a
 * NonRetryableError at run time.
 *
 * Result: `{ t, a, v, r, w, alpha, ke, pe, me, nke, npe, nme }`, one entry
 * per sample, but `a` and `alpha` have one per step (one fewer).
 */
export const mov3d = defineTask({
  description:
    "Motion of a sphere under the Earth's Newtonian gravity (y is up, the ground is y = 0), with optional air drag, " +
    `integrated with explicit Euler until it touches the ground (pytasks' model; at most ${MAX_STEPS} steps).`,
  args: z.strictObject({
    dt: z.number().positive({ error: "dt (the time step, s) must be > 0" }).describe("time step, s; > 0"),
    r0: z
      .tuple([
        number,
        z.number().min(0, { error: "r0[1] is the height above the ground and must be >= 0" }).describe("height above the ground, m; >= 0"),
        number,
      ])
      .describe("initial position of the centre [x, y, z], m; y = r0[1] >= 0 is the height above the ground"),
    v0: vector3.describe("initial velocity [vx, vy, vz], m/s; vy > 0 is upward"),
    mass: z
      .union([z.number().positive(), z.number().negative()], { error: "mass must be a number other than 0" })
      // Two ranges, because a refinement would not reach the JSON Schema the server checks.
      .describe("mass, kg; any number but 0 (negative masses are accepted, as in pytasks)"),
    radius: number.describe("radius of the sphere, m; the motion stops when the centre is less than radius above the ground"),
    drag: z.boolean().describe("apply air drag (linear and quadratic terms)"),
  }),
  run: ({ dt, r0, v0, mass, radius, drag }) => simulateMov3d({ dt, r0, v0, mass, radius, drag }),
});
