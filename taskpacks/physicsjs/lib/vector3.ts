/** A 3-vector `[x, y, z]`; z points up, away from the ground. */
export type Vector3 = [number, number, number];

/** a + b·k */
export function addScaled(a: Vector3, b: Vector3, k: number): Vector3 {
  return [a[0] + b[0] * k, a[1] + b[1] * k, a[2] + b[2] * k];
}

/** |v| */
export function norm(v: Vector3): number {
  return Math.hypot(v[0], v[1], v[2]);
}
