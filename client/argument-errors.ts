import { ConnectError } from "@connectrpc/connect";
import { ArgumentErrorsSchema } from "../gen/tstasks/v1/task_pb.js";

/**
 * The per-argument problems of an InvalidArgument error (`{ x: "must be
 * integer", y: "is required" }`), read from the error's `ArgumentErrors`
 * detail; `{}` for any other error.
 */
export function argumentErrors(e: unknown): Record<string, string> {
  if (!(e instanceof ConnectError)) return {};
  const [detail] = e.findDetails(ArgumentErrorsSchema);
  return detail ? { ...detail.errors } : {};
}
