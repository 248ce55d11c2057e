/**
 * Tasks for testing groups (fan-out / fan-in): types `test.groups.<export>`.
 */
import { defineTask, NonRetryableError, z } from "tstasks/task";

/**
 * `test.groups.sum`: a gather task. Sums the numeric member results its
 * group passes in `results` (null for a member that did not succeed), and
 * reports how many members failed.
 */
export const sum = defineTask({
  description: "Gathers a group: sums the members' numeric results and counts the failed ones.",
  args: z.strictObject({
    label: z.string().optional().describe("a free label, returned as is"),
    results: z.array(z.unknown()).describe("each member's result (null if it did not succeed), in index order"),
    errors: z.array(z.unknown()).describe("{index, type, message} of each member that did not succeed"),
  }),
  run: ({ label, results, errors }) => ({
    label: label ?? "",
    sum: results.reduce<number>((acc, r) => acc + (typeof r === "number" ? r : 0), 0),
    count: results.length,
    failed: errors.length,
  }),
});

/**
 * `test.groups.failIf`: x + y, except that when `fail` is true its first
 * attempt fails for good (so a group retry, whose attempt is the next one,
 * succeeds).
 */
export const failIf = defineTask({
  description: "Adds two integers; with fail: true its first attempt fails (not retried).",
  args: z.strictObject({
    x: z.int().describe("first operand"),
    y: z.int().describe("second operand"),
    fail: z.boolean().optional().describe("fail the first attempt"),
  }),
  run: ({ x, y, fail }, ctx) => {
    if (fail && ctx.attempt === 1) throw new NonRetryableError(`member ${x} fails its first attempt`);
    return x + y;
  },
});
