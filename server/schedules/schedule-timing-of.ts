import type { ScheduleTiming } from "../../core/schedule/schedule-timing.js";
import type { ScheduleRecord } from "../../core/store/schedule-record.js";

/** A stored schedule's timing: its cron expression and zone, else its interval. */
export function timingOf(s: Pick<ScheduleRecord, "cron" | "timeZone" | "intervalMs">): ScheduleTiming {
  return s.cron !== null ? { kind: "cron", cron: s.cron, timeZone: s.timeZone } : { kind: "interval", intervalMs: s.intervalMs ?? 0 };
}
