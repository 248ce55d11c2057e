import { NonRetryableError } from "tstasks/task";
import { addScaled, norm } from "./vector3.js";
import type { Vector3 } from "./vector3.js";

/** Standard gravity, m/s², acting along -z. */
export const GRAVITY = 9.81;
/** Density of air at sea level and 15 °C, kg/m³. */
export const AIR_DENSITY = 1.225;
/** Drag coefficient of a smooth sphere. */
export const SPHERE_DRAG_COEFFICIENT = 0.47;
/** Default step cap of {@link simulateFall}. */
export const MAX_STEPS = 100_000;

/** Input of {@link simulateFall}, in SI units. */
export interface FallInput {
  /** Time step, s; > 0. */
  dt: number;
  /** Initial position, m; `r0[2]` is the height above the ground (z = 0). */
  r0: Vector3;
  /** Initial velocity, m/s. */
  v0: Vector3;
  /** Mass, kg; > 0. */
  mass: number;
  /** Radius of the sphere, m; > 0 (only matters with drag). */
  radius: number;
  /** Whether quadratic air drag acts. */
  drag: boolean;
  /** Most steps allowed before giving up. Default: {@link MAX_STEPS}. */
  maxSteps?: number;
}

/**
 * The sampled trajectory: every array has one entry per sample, the first
 * for t = 0, the last for the first sample at or below the ground.
 */
export interface FallTrajectory {
  /** Time, s. */
  t: number[];
  /** Acceleration, m/s². */
  a: Vector3[];
  /** Velocity, m/s. */
  v: Vector3[];
  /** Position, m. */
  r: Vector3[];
  /** Angular velocity, rad/s: always zero, since no force here exerts a torque on the sphere. */
  w: Vector3[];
  /** Angular acceleration, rad/s²: always zero, for the same reason. */
  alpha: Vector3[];
  /** Kinetic energy ½m|v|², J. */
  ke: number[];
  /** Potential energy m·g·z, J (zero at the ground). */
  pe: number[];
  /** Mechanical energy ke + pe, J. */
  me: number[];
  /** ke, pe and me divided by the initial mechanical energy. */
  nke: number[];
  npe: number[];
  nme: number[];
}

const ZERO: Vector3 = [0, 0, 0];

/**
 * Integrates the fall with the semi-implicit (Euler–Cromer) method:
 * `v += a(v)·dt`, then `r += v·dt`. It is first order like explicit Euler
 * but does not pump energy into the system, so with drag the mechanical
 * energy only goes down. Acceleration is `-g·ẑ`, plus, with drag,
 * `-(½·ρ·Cd·π·radius²/mass)·|v|·v`. Stops at the first sample with z <= 0.
 * All values are rounded to 6 decimals (the integration itself is not).
 *
 * Throws NonRetryableError when `r0[2] <= 0` (nothing to simulate) or when
 * the ground is not reached within `maxSteps` steps.
 */
export function simulateFall(input: FallInput): FallTrajectory {
  const { dt, mass } = input;
  const maxSteps = input.maxSteps ?? MAX_STEPS;
  if (!(input.r0[2] > 0)) throw new NonRetryableError("r0[2] (the starting height) must be above the ground (> 0)");
  const dragFactor = input.drag ? (0.5 * AIR_DENSITY * SPHERE_DRAG_COEFFICIENT * Math.PI * input.radius ** 2) / mass : 0;
  const acceleration = (v: Vector3): Vector3 => addScaled([0, 0, -GRAVITY], v, -dragFactor * norm(v));
  const initialEnergy = energies(input.r0, input.v0, mass).me;

  const out: FallTrajectory = { t: [], a: [], v: [], r: [], w: [], alpha: [], ke: [], pe: [], me: [], nke: [], npe: [], nme: [] };
  const record = (step: number, r: Vector3, v: Vector3, a: Vector3): void => {
    const { ke, pe, me } = energies(r, v, mass);
    out.t.push(round6(step * dt)); // from the step count, so t does not drift
    out.a.push(roundVector(a));
    out.v.push(roundVector(v));
    out.r.push(roundVector(r));
    out.w.push([...ZERO]);
    out.alpha.push([...ZERO]);
    out.ke.push(round6(ke));
    out.pe.push(round6(pe));
    out.me.push(round6(me));
    out.nke.push(round6(ke / initialEnergy));
    out.npe.push(round6(pe / initialEnergy));
    out.nme.push(round6(me / initialEnergy));
  };

  let r = input.r0;
  let v = input.v0;
  let a = acceleration(v);
  record(0, r, v, a);
  for (let step = 1; r[2] > 0; step++) {
    if (step > maxSteps) {
      throw new NonRetryableError(
        `the sphere did not reach the ground within ${maxSteps} steps of ${dt} s; use a larger dt or a smaller height or upward speed`,
      );
    }
    v = addScaled(v, a, dt);
    r = addScaled(r, v, dt);
    a = acceleration(v);
    record(step, r, v, a);
  }
  return out;
}

function energies(r: Vector3, v: Vector3, mass: number): { ke: number; pe: number; me: number } {
  const ke = 0.5 * mass * norm(v) ** 2;
  const pe = mass * GRAVITY * r[2];
  return { ke, pe, me: ke + pe };
}

function round6(x: number): number {
  // `+ 0` turns -0 into 0 so results print the same everywhere.
  return Math.round(x * 1e6) / 1e6 + 0;
}

function roundVector(v: Vector3): Vector3 {
  return [round6(v[0]), round6(v[1]), round6(v[2])];
}
