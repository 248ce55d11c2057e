/**
 * Task types with concurrency keys and rate limits, for the tests of
 * issue 13 (test/e2e/limits.test.ts). Types are `test.limits.<export>`.
 */
import { defineTask, NonRetryableError, z } from "tstasks/task";

/** Waits `ms`, or rejects when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/**
 * `test.limits.keyed`: sleeps `ms` (default 200) and returns its user; at
 * most 2 tasks of one user run at once, across all workers.
 */
export const keyed = defineTask({
  description: "Sleeps a little; at most 2 at once per user.",
  args: z.strictObject({
    user: z.string().min(1).describe("the concurrency key"),
    ms: z.int().min(0).max(600_000).default(200).describe("how long to sleep, in ms"),
  }),
  concurrency: { key: (args) => args.user, max: 2 },
  run: async ({ user, ms }, ctx) => {
    await sleep(ms, ctx.signal);
    return user;
  },
});

/** `test.limits.throttled`: returns `n`; at most 4 starts a second (burst 4), across all workers. */
export const throttled = defineTask({
  description: "Returns n; at most 4 starts a second.",
  args: z.strictObject({ n: z.int().describe("returned as is") }),
  rateLimit: { perSecond: 4 },
  run: ({ n }) => n,
});

/** `test.limits.unkeyable`: its concurrency key function throws, so every task of it fails at once. */
export const unkeyable = defineTask({
  description: "A concurrency key function that throws (the task fails, not retried).",
  args: z.strictObject({}),
  retries: 3,
  concurrency: {
    key: () => {
      throw new NonRetryableError("this type has no key for any args");
    },
    max: 1,
  },
  run: () => "never runs",
});
