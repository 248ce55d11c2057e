import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ArgumentErrorsSchema } from "../gen/tstasks/v1/task_pb.js";
import type { SubmitTaskError, SubmitTaskResult } from "../gen/tstasks/v1/task_service_pb.js";
import { codeFromName } from "./code-name.js";
import { taskFromProto, type TaskInfo } from "./task-info.js";

/**
 * What became of one task of `submitMany`: accepted (`task`, as `submit`
 * would have resolved), or refused (`error`, what `submit` would have thrown
 * for it: its code, message and `argumentErrors`).
 */
export type SubmitManyResult = { ok: true; task: TaskInfo } | { ok: false; error: ConnectError };

/**
 * One task's refusal as the ConnectError a single submit would have thrown:
 * the code read from its wire name, the server's message, and the argument
 * problems as an `ArgumentErrors` detail, where `argumentErrors(e)` reads
 * them as it does for any other error.
 */
export function refusalToConnectError(e: SubmitTaskError): ConnectError {
  const details = Object.keys(e.errors).length > 0 ? [{ desc: ArgumentErrorsSchema, value: create(ArgumentErrorsSchema, { errors: e.errors }) }] : [];
  return new ConnectError(e.message, codeFromName(e.code), undefined, details);
}

/** A `SubmitTaskResult` of the wire as a {@link SubmitManyResult}; a result with neither case (a broken server) is an Internal error. */
export function submitManyResultFromProto(r: SubmitTaskResult): SubmitManyResult {
  switch (r.outcome.case) {
    case "task":
      return { ok: true, task: taskFromProto(r.outcome.value) };
    case "error":
      return { ok: false, error: refusalToConnectError(r.outcome.value) };
    default:
      return { ok: false, error: new ConnectError("the server answered neither a task nor an error for this task", Code.Internal) };
  }
}
