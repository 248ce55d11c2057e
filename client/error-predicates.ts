import { Code, ConnectError } from "@connectrpc/connect";
import { TaskFailedError } from "./task-failed-error.js";

// ConnectError's instanceof also recognises errors from another copy of
// @connectrpc/connect (it checks the shape), so these work across bundles.
function hasCode(e: unknown, code: Code): boolean {
  return e instanceof ConnectError && e.code === code;
}

/** True for a ConnectError with code NotFound: an unknown task id, or a task the caller may not see. */
export function isNotFound(e: unknown): e is ConnectError {
  return hasCode(e, Code.NotFound);
}

/** True for a ConnectError with code Unauthenticated: a missing, bad or expired token, or wrong credentials. */
export function isUnauthenticated(e: unknown): e is ConnectError {
  return hasCode(e, Code.Unauthenticated);
}

/** True for a ConnectError with code PermissionDenied: a valid token without the permission. */
export function isPermissionDenied(e: unknown): e is ConnectError {
  return hasCode(e, Code.PermissionDenied);
}

/** True for a ConnectError with code Unavailable: the server (or its database) is unreachable; safe calls were retried already. */
export function isUnavailable(e: unknown): e is ConnectError {
  return hasCode(e, Code.Unavailable);
}

/**
 * True for a ConnectError with code InvalidArgument (unknown type, arguments
 * that do not match the type's schema, …); `argumentErrors(e)` says which.
 */
export function isInvalidArgument(e: unknown): e is ConnectError {
  return hasCode(e, Code.InvalidArgument);
}

/** True for a {@link TaskFailedError} (the task ended FAILURE or REVOKED). */
export function isTaskFailed(e: unknown): e is TaskFailedError {
  return e instanceof TaskFailedError || (e instanceof Error && e.name === "TaskFailedError" && "task" in e);
}
