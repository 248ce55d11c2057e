import type { ScheduleInfo } from "../schedule-info.js";

/** When a schedule ticks, for a person: "cron 0 3 * * * Europe/Paris" or "every 1000 ms". */
export function scheduleTiming(s: ScheduleInfo): string {
  return s.cron ? `cron ${s.cron} ${s.timeZone}` : `every ${s.intervalMs} ms`;
}

/** Schedules as an aligned table: ID, TYPE, WHEN, NEXT (ISO time, or "paused"), LAST TASK, NAME. */
export function formatScheduleTable(schedules: readonly ScheduleInfo[]): string {
  const rows = [
    ["ID", "TYPE", "WHEN", "NEXT", "LAST TASK", "NAME"],
    ...schedules.map((s) => [s.id, s.type, scheduleTiming(s), s.paused ? "paused" : (s.nextRunAt?.toISOString() ?? "-"), s.lastTaskId || "-", s.name]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
