/**
 * Tasks for observing priorities (test/e2e/priorities.test.ts): types
 * `test.priorities.<export>`. A one-slot worker busy with `block` lets the
 * others pile up; the order they then start in (`started_at`) is the
 * priority order.
 */
import { defineTask, z } from "tstasks/task";

/** Waits `ms` (honouring the signal) and returns `label`. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error("interrupted"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

const labelled = z.strictObject({
  label: z.string().max(100).describe("what the task returns, to tell tasks apart"),
  ms: z.int().min(0).max(60_000).default(100).describe("how long it runs (default 100 ms)"),
});

/** `test.priorities.block({ms})`: holds its worker slot for `ms` (at most a minute), so the tasks behind it queue up. */
export const block = defineTask({
  description: "Holds its worker slot for ms milliseconds so that tasks queue up behind it",
  args: z.strictObject({ ms: z.int().min(0).max(60_000) }),
  run: async ({ ms }, ctx) => {
    await pause(ms, ctx.signal);
    return { blocked: ms };
  },
});

/** `test.priorities.record({label, ms})`: runs `ms` (default 100) and returns its label; priority 5, the default. */
export const record = defineTask({
  description: "Runs ms milliseconds (default 100) and returns its label (priority 5)",
  args: labelled,
  run: async ({ label, ms }, ctx) => {
    await pause(ms, ctx.signal);
    return label;
  },
});

/** `test.priorities.urgent({label, ms})`: as `record`, but the type's priority is 9. */
export const urgent = defineTask({
  description: "As record, with the type's priority 9",
  args: labelled,
  priority: 9,
  run: async ({ label, ms }, ctx) => {
    await pause(ms, ctx.signal);
    return label;
  },
});

/** `test.priorities.flaky({label})`: fails its first attempt, then returns its label; 1 retry after about 10 ms. */
export const flaky = defineTask({
  description: "Fails its first attempt, then returns its label",
  args: z.strictObject({ label: z.string().max(100) }),
  retries: 1,
  backoff: { initialMs: 10, maxMs: 10 },
  run: ({ label }, ctx) => {
    if (ctx.attempt === 1) throw new Error("first attempts fail");
    return label;
  },
});
