/** How the pages write times, durations and JSON. */

/** A local date and time to the second, e.g. "2025-06-01 14:03:07"; "—" for none. */
export function formatTime(date: Date | undefined): string {
  if (!date) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A duration in ms, short: "850 ms", "12.3 s", "4 min 5 s", "2 h 10 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The time from `from` to `to` (or now), or "—" when `from` is missing. */
export function formatSpan(from: Date | undefined, to: Date | undefined, now = Date.now()): string {
  return from ? formatDuration((to?.getTime() ?? now) - from.getTime()) : "—";
}

/** How long ago, short: "3 s ago", "5 min ago". */
export function formatAgo(date: Date | undefined, now = Date.now()): string {
  return date ? `${formatDuration(Math.max(0, now - date.getTime()))} ago` : "—";
}

/** JSON indented by two spaces; `undefined` reads as "—". */
export function formatJson(value: unknown): string {
  return value === undefined ? "—" : JSON.stringify(value, null, 2);
}

/** The first 8 characters of a task id: enough to tell tasks apart on one screen. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
