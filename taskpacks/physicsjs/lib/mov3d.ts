/**
 * The mov3d simulation: pytasks' model of a sphere moving near the Earth,
 * reproduced figure for figure (same formulas, same operation order, same
 * roundings), so tstasks returns what pytasks returned.
 */
import { NonRetryableError } from "tstasks/task";
import { around6, pyRound6 } from "./rounding.js";
import { norm } from "./vector3.js";
import type { Vector3 } from "./vector3.js";

/** Gravitational constant, m³ kg⁻¹ s⁻². */
export const G = 6.6743e-11;
/** Mass of the Earth, kg. */
export const EARTH_MASS = 5.972e24;
/** Radius of the Earth, m. The Earth's centre is at [0, -EARTH_RADIUS, 0]. */
export const EARTH_RADIUS = 6378.1e3;
/** Drag coefficient of the sphere. */
export const DRAG_COEFFICIENT = 0.5;
/** Density of the air, kg/m³. */
export const AIR_DENSITY = 1.184;
/**
 * The air's viscosity coefficient of the linear drag term. pytasks names it
 * the kinematic viscosity (m²/s) and uses it where a dynamic viscosity
 * (Pa·s) belongs; the value is kept as it is.
 */
export const AIR_VISCOSITY = 15.52e-6;
/** Default step cap of {@link simulateMov3d}. */
export const MAX_STEPS = 100_000;

/** Input of {@link simulateMov3d}, in SI units. */
export interface Mov3dInput {
  /** Time step, s; > 0. */
  dt: number;
  /** Initial position, m; `r0[1]` is the height of the centre above the ground (y = 0). */
  r0: Vector3;
  /** Initial velocity, m/s. */
  v0: Vector3;
  /** Mass, kg; not 0 (negative masses are computed like positive ones, as pytasks did). */
  mass: number;
  /** Radius of the sphere, m. */
  radius: number;
  /** Whether air drag acts. */
  drag: boolean;
  /** Most steps allowed before giving up. Default: {@link MAX_STEPS}. */
  maxSteps?: number;
}

/**
 * The sampled motion, as pytasks returned it. `t, v, r, w, ke, pe, me, nke,
 * npe, nme` have one entry per sample: the first for t = 0, the last for the
 * first sample whose centre is below `radius` (the sphere touches the
 * ground). `a` and `alpha` have one entry per step, one fewer: `a[i]` took
 * sample i to sample i + 1.
 */
export interface Mov3dResult {
  /** Time, s. */
  t: number[];
  /** Acceleration used for each step, m/s². */
  a: Vector3[];
  /** Velocity, m/s. */
  v: Vector3[];
  /** Position of the centre, m. */
  r: Vector3[];
  /** Angular velocity, rad/s: always zero (no torque is modelled). */
  w: Vector3[];
  /** Angular acceleration of each step, rad/s²: always zero. */
  alpha: Vector3[];
  /** Kinetic energy ½m|v|², J. */
  ke: number[];
  /** Potential energy relative to the ground, J (see {@link simulateMov3d}). */
  pe: number[];
  /** ke + pe, J. */
  me: number[];
  /** ke, pe and me divided by their first value (see {@link simulateMov3d}). */
  nke: number[];
  npe: number[];
  nme: number[];
}

/**
 * Simulates the motion the way pytasks' `physicsjs.main.mov3d` did.
 *
 * The model: y (index 1) is up and the ground is y = 0. Gravity is Newton's,
 * from the Earth's centre at [0, -EARTH_RADIUS, 0]:
 * F_g = −(G·M·m / |R|²)·R̂ with R = r + [0, EARTH_RADIUS, 0]. With `drag`,
 * component by component, F_d[k] = −(μ·D·v[k] + ½·ρ·C_d·A·|v|²)·v̂[k], with
 * D = 2·radius, A = π·radius², v̂ = v/|v| (0 when v = 0); see the comment in
 * the code for what that does to the linear term. a = (F_g + F_d)/m. alpha
 * is always 0.
 *
 * Explicit Euler from the stored (rounded) values: v' = v + a·dt,
 * r' = r + v·dt (the old v), w' = w + alpha·dt; it steps while
 * r[1] − radius >= 0, so when 0 <= r0[1] < radius the result is the single
 * sample at t = 0 and `a` and `alpha` are empty.
 *
 * Rounding, as pytasks did it: every stored a, v, r, w, ke, pe, nke, npe,
 * nme is rounded to 6 decimals like numpy's `np.around` ({@link around6});
 * t is `round(t + dt, 6)` with Python's round ({@link pyRound6}), so a dt
 * below 0.0000005 s leaves t at 0; me = ke + pe of the rounded values, not
 * rounded again; r[0] and v[0] are the inputs as given. ke and pe of a new
 * sample come from the unrounded new v and r.
 *
 * pe = P(r + [0, EARTH_RADIUS − radius, 0]) − around6(P([0, EARTH_RADIUS, 0]))
 * with P(x) = −G·M·m/|x|: the Newtonian potential of the sphere's lowest
 * point, zero (up to the rounding of the second term) when it touches the
 * ground.
 *
 * Normalised energies: nX = around6(X / X[0]), or X / X[1] when X[0] is 0
 * (a start at rest gives ke[0] = 0). Where pytasks had no usable divisor
 * (X[0] = 0 and no second sample, where it crashed, or X[1] = 0 too, where
 * it produced NaN and ±Infinity, which JSON cannot carry), X is returned
 * unnormalised (divided by 1).
 *
 * Throws NonRetryableError when the ground is not reached within `maxSteps`
 * steps (pytasks had no limit; the result grows by 150 to 200 bytes of JSON
 * per step, so the default cap keeps it under about 20 MB).
 */
