/**
 * The `demo` pack: tasks that tests, docs and operators use to see how
 * tstasks behaves with long-running work.
 */
import { defineTask, z } from "tstasks/task";

/**
 * `demo.main.sleep({ms})`: waits `ms` milliseconds (at most one hour), then
 * returns `{ slept: ms }`. Honours its signal: stops at once when the task
 * is interrupted.
 */
export const sleep = defineTask({
  description: "Waits ms milliseconds, honouring cancellation",
  args: z.strictObject({ ms: z.int().min(0).max(3_600_000) }),
  run: async ({ ms }, ctx) => {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error("interrupted"));
      };
      const timer = setTimeout(() => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
    return { slept: ms };
  },
});
