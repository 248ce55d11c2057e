import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { ArgumentErrorsSchema } from "../../gen/tstasks/v1/task_pb.js";
import {
  AuthorizationRequiredError,
  ChainNotFoundError,
  RequestInvalidError,
  ScheduleNotFoundError,
  TaskNotFoundError,
  TaskStateConflictError,
  UnknownTaskTypeError,
  GroupNotFoundError,
} from "./domain-errors.js";
import { QueuePublishError, QueueUnavailableError } from "../../core/queue/queue-errors.js";
import { PermissionDeniedError, RateLimitedError, UnauthenticatedError } from "../auth/auth-errors.js";
import { DuplicateTaskError, InvalidListQueryError, InvalidTaskIdError } from "../../core/store/store-errors.js";
import { defaultLogger } from "../../core/log/default-logger.js";
import type { Logger } from "../../core/log/logger.js";

/** Postgres SQLSTATE classes that mean "the database is not reachable now". */
const PG_UNAVAILABLE = /^(08|53|57P)/;
/** Node socket error codes that mean a dependency is down. */
const NET_DOWN = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}

function looksLikeNats(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  const msg = e instanceof Error ? e.message : "";
  return (
    (typeof name === "string" && /^(Nats|JetStream|Request|Timeout|Closed|NoResponders|ConnectionError)/i.test(name)) ||
    /\b(nats|jetstream|connection closed|no responders|503)\b/i.test(msg)
  );
}

function looksLikePg(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : "";
  const code = errorCode(e);
  return (
    (code !== undefined && PG_UNAVAILABLE.test(code)) ||
    /Connection terminated|connect ECONNREFUSED.*5432|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(msg)
  );
}

/**
 * The one place that turns anything thrown inside the server (domain errors,
 * pg, NATS, unknown bugs) into a ConnectError with the right Code. Unknown
 * errors become Internal with a generic message (logged at error on `log`,
 * default the process's root logger; never shown: no stack traces or SQL
 * leave the server).
 */
export function toConnectError(thrown: unknown, log?: Logger): ConnectError {
  if (thrown instanceof ConnectError) return thrown;
  if (thrown instanceof TaskNotFoundError || thrown instanceof ScheduleNotFoundError) return new ConnectError(thrown.message, Code.NotFound);
  if (thrown instanceof GroupNotFoundError) return new ConnectError(thrown.message, Code.NotFound);
  if (thrown instanceof ChainNotFoundError) return new ConnectError(thrown.message, Code.NotFound);
  if (thrown instanceof UnknownTaskTypeError) {
    return withArgumentErrors(new ConnectError(thrown.message, Code.InvalidArgument), { type: "unknown task type" });
  }
  if (thrown instanceof RequestInvalidError) {
    return withArgumentErrors(new ConnectError(thrown.message, Code.InvalidArgument), thrown.errors);
  }
  if (thrown instanceof AuthorizationRequiredError) return new ConnectError(thrown.message, Code.Unauthenticated);
  if (thrown instanceof UnauthenticatedError) return new ConnectError(thrown.message, Code.Unauthenticated);
  if (thrown instanceof PermissionDeniedError) return new ConnectError(thrown.message, Code.PermissionDenied);
  if (thrown instanceof RateLimitedError) {
    return new ConnectError(thrown.message, Code.ResourceExhausted, { "retry-after": String(thrown.retryAfterSec) });
  }
  if (thrown instanceof TaskStateConflictError) return new ConnectError(thrown.message, Code.FailedPrecondition);
  if (thrown instanceof InvalidListQueryError) return new ConnectError(thrown.message, Code.InvalidArgument);
  if (thrown instanceof InvalidTaskIdError) return new ConnectError(thrown.message, Code.InvalidArgument);
  if (thrown instanceof DuplicateTaskError) return new ConnectError(thrown.message, Code.AlreadyExists);
  if (thrown instanceof QueuePublishError || thrown instanceof QueueUnavailableError) {
    return new ConnectError("the task queue (NATS) is unavailable; try again shortly", Code.Unavailable, undefined, undefined, thrown);
  }
  if (looksLikePg(thrown)) {
    return new ConnectError("the task store (Postgres) is unavailable; try again shortly", Code.Unavailable, undefined, undefined, thrown);
  }
  if (looksLikeNats(thrown) || NET_DOWN.has(errorCode(thrown) ?? "")) {
    return new ConnectError("the task queue (NATS) is unavailable; try again shortly", Code.Unavailable, undefined, undefined, thrown);
  }
  (log ?? defaultLogger().child({ component: "server" })).error({ err: thrown }, "unexpected error; answered internal error");
  return new ConnectError("internal error", Code.Internal, undefined, undefined, thrown);
}

function withArgumentErrors(error: ConnectError, errors: Record<string, string>): ConnectError {
  if (Object.keys(errors).length > 0) {
    error.details.push({ desc: ArgumentErrorsSchema, value: create(ArgumentErrorsSchema, { errors }) });
  }
  return error;
}
