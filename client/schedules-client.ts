import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { CatchUp, ScheduleService, type Schedule } from "../gen/tstasks/v1/schedule_service_pb.js";
import { scheduleFromProto, type CatchUpPolicy, type ScheduleInfo } from "./schedule-info.js";

/** What `schedules.create` takes: a task type and args, and either `cron` (+ `timeZone`) or `intervalMs`. */
export interface ScheduleSpec {
  type: string;
  args?: Record<string, unknown>;
  /** A free label. */
  name?: string;
  /** A 5-field cron expression, e.g. "0 3 * * *". */
  cron?: string;
  /** The IANA zone of `cron`; default "UTC". */
  timeZone?: string;
  /** Or: an interval in ms, at least 1000. */
  intervalMs?: number;
  /** Missed ticks: default "ONE". */
  catchUp?: CatchUpPolicy;
  /** Retries of each task, overriding the type's default (0 to 25). */
  maxRetries?: number;
  /** One attempt's limit in ms for each task. */
  timeoutMs?: number;
  /** Create it paused. */
  paused?: boolean;
}

/**
 * `client.schedules`: ScheduleService. Every call needs a token; a user sees
 * and manages its own schedules (others' are NotFound), an admin all. Reads
 * are retried on `Unavailable`, changes are not.
 */
export interface SchedulesClient {
  /** Stores a schedule (InvalidArgument for a bad type, args or timing; PermissionDenied for a protected type the token does not allow). */
  create(spec: ScheduleSpec, options?: { signal?: AbortSignal }): Promise<ScheduleInfo>;
  /**
   * All the caller's schedules (an admin's: everyone's), oldest first. The
   * server answers a page at a time; this follows `next_page_token` until
   * the last page, `pageSize` schedules per request (default: the server's,
   * 100; at most 1000). Each page's request is retried on `Unavailable`.
   */
  list(options?: { signal?: AbortSignal; pageSize?: number }): Promise<ScheduleInfo[]>;
  get(id: string, options?: { signal?: AbortSignal }): Promise<ScheduleInfo>;
  /** Stops it until resumed. */
  pause(id: string, options?: { signal?: AbortSignal }): Promise<ScheduleInfo>;
  /** Goes on from the next tick after now. */
  resume(id: string, options?: { signal?: AbortSignal }): Promise<ScheduleInfo>;
  /** Deletes it (its tasks stay). */
  delete(id: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** How the tasks client makes calls: its deadline and signal, and its retry of `Unavailable`. */
export interface CallHelpers {
  call(signal?: AbortSignal): { timeoutMs?: number; signal?: AbortSignal };
  safely<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

function scheduleOf(response: { schedule?: Schedule }): ScheduleInfo {
  if (!response.schedule) throw new ConnectError("the server answered without a schedule", Code.Internal);
  return scheduleFromProto(response.schedule);
}

/** The {@link SchedulesClient} over `transport`. */
export function createSchedulesClient(transport: Transport, { call, safely }: CallHelpers): SchedulesClient {
  const schedules = createClient(ScheduleService, transport);
  return {
    async create(spec, o = {}) {
      const request = {
        type: spec.type,
        args: (spec.args ?? {}) as never,
        name: spec.name ?? "",
        cron: spec.cron ?? "",
        timeZone: spec.timeZone ?? "",
        intervalMs: spec.intervalMs ?? 0,
        catchUp: spec.catchUp === "NONE" ? CatchUp.NONE : spec.catchUp === "ONE" ? CatchUp.ONE : CatchUp.UNSPECIFIED,
        maxRetries: spec.maxRetries,
        timeoutMs: spec.timeoutMs ?? 0,
        paused: spec.paused ?? false,
      };
      return scheduleOf(await schedules.createSchedule(request, call(o.signal)));
    },
    async list(o = {}) {
      const all: ScheduleInfo[] = [];
      let pageToken = "";
      do {
        const request = { pageSize: o.pageSize ?? 0, pageToken };
        const response = await safely(() => schedules.listSchedules(request, call(o.signal)), o.signal);
        all.push(...response.schedules.map(scheduleFromProto));
        pageToken = response.nextPageToken;
      } while (pageToken !== "");
      return all;
    },
    async get(id, o = {}) {
      return scheduleOf(await safely(() => schedules.getSchedule({ id }, call(o.signal)), o.signal));
    },
    async pause(id, o = {}) {
      return scheduleOf(await schedules.pauseSchedule({ id }, call(o.signal)));
    },
    async resume(id, o = {}) {
      return scheduleOf(await schedules.resumeSchedule({ id }, call(o.signal)));
    },
    async delete(id, o = {}) {
      await schedules.deleteSchedule({ id }, call(o.signal));
    },
  };
}