export function simulateMov3d(input: Mov3dInput): Mov3dResult {
  const { dt, mass, radius, drag } = input;
  const maxSteps = input.maxSteps ?? MAX_STEPS;
  const inverseMass = 1 / mass;
  const gmm = G * EARTH_MASS * mass;
  // Drag constants, in pytasks' order: μ·D and ((½·ρ)·C_d)·A.
  const crossSection = Math.PI * (radius * radius);
  const linearDrag = AIR_VISCOSITY * (2 * radius);
  const quadraticDrag = 0.5 * AIR_DENSITY * DRAG_COEFFICIENT * crossSection;

  // pytasks squares norms and the radius with `**2`, i.e. C's pow, which
  // glibc rounds differently from x*x for about one argument in a thousand
  // (by one unit in the last place). That is far below the 6-decimal
  // rounding of every stored value: x*x is used, and in the comparisons with
  // pytasks (over a million values) no stored value differed.
  const kinetic = (v: Vector3): number => {
    const speed = norm(v);
    return 0.5 * mass * (speed * speed);
  };
  const potential = (x: Vector3): number => (-G * EARTH_MASS * mass) / norm(x);
  const potentialAtGround = around6(potential([0, EARTH_RADIUS, 0]));
  /** pe of a sample whose centre is at r (r + [0, R, 0] − [0, radius, 0], in that order). */
  const potentialEnergy = (r: Vector3): number =>
    around6(potential([r[0] + 0 - 0, r[1] + EARTH_RADIUS - radius, r[2] + 0 - 0]) - potentialAtGround);

  const acceleration = (r: Vector3, v: Vector3): Vector3 => {
    const R: Vector3 = [r[0] + 0, r[1] + EARTH_RADIUS, r[2] + 0];
    const distance = norm(R);
    const distanceSquared = distance * distance;
    const force: Vector3 = [
      -(gmm * (R[0] / distance)) / distanceSquared,
      -(gmm * (R[1] / distance)) / distanceSquared,
      -(gmm * (R[2] / distance)) / distanceSquared,
    ];
    if (drag) {
      const speed = norm(v);
      const unit: Vector3 = speed === 0 ? [0, 0, 0] : [v[0] / speed, v[1] / speed, v[2] / speed];
      // pytasks' quirk, kept on purpose: the scalar quadratic term is added
      // to each component of the vector μ·D·v (numpy broadcasting) and the
      // sum is then multiplied by v̂ component by component:
      // F_d[k] = −(μ·D·v[k] + q)·v̂[k] = −q·v̂[k] − μ·D·v[k]²/|v|.
      // The quadratic part is the usual −q·v̂, but the linear part is not
      // −μ·D·v: each of its components points to −k whatever the sign of
      // v[k] (a sphere moving towards −x is pushed further towards −x).
      const quadratic = quadraticDrag * (speed * speed);
      for (let k = 0; k < 3; k++) force[k] = force[k]! + -(linearDrag * v[k]! + quadratic) * unit[k]!;
    }
    return [inverseMass * force[0], inverseMass * force[1], inverseMass * force[2]];
  };

  const r0: Vector3 = [...input.r0];
  const v0: Vector3 = [...input.v0];
  const ke0 = around6(kinetic(v0));
  const pe0 = potentialEnergy(r0);
  const out = {
    t: [0],
    a: [] as Vector3[],
    v: [v0],
    r: [r0],
    w: [[0, 0, 0]] as Vector3[],
    alpha: [] as Vector3[],
    ke: [ke0],
    pe: [pe0],
    me: [ke0 + pe0],
  };

  for (let i = 0; out.r[i]![1] - radius >= 0; i++) {
    if (i >= maxSteps) {
      throw new NonRetryableError(
        `the sphere did not reach the ground within ${maxSteps} steps of ${dt} s; use a larger dt, or a smaller height or upward speed`,
      );
    }
    const r = out.r[i]!;
    const v = out.v[i]!;
    const a = acceleration(r, v).map(around6) as Vector3;
    out.a.push(a);
    out.alpha.push([0, 0, 0]);
    const vNext: Vector3 = [v[0] + a[0] * dt, v[1] + a[1] * dt, v[2] + a[2] * dt];
    const rNext: Vector3 = [r[0] + v[0] * dt, r[1] + v[1] * dt, r[2] + v[2] * dt];
    out.v.push(vNext.map(around6) as Vector3);
    out.r.push(rNext.map(around6) as Vector3);
    out.w.push([0, 0, 0]); // w + alpha·dt with w = alpha = 0
    const ke = around6(kinetic(vNext));
    const pe = potentialEnergy(rNext);
    out.ke.push(ke);
    out.pe.push(pe);
    out.me.push(ke + pe);
    out.t.push(pyRound6(out.t[i]! + dt));
  }

  return { ...out, nke: normalise(out.ke), npe: normalise(out.pe), nme: normalise(out.me) };
}

/** X / X[0], or X / X[1] when X[0] is 0, rounded; X itself (rounded) when neither can divide. */
function normalise(x: number[]): number[] {
  let divisor = x[0]!;
  if (divisor === 0) divisor = x.length > 1 && x[1] !== 0 ? x[1]! : 1;
  return x.map((value) => around6(value / divisor));
}
