import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { SubmitTaskErrorSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import { restErrorBody } from "../rest/error-response.js";
import { toConnectError } from "./to-connect-error.js";

/**
 * Codes that refuse one task of a batch on its own merits (its type, its
 * arguments, its fields, the caller's permission for its type). Any other
 * code (Unavailable, Internal, …) is not about the task: the whole call fails.
 */
const PER_TASK_CODES: ReadonlySet<Code> = new Set([Code.InvalidArgument, Code.Unauthenticated, Code.PermissionDenied]);

/**
 * What checking one task of a SubmitTasks call threw, as that task's
 * `SubmitTaskError`: the code, message and argument errors a SubmitTask of
 * the same task would answer with (mapped by toConnectError, rendered as the
 * REST error body is), so a batch never words an error differently.
 * Undefined when the error is not a refusal of this task (see
 * PER_TASK_CODES); the caller then fails the whole call with it.
 */
export function taskRefusal(thrown: unknown): MessageInitShape<typeof SubmitTaskErrorSchema> | undefined {
  const error = toConnectError(thrown);
  if (!PER_TASK_CODES.has(error.code)) return undefined;
  const body = restErrorBody(error);
  return { code: body.code, message: body.message, errors: body.errors ?? {} };
}
