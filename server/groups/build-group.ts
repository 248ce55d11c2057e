import { DEFAULT_PRIORITY } from "../../core/task/priority.js";
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { SubmitGroupRequest } from "../../gen/tstasks/v1/group_service_pb.js";
import { SubmitTaskRequestSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import { MAX_GROUP_MEMBERS, type GatherSpec, type NewGroup, type NewGroupMember } from "../../core/store/group-record.js";
import type { Principal } from "../auth/principal.js";
import { ArgumentsInvalidError, RequestInvalidError } from "../errors/domain-errors.js";
import { buildNewTask, type SubmissionRules } from "../routes/build-new-task.js";

/** A checked SubmitGroup: the group row and its members, ready for GroupStore.insertGroup. */
export interface BuiltGroup {
  group: NewGroup;
  members: NewGroupMember[];
}

/** Longest idempotency key accepted (characters), as for tasks. */
const MAX_IDEMPOTENCY_KEY = 200;
/** Members whose argument errors one answer lists at most (a 100,000-member mistake needs no 100,000 lines). */
const MAX_MEMBERS_REPORTED = 20;
/** Args names the group fills in for the gather task at run time. */
const GATHER_FILLED = ["results", "errors"] as const;

/**
 * Checks a SubmitGroup request for `who` and builds what to store.
 *
 * Every member goes through the one copy of the submit rules
 * (buildNewTask: type known, a protected type allowed to the token, max_retries,
 * args depth, NUL, the type's schema), so a member is accepted exactly when
 * POST /task would accept it. Errors of the type or of the token are the
 * group's (thrown as they are); a member's argument errors are named after it
 * (`members[17].x`), collected over the first members that have any.
 *
 * The gather, when given: its type must be known and allowed likewise, and
 * its args valid with placeholder `results: []` and `errors: []` (what the
 * worker adds at run time); the args may not set those two names.
 * @throws RequestInvalidError / ArgumentsInvalidError (InvalidArgument), UnknownTaskTypeError,
 *   AuthorizationRequiredError, PermissionDeniedError.
 */
export async function buildGroup(req: SubmitGroupRequest, who: Principal | undefined, rules: SubmissionRules): Promise<BuiltGroup> {
  if (req.members.length === 0 || req.members.length > MAX_GROUP_MEMBERS) {
    throw new RequestInvalidError(`a group has 1 to ${MAX_GROUP_MEMBERS} members, got ${req.members.length}`, {
      members: `must hold 1 to ${MAX_GROUP_MEMBERS} argument sets`,
    });
  }
  if (req.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    throw new RequestInvalidError("Input payload validation failed", { idempotency_key: `must be at most ${MAX_IDEMPOTENCY_KEY} characters` });
  }

  const members: NewGroupMember[] = new Array(req.members.length);
  const errors: Record<string, string> = {};
  let reported = 0;
  for (let i = 0; i < req.members.length; i++) {
    const memberReq = create(SubmitTaskRequestSchema, { type: req.type, args: req.members[i], maxRetries: req.maxRetries, timeoutMs: req.timeoutMs });
    try {
      const t = await buildNewTask(memberReq, who, rules);
      members[i] = { id: t.id, type: t.type, queue: t.queue, args: t.args, owner: t.owner, permission: t.permission, maxRetries: t.maxRetries, timeoutMs: t.timeoutMs };
    } catch (e) {
      // Only a member's own arguments are the member's fault; anything else (type, token, max_retries) is the group's.
      if (!(e instanceof ArgumentsInvalidError)) throw e;
      for (const [field, problem] of Object.entries(e.errors)) errors[`members[${i}].${field}`] = problem;
      if (++reported >= MAX_MEMBERS_REPORTED) break;
    }
  }
  if (reported > 0) {
    throw new ArgumentsInvalidError(errors);
  }

  const first = members[0]!;
  return {
    group: {
      id: randomUUID(),
      type: req.type,
      owner: who?.sub ?? null,
      idempotencyKey: req.idempotencyKey || null,
      maxRetries: first.maxRetries ?? null,
      timeoutMs: first.timeoutMs ?? null,
      gather: req.gather ? await buildGather(req.gather, who, rules) : null,
    },
    members,
  };
}

/** The gather spec, checked as a submit of its type with placeholder results and errors. */
async function buildGather(gather: NonNullable<SubmitGroupRequest["gather"]>, who: Principal | undefined, rules: SubmissionRules): Promise<GatherSpec> {
  const args = gather.args ?? {};
  for (const name of GATHER_FILLED) {
    if (name in args) throw new ArgumentsInvalidError({ [`gather.${name}`]: "is filled in by the group at run time; do not set it" });
  }
  if (gather.type === "") throw new RequestInvalidError("Input payload validation failed", { "gather.type": "is required: the task type that gathers the results" });
  let t;
  try {
    t = await buildNewTask(
      create(SubmitTaskRequestSchema, { type: gather.type, args: { ...args, results: [], errors: [] }, maxRetries: gather.maxRetries, timeoutMs: gather.timeoutMs }),
      who,
      rules,
    );
  } catch (e) {
    // Name the gather's fields as such: `gather.label`, `gather.max_retries`.
    if (e instanceof RequestInvalidError) {
      const named = Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [`gather.${k}`, v]));
      throw e instanceof ArgumentsInvalidError ? new ArgumentsInvalidError(named) : new RequestInvalidError(`gather: ${e.message}`, named);
    }
    throw e;
  }
  return { type: t.type, queue: t.queue, args, permission: t.permission, maxRetries: t.maxRetries, timeoutMs: t.timeoutMs, priority: t.priority ?? DEFAULT_PRIORITY };
}
