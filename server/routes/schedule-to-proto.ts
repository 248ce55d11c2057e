import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CatchUp, type ScheduleSchema } from "../../gen/tstasks/v1/schedule_service_pb.js";
import type { CatchUpPolicy } from "../../core/schedule/firing-plan.js";
import type { ScheduleRecord } from "../../core/store/schedule-record.js";

/** A stored schedule as the proto `Schedule`. */
export function scheduleToProto(s: ScheduleRecord): MessageInitShape<typeof ScheduleSchema> {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    args: s.args,
    cron: s.cron ?? "",
    timeZone: s.timeZone,
    intervalMs: s.intervalMs ?? 0,
    catchUp: s.catchUp === "NONE" ? CatchUp.NONE : CatchUp.ONE,
    paused: s.paused,
    nextRunAt: s.nextRunAt ? timestampFromDate(s.nextRunAt) : undefined,
    lastRunAt: s.lastRunAt ? timestampFromDate(s.lastRunAt) : undefined,
    lastTaskId: s.lastTaskId ?? "",
    owner: s.owner,
    createdAt: timestampFromDate(s.createdAt),
    maxRetries: s.maxRetries ?? undefined,
    timeoutMs: s.timeoutMs ?? 0,
  };
}

/** The request's catch-up policy; unspecified is ONE. */
export function catchUpFromProto(c: CatchUp): CatchUpPolicy {
  return c === CatchUp.NONE ? "NONE" : "ONE";
}
