import { CronExpressionParser } from "cron-parser";

/** How a schedule ticks: a 5-field cron expression read in an IANA time zone, or a fixed interval. */
export type ScheduleTiming =
  | { kind: "cron"; cron: string; timeZone: string }
  | { kind: "interval"; intervalMs: number };

/** Shortest interval accepted, in ms: the scheduler looks for due schedules about once a second. */
export const MIN_INTERVAL_MS = 1000;

/** A timing that cannot tick; `field` names the request field at fault, `message` says why. */
export class InvalidTimingError extends Error {
  override name = "InvalidTimingError";
  constructor(
    readonly field: "cron" | "time_zone" | "interval_ms",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a timing: a cron expression has exactly 5 fields (minute hour
 * day-of-month month day-of-week; no seconds field, no `@daily` aliases),
 * which cron-parser accepts; the time zone is one the runtime's Intl knows;
 * an interval is a whole number of ms, at least {@link MIN_INTERVAL_MS}.
 * @throws InvalidTimingError naming the field and the problem.
 */
export function checkTiming(timing: ScheduleTiming): void {
  if (timing.kind === "interval") {
    if (!Number.isInteger(timing.intervalMs) || timing.intervalMs < MIN_INTERVAL_MS) {
      throw new InvalidTimingError("interval_ms", `must be a whole number of milliseconds, at least ${MIN_INTERVAL_MS}`);
    }
    return;
  }
  if (!isTimeZone(timing.timeZone)) throw new InvalidTimingError("time_zone", `"${timing.timeZone}" is not an IANA time zone (e.g. UTC, Europe/Paris)`);
  const fields = timing.cron.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === "") {
    throw new InvalidTimingError("cron", `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields[0] === "" ? 0 : fields.length}`);
  }
  try {
    CronExpressionParser.parse(timing.cron, { tz: timing.timeZone, strict: false });
  } catch (e) {
    throw new InvalidTimingError("cron", `is not a valid cron expression: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** True when `tz` is a time zone name Intl accepts. */
function isTimeZone(tz: string): boolean {
  if (tz === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first tick strictly after `after`. Interval ticks keep the phase of
 * `anchor` (a tick of the schedule, e.g. its previous due time): anchor + n ×
 * interval. Cron ticks are wall-clock times in the timing's zone, so across
 * a DST change "0 3 * * *" stays at 03:00 local (cron-parser's rules for
 * times a change skips or repeats). The timing must have passed {@link checkTiming}.
 */
export function nextTick(timing: ScheduleTiming, after: Date, anchor: Date = after): Date {
  if (timing.kind === "interval") {
    const i = timing.intervalMs;
    const steps = Math.floor((after.getTime() - anchor.getTime()) / i) + 1;
    return new Date(anchor.getTime() + steps * i);
  }
  const expression = CronExpressionParser.parse(timing.cron, { tz: timing.timeZone, currentDate: after });
  return expression.next().toDate();
}
