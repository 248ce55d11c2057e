import { randomUUID } from "node:crypto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { SubmitTaskRequest } from "../../gen/tstasks/v1/task_service_pb.js";
import type { NewTask } from "../../core/store/task-record.js";
import type { JsonObject } from "../../core/task/json.js";
import { jsonHasNulChar } from "../../core/task/has-nul-char.js";
import { MAX_RETRIES } from "../../core/task/define-task.js";
import { jsonDepth } from "../access/json-depth.js";
import { PermissionDeniedError } from "../auth/auth-errors.js";
import { mayRun, type Principal } from "../auth/principal.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import {
  ArgumentsInvalidError,
  AuthorizationRequiredError,
  RequestInvalidError,
  UnknownTaskTypeError,
} from "../errors/domain-errors.js";
import { resolveRunAt } from "./run-at.js";
import { submittedPriority } from "./submitted-priority.js";

/** A task ready for the submitter, every optional field given (null: not set); whether it is held is the submitter's call. */
export type BuiltTask = Required<Omit<NewTask, "hold">>;

/** What checking a submission needs besides the request and the caller. */
export interface SubmissionRules {
  catalog: TaskCatalog;
  /** Deepest nesting accepted in `args`. */
  maxArgsDepth: number;
}

/** Longest idempotency key accepted (characters). */
const MAX_IDEMPOTENCY_KEY = 200;

/**
 * Checks one submission as SubmitTask does and builds the task to store,
 * with a fresh id, owned by `who` (null owner: anonymous). The one copy of
 * these rules: SubmitTask and every task of SubmitTasks go through it.
 *
 * Checks, in this order (the first that fails is thrown, as a domain error
 * that to-connect-error.ts maps):
 * - `type` given, and known to the catalog → RequestInvalidError / UnknownTaskTypeError;
 * - a protected type needs a caller whose token allows it → AuthorizationRequiredError /
 *   PermissionDeniedError;
 * - `idempotency_key` at most 200 characters, `max_retries` in 0..25, `priority` 0 (the type's) or
 *   1..10 → RequestInvalidError;
 * - `args` nesting at most `rules.maxArgsDepth`, no NUL character, the type's schema →
 *   ArgumentsInvalidError;
 * - `run_at` / `delay_ms` (see resolveRunAt) → RequestInvalidError.
 *
 * Anything else thrown (the catalog's store unreachable) is not about this
 * task: callers let it fail the whole call.
 */
export async function buildNewTask(req: SubmitTaskRequest, who: Principal | undefined, rules: SubmissionRules): Promise<BuiltTask> {
  if (req.type === "") {
    throw new RequestInvalidError("Input payload validation failed", {
      type: "is required: the task type to run, e.g. test.main.add",
    });
  }
  const entry = await rules.catalog.get(req.type);
  if (!entry) throw new UnknownTaskTypeError(req.type);
  if (entry.record.protected) {
    if (!who) throw new AuthorizationRequiredError(req.type);
    if (!mayRun(who, req.type)) {
      throw new PermissionDeniedError(`your token does not allow task type "${req.type}" (GET /protected lists what it allows)`);
    }
  }
  const args: JsonObject = req.args ?? {};
  if (req.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    throw new RequestInvalidError("Input payload validation failed", { idempotency_key: `must be at most ${MAX_IDEMPOTENCY_KEY} characters` });
  }
  if (req.maxRetries !== undefined && (req.maxRetries < 0 || req.maxRetries > MAX_RETRIES)) {
    throw new RequestInvalidError("Input payload validation failed", { max_retries: `must be from 0 to ${MAX_RETRIES}` });
  }
  const priority = submittedPriority(req.priority, entry.record.priority);
  if (jsonDepth(args, rules.maxArgsDepth) > rules.maxArgsDepth) {
    throw new ArgumentsInvalidError({ args: `nests deeper than ${rules.maxArgsDepth} levels` });
  }
  // Postgres jsonb cannot store U+0000: refuse it here rather than fail a whole insert batch.
  if (jsonHasNulChar(JSON.stringify(args))) {
    throw new ArgumentsInvalidError({ args: "must not contain the NUL character (\\u0000)" });
  }
  const errors = entry.validate(args);
  if (Object.keys(errors).length > 0) throw new ArgumentsInvalidError(errors);

  const runAt = resolveRunAt(req.runAt ? timestampDate(req.runAt) : undefined, req.delayMs);
  return {
    id: randomUUID(),
    type: req.type,
    queue: entry.record.queue,
    args,
    owner: who?.sub ?? null,
    // What the worker checks before running a protected type.
    permission: entry.record.protected ? req.type : null,
    maxRetries: req.maxRetries ?? null,
    runAt,
    idempotencyKey: req.idempotencyKey || null,
    timeoutMs: req.timeoutMs || null,
    // The queue deadline counts from when the task may first run.
    expiresAt: req.queueTimeoutMs ? new Date((runAt?.getTime() ?? Date.now()) + req.queueTimeoutMs) : null,
    priority,
  };
}
