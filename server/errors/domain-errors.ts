/**
 * Small domain errors thrown inside the server and mapped to Connect codes
 * in one place (to-connect-error.ts).
 */

/** No task has this id (or the id is not a UUID). → NotFound */
export class TaskNotFoundError extends Error {
  override name = "TaskNotFoundError";
  constructor(readonly id: string) {
    super(`task ${id} not found`);
  }
}

/** The submitted type is not in the catalog. → InvalidArgument */
export class UnknownTaskTypeError extends Error {
  override name = "UnknownTaskTypeError";
  constructor(readonly type: string) {
    super(`unknown task type "${type}": GET /tasks lists the registered types`);
  }
}

/** The request itself is malformed; `errors` names each bad field. → InvalidArgument */
export class RequestInvalidError extends Error {
  override name = "RequestInvalidError";
  constructor(
    message: string,
    readonly errors: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Submitted arguments do not match the type's schema. → InvalidArgument with ArgumentErrors */
export class ArgumentsInvalidError extends RequestInvalidError {
  override name = "ArgumentsInvalidError";
  constructor(errors: Record<string, string>) {
    super("Input payload validation failed", errors);
  }
}

/** The task type needs a token that allows it. → Unauthenticated */
export class AuthorizationRequiredError extends Error {
  override name = "AuthorizationRequiredError";
  constructor(readonly type: string) {
    super(`task type "${type}" is protected: it needs a token that allows it (Authorization: Bearer <token>)`);
  }
}

/** The task's state does not allow the operation. → FailedPrecondition */
export class TaskStateConflictError extends Error {
  override name = "TaskStateConflictError";
}

/** No schedule has this id, or it is someone else's (never "forbidden"). → NotFound */
export class ScheduleNotFoundError extends Error {
  override name = "ScheduleNotFoundError";
  constructor(readonly id: string) {
    super(`schedule ${id} not found`);
  }
}

/** No group has this id, or it is someone else's (never "forbidden"). → NotFound */
export class GroupNotFoundError extends Error {
  override name = "GroupNotFoundError";
  constructor(readonly id: string) {
    super(`group ${id} not found`);
  }
}

/** No chain has this id, or it is someone else's (never "forbidden"). → NotFound */
export class ChainNotFoundError extends Error {
  override name = "ChainNotFoundError";
  constructor(readonly id: string) {
    super(`chain ${id} not found`);
  }
}
