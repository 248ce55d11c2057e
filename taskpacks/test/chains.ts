/**
 * Tasks for testing chains (ChainService): a step that fails on its first
 * attempts, and one that waits. Types are `test.chains.<export>`.
 */
import { defineTask, NonRetryableError, z } from "tstasks/task";

/**
 * `test.chains.failFirst`: returns `x`, but its first `failures` attempts
 * (default 1) fail at once (NonRetryableError): a step that a retry of its
 * chain makes succeed.
 */
export const failFirst = defineTask({
  description: "Returns x; the first `failures` attempts (default 1) fail.",
  args: z.strictObject({
    x: z.int().describe("the value returned"),
    failures: z.int().min(0).max(10).optional().describe("attempts that fail first (default 1)"),
  }),
  run: ({ x, failures }, ctx) => {
    if (ctx.attempt <= (failures ?? 1)) throw new NonRetryableError(`attempt ${ctx.attempt} fails on purpose`);
    return x;
  },
});

/** `test.chains.hold`: waits `ms` (stopping early when cancelled), then returns `x`. */
export const hold = defineTask({
  description: "Waits ms milliseconds, then returns x.",
  args: z.strictObject({
    x: z.int().describe("the value returned"),
    ms: z.int().min(0).max(600_000).describe("how long to wait"),
  }),
  run: async ({ x, ms }, ctx) => {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new Error("cancelled"));
      }, { once: true });
    });
    return x;
  },
});
