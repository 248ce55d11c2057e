/**
 * The task list's filters, kept in the route's query (`#/tasks?type=…&status=…&created=1h`)
 * so a filtered list has a URL. Pure: no DOM.
 */
import { TASK_STATUSES, type TaskStatus } from "../../../../client/task-info.js";

/** The "created" choices: a window ending now, or `custom` (between `from` and `to`). */
export const CREATED_RANGES: readonly { value: string; label: string; ms?: number }[] = [
  { value: "", label: "any time" },
  { value: "15m", label: "last 15 minutes", ms: 15 * 60_000 },
  { value: "1h", label: "last hour", ms: 3_600_000 },
  { value: "24h", label: "last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "last 7 days", ms: 7 * 86_400_000 },
  { value: "custom", label: "between…" },
];

/** What the list shows: every filter empty means all the caller's tasks. */
export interface TaskFilters {
  /** Exact task type, or "" for all. */
  type: string;
  status: TaskStatus | "";
  /** A {@link CREATED_RANGES} value. */
  created: string;
  /** `custom` bounds as `<input type="datetime-local">` values (local time), "" for open. */
  from: string;
  to: string;
}

/** The filters of a route query; unknown values read as "no filter". */
export function filtersFromQuery(query: URLSearchParams): TaskFilters {
  const status = query.get("status") ?? "";
  const created = query.get("created") ?? "";
  return {
    type: query.get("type") ?? "",
    status: (TASK_STATUSES as readonly string[]).includes(status) ? (status as TaskStatus) : "",
    created: CREATED_RANGES.some((r) => r.value === created) ? created : "",
    from: query.get("from") ?? "",
    to: query.get("to") ?? "",
  };
}

/** The route query of `filters`, leaving out empty ones (and custom bounds unless `custom`). */
export function filtersToQuery(filters: TaskFilters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.type) query.set("type", filters.type);
  if (filters.status) query.set("status", filters.status);
  if (filters.created) query.set("created", filters.created);
  if (filters.created === "custom" && filters.from) query.set("from", filters.from);
  if (filters.created === "custom" && filters.to) query.set("to", filters.to);
  return query;
}

/** The creation-time bounds of `filters` at time `now` (ms); a bound that does not parse is left open. */
export function createdBounds(filters: TaskFilters, now: number): { after?: Date; before?: Date } {
  const range = CREATED_RANGES.find((r) => r.value === filters.created);
  if (range?.ms !== undefined) return { after: new Date(now - range.ms) };
  if (filters.created !== "custom") return {};
  const bounds: { after?: Date; before?: Date } = {};
  const after = filters.from ? new Date(filters.from) : undefined;
  const before = filters.to ? new Date(filters.to) : undefined;
  if (after && !Number.isNaN(after.getTime())) bounds.after = after;
  if (before && !Number.isNaN(before.getTime())) bounds.before = before;
  return bounds;
}
