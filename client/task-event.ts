import type { WatchTaskResponse } from "../gen/tstasks/v1/task_service_pb.js";
import { logLineFromProto, type LogLine } from "./log-line.js";
import { taskFromProto, type TaskInfo } from "./task-info.js";

/**
 * One event of `watch(id)`:
 * - `task`: the whole task — first (a snapshot), on each status change, and last (final status);
 * - `progress`: the task called `ctx.progress(fraction, message)`;
 * - `log`: the task called `ctx.log(level, message)`.
 */
export type TaskEvent =
  | { kind: "task"; task: TaskInfo }
  | { kind: "progress"; fraction: number; message: string; attempt: number }
  | { kind: "log"; line: LogLine };

/** Converts a `WatchTaskResponse` into a {@link TaskEvent}; undefined for an empty (unknown) oneof. */
export function taskEventFromProto(r: WatchTaskResponse): TaskEvent | undefined {
  switch (r.event.case) {
    case "task":
      return { kind: "task", task: taskFromProto(r.event.value) };
    case "progress":
      return { kind: "progress", fraction: r.event.value.fraction, message: r.event.value.message, attempt: r.event.value.attempt };
    case "log":
      return { kind: "log", line: logLineFromProto(r.event.value) };
    default:
      return undefined;
  }
}
