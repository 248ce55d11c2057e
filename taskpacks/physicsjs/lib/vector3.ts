/**
 * 3-vectors and the few float operations mov3d needs, written so that they
 * give the same bits as the numpy calls pytasks made.
 */

/** A 3-vector `[x, y, z]`. In mov3d, y (index 1) points up, away from the ground. */
export type Vector3 = [number, number, number];

/**
 * `|v|` the way numpy computes it for a float64 3-vector: `sqrt(v·v)`, where
 * the dot product is OpenBLAS's `ddot` tail loop, `d = v0·v0`, then
 * `d = fma(v1, v1, d)`, then `d = fma(v2, v2, d)` (the kernel numpy 2.4's
 * wheels use on x86-64 CPUs with FMA, which is what the reference figures of
 * the tests were computed with). Plain `v0² + v1² + v2²` differs from it in
 * the last bit for about one vector in five, and mov3d's potential energy,
 * a small difference of two numbers near 6·10⁷·mass, shows such bits.
 */
export function norm(v: Vector3): number {
  return Math.sqrt(fma(v[2], v[2], fma(v[1], v[1], v[0] * v[0])));
}

/**
 * `a·b + c` with one rounding, like C's `fma`. JavaScript has none, so it is
 * emulated with error-free transformations and one addition rounded to odd
 * (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved
 * algorithms using rounding to odd", IEEE Trans. Computers 57(4), 2008),
 * which is exact as long as nothing overflows or underflows. Far outside
 * that range (|a·b| beyond 2^±900, or a non-finite operand) it falls back to
 * `a*b + c`, rounded twice.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  const size = Math.abs(p);
  if (!(size > 2 ** -900 && size < 2 ** 900) || !Number.isFinite(c)) return p + c;
  const pl = productError(a, b, p); // a·b = p + pl exactly
  const th = c + p;
  const tl = sumError(c, p, th); // c + p = th + tl exactly
  return th + addRoundedToOdd(tl, pl);
}

/** The rounding error of `p = a*b` (Dekker's product): a·b − p, exactly. */
function productError(a: number, b: number, p: number): number {
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Veltkamp's split of a into two halves of 26 bits: a = hi + lo exactly. */
function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

/** The rounding error of `s = a + b` (Knuth's TwoSum): a + b − s, exactly. */
function sumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Index in `words` of the low 32 bits of the double (0 on little-endian machines). */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

/**
 * `x + y` rounded to odd: the exact sum when it is a double, otherwise the
 * one of its two neighbouring doubles whose last significand bit is 1.
 */
function addRoundedToOdd(x: number, y: number): number {
  const s = x + y;
  const e = sumError(x, y, s);
  if (e === 0) return s;
  bits[0] = s;
  if ((words[LOW]! & 1) === 1) return s;
  // s is even, so its neighbour on the side of the exact sum is odd: one
  // unit in the last place away from zero when e has s's sign, else toward it.
  if (s > 0 === e > 0) {
    words[LOW] = words[LOW]! + 1; // even, so no carry
  } else if (words[LOW] === 0) {
    words[LOW] = 0xffffffff;
    words[HIGH] = words[HIGH]! - 1;
  } else {
    words[LOW] = words[LOW]! - 1;
  }
  return bits[0]!;
}
