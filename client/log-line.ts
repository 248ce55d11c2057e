import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LogLevel, type TaskLogLine } from "../gen/tstasks/v1/task_pb.js";

/** Severity of a task's log line, as the task wrote it with `ctx.log(level, message)`. */
export type LogLevelName = "debug" | "info" | "warn" | "error";

/** One line a task logged: `seq` orders a task's lines (use it as `afterSeq` to read on). */
export interface LogLine {
  seq: number;
  level: LogLevelName;
  message: string;
  time?: Date;
  /** The attempt that wrote it (from 1). */
  attempt: number;
}

const LEVELS: Record<LogLevel, LogLevelName> = {
  [LogLevel.UNSPECIFIED]: "info",
  [LogLevel.DEBUG]: "debug",
  [LogLevel.INFO]: "info",
  [LogLevel.WARN]: "warn",
  [LogLevel.ERROR]: "error",
};

/** Converts a `tstasks.v1.TaskLogLine` into a {@link LogLine} (an unknown level reads as "info"). */
export function logLineFromProto(l: TaskLogLine): LogLine {
  const line: LogLine = {
    // A bigserial in the store: far below 2^53 in any real table, so a number is exact.
    seq: Number(l.seq),
    level: LEVELS[l.level] ?? "info",
    message: l.message,
    attempt: l.attempt,
  };
  if (l.time) line.time = timestampDate(l.time);
  return line;
}
