import { CatchUp, type Schedule } from "../gen/tstasks/v1/schedule_service_pb.js";
import { optionalDate } from "./task-info.js";

/** What to do with ticks missed while no server ran: "ONE" task for them all (the default) or "NONE". */
export type CatchUpPolicy = "ONE" | "NONE";

/** A schedule as `schedules.get`/`list` answer it. */
export interface ScheduleInfo {
  id: string;
  /** A free label; "" when none. */
  name: string;
  /** The task type each tick submits. */
  type: string;
  args: Record<string, unknown>;
  /** A 5-field cron expression, or "" for an interval schedule. */
  cron: string;
  /** The IANA zone of `cron` ("UTC" for interval schedules). */
  timeZone: string;
  /** The interval in ms, or 0 for a cron schedule. */
  intervalMs: number;
  catchUp: CatchUpPolicy;
  paused: boolean;
  /** The next tick; absent while paused. */
  nextRunAt?: Date;
  /** When it last submitted a task. */
  lastRunAt?: Date;
  /** The task it last submitted; "" before the first. */
  lastTaskId: string;
  owner: string;
  createdAt?: Date;
  /** Retries of each task (absent: the type's default). */
  maxRetries?: number;
  /** One attempt's limit in ms for each task (0: the type's default). */
  timeoutMs: number;
}

/** Converts a `tstasks.v1.Schedule` message into a {@link ScheduleInfo}. */
export function scheduleFromProto(s: Schedule): ScheduleInfo {
  const info: ScheduleInfo = {
    id: s.id,
    name: s.name,
    type: s.type,
    args: (s.args ?? {}) as Record<string, unknown>,
    cron: s.cron,
    timeZone: s.timeZone,
    intervalMs: s.intervalMs,
    catchUp: s.catchUp === CatchUp.NONE ? "NONE" : "ONE",
    paused: s.paused,
    lastTaskId: s.lastTaskId,
    owner: s.owner,
    timeoutMs: s.timeoutMs,
  };
  if (s.maxRetries !== undefined) info.maxRetries = s.maxRetries;
  for (const key of ["nextRunAt", "lastRunAt", "createdAt"] as const) {
    const date = optionalDate(s[key]);
    if (date) info[key] = date;
  }
  return info;
}
