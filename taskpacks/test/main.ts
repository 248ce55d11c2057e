/**
 * The `test` pack: the four small tasks pytasks shipped, with the same
 * results. Types are `test.main.<export>`.
 */
import { defineTask, z } from "tstasks/task";

/** Two integers; `z.strictObject` makes extra keys an error (JSON Schema `additionalProperties: false`). */
const twoIntegers = z.strictObject({
  x: z.int().describe("first operand, an integer"),
  y: z.int().describe("second operand, an integer"),
});

/** `test.main.add`: x + y. */
export const add = defineTask({
  description: "Adds two integers.",
  args: twoIntegers,
  run: ({ x, y }) => x + y,
});

/** `test.main.subtract`: x - y. */
export const subtract = defineTask({
  description: "Subtracts y from x (two integers).",
  args: twoIntegers,
  run: ({ x, y }) => x - y,
});

/**
 * `test.main.hypot`: sqrt(x² + y²). Any JSON number is accepted, `1` as
 * well as `1.0` (pytasks refused integral literals for float parameters).
 */
export const hypot = defineTask({
  description: "Length of the hypotenuse of a right triangle with legs x and y.",
  args: z.strictObject({
    x: z.number().describe("first leg"),
    y: z.number().describe("second leg"),
  }),
  run: ({ x, y }) => Math.hypot(x, y),
});

/** `test.main.myProtectedTask`: x + y, but submitting needs a token that allows it. */
export const myProtectedTask = defineTask({
  description: "Adds two integers; needs an authorised token.",
  args: twoIntegers,
  protected: true,
  run: ({ x, y }) => x + y,
});
