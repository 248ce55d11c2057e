import type { ConnectError } from "@connectrpc/connect";
import { ArgumentErrorsSchema } from "../../gen/tstasks/v1/task_pb.js";
import { isHttpError } from "./http-error.js";
import { codeName, restStatusForCode } from "./http-status.js";
import { writeJson, type ResponseSink } from "./json-response.js";

/** JSON body of every REST error. */
export interface RestErrorBody {
  /** snake_case Connect code, e.g. `not_found`. */
  code: string;
  /** The error's raw message (no "[code]" prefix, never a stack trace). */
  message: string;
  /** Argument name -> problem, from a `tstasks.v1.ArgumentErrors` detail. */
  errors?: Record<string, string>;
}

/**
 * The body for an error: code and raw message, plus the merged maps of any
 * `tstasks.v1.ArgumentErrors` details as `errors`.
 */
export function restErrorBody(err: ConnectError): RestErrorBody {
  const body: RestErrorBody = { code: codeName(err.code), message: err.rawMessage };
  const details = err.findDetails(ArgumentErrorsSchema);
  if (details.length > 0) {
    body.errors = Object.assign({}, ...details.map((d) => d.errors)) as Record<string, string>;
  }
  return body;
}

/**
 * Answers with an error: the status of an `HttpError`, or the REST
 * status of the code; headers are `responseHeader` (what the implementation
 * set before failing) overlaid with the error's metadata (e.g. Retry-After).
 */
export function writeError(res: ResponseSink, err: ConnectError, responseHeader?: Headers): void {
  const status = isHttpError(err) ? err.httpStatus : restStatusForCode(err.code);
  const headers = new Headers(responseHeader);
  err.metadata.forEach((value, name) => headers.set(name, value));
  writeJson(res, status, restErrorBody(err), headers);
}
