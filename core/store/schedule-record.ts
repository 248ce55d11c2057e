import type { CatchUpPolicy } from "../schedule/firing-plan.js";
import type { JsonObject } from "../task/json.js";
import type { InsertedTask, NewTask } from "./task-record.js";

/** A schedule as the store knows it: it submits `type` with `args` on each tick. */
export interface ScheduleRecord {
  id: string;
  /** A free label; "" when none. */
  name: string;
  type: string;
  args: JsonObject;
  /** A 5-field cron expression, or null for an interval schedule. */
  cron: string | null;
  /** The IANA zone `cron` is read in ("UTC" for interval schedules). */
  timeZone: string;
  /** The interval in ms, or null for a cron schedule. */
  intervalMs: number | null;
  catchUp: CatchUpPolicy;
  paused: boolean;
  /** The next tick; null while paused. */
  nextRunAt: Date | null;
  /** When it last submitted a task; null before the first. */
  lastRunAt: Date | null;
  lastTaskId: string | null;
  /** `sub` of the token that created it. */
  owner: string;
  /** The permission its creator held for a protected type (the type name); null otherwise. */
  permission: string | null;
  /** Retries of each task; null: the type's default. */
  maxRetries: number | null;
  /** One attempt's limit in ms for each task; null: the type's default. */
  timeoutMs: number | null;
  createdAt: Date;
}

/** What {@link TaskStore.insertSchedule} stores. */
export type NewSchedule = Omit<ScheduleRecord, "lastRunAt" | "lastTaskId" | "createdAt">;

/** The scheduler's decision for one due schedule (see {@link TaskStore.fireDueSchedules}). */
export interface ScheduleFiring {
  id: string;
  /** The schedule's next tick. */
  nextRunAt: Date;
  /** The task to submit now, or null: none this time (a skipped tick). */
  task: NewTask | null;
}

/** A task a schedule submitted, as stored (its message still to be published). */
export interface FiredTask {
  scheduleId: string;
  task: NewTask;
  inserted: InsertedTask;
}

/** Position in the oldest-first schedule order: the last schedule of a page. */
export interface ScheduleCursor {
  createdAt: Date;
  id: string;
}

/** Owner and page of {@link TaskStore.listSchedules}. */
export interface ListSchedulesQuery {
  /** Only schedules of this `sub`; absent: everyone's (admins). */
  owner?: string;
  /** 1..1000. */
  limit: number;
  /** Cursor from a previous page: only schedules after it. */
  after?: ScheduleCursor;
}

/** One page of schedules, oldest first. */
export interface SchedulePage {
  schedules: ScheduleRecord[];
  /** Where the next page starts; absent on the last page. */
  next?: ScheduleCursor;
}
