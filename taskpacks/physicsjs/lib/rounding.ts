/**
 * The two ways pytasks rounded mov3d's figures to 6 decimals. They disagree
 * now and then (2.0000005 gives 2 with numpy, 2.000001 with Python), so each
 * value must be rounded the way pytasks rounded it.
 */

/**
 * numpy's `np.around(x, 6)`: `rint(x * 1e6) / 1e6`, where rint rounds to the
 * nearest integer with ties to even. The multiplication rounds first, so
 * this is not always the decimal rounding of x. Keeps the sign of zero, as
 * numpy does (-0.0000001 gives -0).
 */
export function around6(x: number): number {
  return rint(x * 1e6) / 1e6;
}

/** C's `rint` in the default rounding mode: nearest integer, ties to even. */
export function rint(y: number): number {
  const floor = Math.floor(y);
  const fraction = y - floor; // exact: below 2^52 both are multiples of y's ulp; above, y is an integer
  let n: number;
  if (fraction < 0.5) n = floor;
  else if (fraction > 0.5) n = floor + 1;
  else n = floor % 2 === 0 ? floor : floor + 1;
  return n === 0 && (y < 0 || Object.is(y, -0)) ? -0 : n;
}

/**
 * Python's `round(x, 6)` for a float: the decimal rounding of x's exact
 * binary value to 6 decimals, ties to even, read back as the nearest double.
 * `toFixed` rounds the exact value too but breaks ties away from zero; an
 * exact tie at the 7th decimal happens only when x·128 is an odd integer
 * (x = k + j/128), which is handled here.
 */
export function pyRound6(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x; // such doubles are integers already
  const q = x * 128; // exact
  if (Number.isInteger(q) && q % 2 !== 0) {
    const exact = x.toFixed(7); // x has exactly 7 decimals, the last one a 5
    const truncated = exact.slice(0, -1);
    const lastKept = Number(truncated.at(-1));
    if (lastKept % 2 === 0) return Number(truncated);
  }
  return Number(x.toFixed(6));
}
