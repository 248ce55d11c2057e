/**
 * The `physicsjs` pack: `physicsjs.main.mov3d`, a sphere falling to the
 * ground. The physics lives in lib/ (helpers are not scanned for tasks).
 */
import { defineTask, z } from "tstasks/task";
import { simulateFall } from "./lib/euler.js";

const vector3 = z.tuple([z.number(), z.number(), z.number()]);

/**
 * `physicsjs.main.mov3d`: trajectory of a sphere thrown from `r0` with
 * velocity `v0` until it reaches the ground (z = 0); gravity acts along -z.
 * Result: `{ t, a, v, r, w, alpha, ke, pe, me, nke, npe, nme }`, arrays with
 * one entry per step (see lib/euler.ts). Any JSON number is accepted for
 * number fields, integral ones included.
 */
export const mov3d = defineTask({
  description: "Trajectory of a sphere falling under Earth's gravity (z up), with optional air drag, until it hits the ground.",
  args: z.strictObject({
    dt: z.number().positive().max(1).describe("time step, s (0 < dt <= 1)"),
    r0: z.tuple([z.number(), z.number(), z.number().positive()]).describe("initial position [x, y, z], m; z > 0 is the height"),
    v0: vector3.describe("initial velocity [vx, vy, vz], m/s"),
    mass: z.number().positive().describe("mass, kg"),
    radius: z.number().positive().describe("radius, m"),
    drag: z.boolean().describe("apply quadratic air drag"),
  }),
  run: ({ dt, r0, v0, mass, radius, drag }) => simulateFall({ dt, r0, v0, mass, radius, drag }),
});
