import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SubmitTaskRequestSchema } from "../gen/tstasks/v1/task_service_pb.js";
import type { SubmitOptions } from "./tasks-client.js";

/**
 * The `SubmitTaskRequest` for a task of `type` with `args` and the options
 * of a submission (what `submit` sends, and what `submitMany` sends per
 * task); unset options are left to the server's defaults.
 */
export function submitRequest(
  type: string,
  args: unknown,
  o: Omit<SubmitOptions, "signal">,
): MessageInitShape<typeof SubmitTaskRequestSchema> {
  return {
    type,
    // Plain JSON in (typed by the caller's ArgsOf), as a Struct on the wire; a value JSON cannot carry fails to serialise here.
    args: (args ?? {}) as JsonObject,
    maxRetries: o.maxRetries,
    runAt: o.runAt ? timestampFromDate(o.runAt) : undefined,
    delayMs: o.delayMs ?? 0,
    idempotencyKey: o.idempotencyKey ?? "",
    timeoutMs: o.timeoutMs ?? 0,
    queueTimeoutMs: o.queueTimeoutMs ?? 0,
    // 0: the type's default.
    priority: o.priority ?? 0,
  };
}
