/**
 * The benchmark's pack (`TASKPACKS_DIR=bench/packs`): `bench.main.noop`.
 * Loaded only by the workers `npm run bench` starts.
 */
import { defineTask, z } from "tstasks/task";

/**
 * `bench.main.noop`: `{a, b}` → `{sum, startNs}`, where `startNs` is
 * `process.hrtime.bigint()` when the handler started, as a decimal string.
 * hrtime is CLOCK_MONOTONIC on Linux, the same clock in every process of one
 * machine, so the benchmark subtracts its own submit time from it.
 * BullMQ's worker in bench/children/bullmq-worker.ts returns the same.
 */
export const noop = defineTask({
  description: "Returns a + b and the handler's start time (CLOCK_MONOTONIC ns); does nothing else.",
  args: z.strictObject({ a: z.int(), b: z.int() }),
  run: ({ a, b }) => {
    const startNs = process.hrtime.bigint().toString();
    return { sum: a + b, startNs };
  },
});
