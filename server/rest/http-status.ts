import { Code } from "@connectrpc/connect";

/**
 * REST status and wire name for each Connect code. This is the Connect
 * protocol's table (connectrpc.com/docs/protocol) with one product decision:
 * failed_precondition is 409 here, not 400, because for this API it means
 * "conflicts with the task's current state" (e.g. cancelling a started task).
 * Kept here rather than imported: connect's own table is private API.
 */
const table: Record<Code, readonly [name: string, status: number]> = {
  [Code.Canceled]: ["canceled", 499],
  [Code.Unknown]: ["unknown", 500],
  [Code.InvalidArgument]: ["invalid_argument", 400],
  [Code.DeadlineExceeded]: ["deadline_exceeded", 504],
  [Code.NotFound]: ["not_found", 404],
  [Code.AlreadyExists]: ["already_exists", 409],
  [Code.PermissionDenied]: ["permission_denied", 403],
  [Code.ResourceExhausted]: ["resource_exhausted", 429],
  [Code.FailedPrecondition]: ["failed_precondition", 409],
  [Code.Aborted]: ["aborted", 409],
  [Code.OutOfRange]: ["out_of_range", 400],
  [Code.Unimplemented]: ["unimplemented", 501],
  [Code.Internal]: ["internal", 500],
  [Code.Unavailable]: ["unavailable", 503],
  [Code.DataLoss]: ["data_loss", 500],
  [Code.Unauthenticated]: ["unauthenticated", 401],
};

/** HTTP status for a Connect code in the REST API; 500 for a code outside the table. */
export function restStatusForCode(code: Code): number {
  return table[code]?.[1] ?? 500;
}

/** The snake_case wire name of a Connect code, e.g. `invalid_argument`; `unknown` for a code outside the table. */
export function codeName(code: Code): string {
  return table[code]?.[0] ?? "unknown";
}
