import { nextTick, type ScheduleTiming } from "./schedule-timing.js";

/** What to do with missed ticks (see {@link planFiring}). */
export type CatchUpPolicy = "ONE" | "NONE";

/**
 * How late a tick may be and still count as on time rather than missed: the
 * scheduler runs about every second, so a tick it handles later than this
 * was passed while no scheduler ran (servers down, store unreachable).
 */
export const MISSED_TICK_GRACE_MS = 5000;

/** The decision for one due schedule. */
export interface FiringPlan {
  /** The tick a task is submitted for, or null: submit nothing now. */
  fireFor: Date | null;
  /** The schedule's next tick, after the one fired for (and after `now` once ticks were missed). */
  nextRunAt: Date;
}

/**
 * Decides a due schedule (its next tick `dueAt` is at or before `now`):
 * - on time (late by at most `graceMs`): submit for `dueAt`, and the next
 *   tick is the one after it (itself maybe due already: the next round
 *   submits for it), so every tick gets exactly one task;
 * - missed (later than `graceMs`: no scheduler ran): ONE submits once, for
 *   the latest passed tick, NONE submits nothing, and the next tick is the
 *   first one after `now`, never once per missed tick.
 */
export function planFiring(timing: ScheduleTiming, catchUp: CatchUpPolicy, dueAt: Date, now: Date, graceMs = MISSED_TICK_GRACE_MS): FiringPlan {
  if (now.getTime() - dueAt.getTime() <= graceMs) return { fireFor: dueAt, nextRunAt: nextTick(timing, dueAt, dueAt) };
  const nextRunAt = nextTick(timing, now, dueAt);
  if (catchUp === "NONE") return { fireFor: null, nextRunAt };
  return { fireFor: latestTickAtOrBefore(timing, dueAt, now), nextRunAt };
}

/** The last tick at or before `now`, walking from `dueAt` (itself due). */
function latestTickAtOrBefore(timing: ScheduleTiming, dueAt: Date, now: Date): Date {
  if (timing.kind === "interval") {
    const steps = Math.floor((now.getTime() - dueAt.getTime()) / timing.intervalMs);
    return new Date(dueAt.getTime() + steps * timing.intervalMs);
  }
  // Cron ticks are at least a minute apart, and a long outage is rare: walk, but boundedly.
  let tick = dueAt;
  for (let i = 0; i < 100_000; i++) {
    const next = nextTick(timing, tick);
    if (next.getTime() > now.getTime()) return tick;
    tick = next;
  }
  return tick;
}
