import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { requireCaller, type CallerResolver } from "../access/caller.js";
import { isAdmin } from "../auth/principal.js";
import type { ScheduleService, CreateScheduleRequest } from "../../gen/tstasks/v1/schedule_service_pb.js";
import { SubmitTaskRequestSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import { checkTiming, InvalidTimingError, nextTick, type ScheduleTiming } from "../../core/schedule/schedule-timing.js";
import type { ScheduleCursor, ScheduleRecord } from "../../core/store/schedule-record.js";
import type { TaskStore } from "../../core/store/task-store.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import { RequestInvalidError, ScheduleNotFoundError } from "../errors/domain-errors.js";
import { buildNewTask } from "./build-new-task.js";
import { catchUpFromProto, scheduleToProto } from "./schedule-to-proto.js";
import { timingOf } from "../schedules/schedule-timing-of.js";
import { isUuid } from "../../core/task/uuid.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

/** What the schedule service needs. */
export interface ScheduleServiceDeps {
  store: TaskStore;
  catalog: TaskCatalog;
  /** Who is calling: every method needs a token. */
  caller: CallerResolver;
  /** Deepest nesting accepted in `args`. Default 32. */
  maxArgsDepth?: number;
}

/** Longest schedule name accepted (characters). */
const MAX_NAME = 200;

/** Schedules per ListSchedules page when `page_size` is 0. */
const DEFAULT_PAGE_SIZE = 100;

/** Most schedules per ListSchedules page. */
const MAX_PAGE_SIZE = 1000;

/**
 * The `tstasks.v1.ScheduleService` implementation (Connect, gRPC and REST
 * call the same object). Every method needs a token (Unauthenticated
 * otherwise). The task type, arguments, max_retries and timeout_ms are
 * checked by the same code as SubmitTask (buildNewTask), including the
 * permission for a protected type; the timing by checkTiming. A non-admin
 * sees and manages only its own schedules: another's is NotFound.
 */
export function createScheduleService(deps: ScheduleServiceDeps): ServiceImpl<typeof ScheduleService> {
  const { store, caller } = deps;
  const rules = { catalog: deps.catalog, maxArgsDepth: deps.maxArgsDepth ?? 32 };

  /** The schedule if it exists and the caller may manage it; else ScheduleNotFoundError. */
  const findSchedule = async (id: string, ctx: HandlerContext): Promise<ScheduleRecord> => {
    const who = await requireCaller(caller, ctx, "schedules need a token");
    if (id === "") throw new RequestInvalidError("id is required", { id: "is required: the schedule's id" });
    const schedule = isUuid(id) ? await store.getSchedule(id.toLowerCase()) : undefined;
    if (!schedule || (!isAdmin(who) && schedule.owner !== who.sub)) throw new ScheduleNotFoundError(id);
    return schedule;
  };

  return {
    async createSchedule(req, ctx) {
      const who = await requireCaller(caller, ctx, "schedules need a token");
      if (req.name.length > MAX_NAME) throw new RequestInvalidError("Input payload validation failed", { name: `must be at most ${MAX_NAME} characters` });
      const timing = timingFromRequest(req);
      // The submit rules, once now (the args are fixed): type, permission, args, max_retries.
      const task = await buildNewTask(
        create(SubmitTaskRequestSchema, { type: req.type, args: req.args, maxRetries: req.maxRetries, timeoutMs: req.timeoutMs }),
        who,
        rules,
      );
      const now = new Date();
      const schedule = await store.insertSchedule({
        id: task.id,
        name: req.name,
        type: task.type,
        args: task.args,
        cron: timing.kind === "cron" ? timing.cron.trim() : null,
        timeZone: timing.kind === "cron" ? timing.timeZone : "UTC",
        intervalMs: timing.kind === "interval" ? timing.intervalMs : null,
        catchUp: catchUpFromProto(req.catchUp),
        paused: req.paused,
        nextRunAt: req.paused ? null : nextTick(timing, now),
        owner: who.sub,
        permission: task.permission,
        maxRetries: task.maxRetries,
        timeoutMs: task.timeoutMs,
      });
      return { schedule: scheduleToProto(schedule) };
    },

    async listSchedules(req, ctx) {
      const who = await requireCaller(caller, ctx, "schedules need a token");
      if (req.pageSize < 0 || req.pageSize > MAX_PAGE_SIZE) {
        throw new RequestInvalidError(`page_size must be 0 (default ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}, got ${req.pageSize}`, {
          page_size: `must be 0 to ${MAX_PAGE_SIZE}`,
        });
      }
      // The cursor only positions the listing: the owner filter always applies, so
      // a token from someone else's listing shows nothing of theirs.
      const page = await store.listSchedules({
        owner: isAdmin(who) ? undefined : who.sub,
        limit: req.pageSize || DEFAULT_PAGE_SIZE,
        after: req.pageToken ? scheduleCursorOf(req.pageToken) : undefined,
      });
      return { schedules: page.schedules.map(scheduleToProto), nextPageToken: page.next ? encodePageToken(page.next) : "" };
    },

    async getSchedule(req, ctx) {
      return { schedule: scheduleToProto(await findSchedule(req.id, ctx)) };
    },

    async pauseSchedule(req, ctx) {
      const s = await findSchedule(req.id, ctx);
      const after = await store.setSchedulePaused(s.id, true, null);
      if (!after) throw new ScheduleNotFoundError(req.id);
      return { schedule: scheduleToProto(after) };
    },

    async resumeSchedule(req, ctx) {
      const s = await findSchedule(req.id, ctx);
      // Ticks passed while paused are not "missed": go on from the next one after now.
      const after = s.paused ? await store.setSchedulePaused(s.id, false, nextTick(timingOf(s), new Date())) : s;
      if (!after) throw new ScheduleNotFoundError(req.id);
      return { schedule: scheduleToProto(after) };
    },

    async deleteSchedule(req, ctx) {
      const s = await findSchedule(req.id, ctx);
      if (!(await store.deleteSchedule(s.id))) throw new ScheduleNotFoundError(req.id);
      return {};
    },
  };
}

/** A ListSchedules `page_token` as the store's cursor; RequestInvalidError (naming page_token) when it was not made by us. */
function scheduleCursorOf(token: string): ScheduleCursor {
  const cursor = decodePageToken(token);
  if (!isUuid(cursor.id)) throw new RequestInvalidError("page_token is not valid: pass next_page_token from the previous page", { page_token: "is not valid" });
  return cursor;
}

/** The request's timing, checked: exactly one of cron and interval_ms. */
function timingFromRequest(req: CreateScheduleRequest): ScheduleTiming {
  const invalid = (field: string, problem: string, message = "Input payload validation failed") =>
    new RequestInvalidError(message, { [field]: problem });
  if (req.cron !== "" && req.intervalMs !== 0) throw invalid("cron", "give either cron or interval_ms, not both", "give either cron or interval_ms, not both");
  if (req.cron === "" && req.intervalMs === 0) {
    throw invalid("cron", "is required unless interval_ms is given", "a schedule needs cron (with time_zone) or interval_ms");
  }
  if (req.cron === "" && req.timeZone !== "") throw invalid("time_zone", "only applies to cron schedules");
  const timing: ScheduleTiming =
    req.cron !== "" ? { kind: "cron", cron: req.cron, timeZone: req.timeZone || "UTC" } : { kind: "interval", intervalMs: req.intervalMs };
  try {
    checkTiming(timing);
  } catch (e) {
    if (e instanceof InvalidTimingError) throw invalid(e.field, e.message, `invalid ${e.field}: ${e.message}`);
    throw e;
  }
  return timing;
}
