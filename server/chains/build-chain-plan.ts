import { DEFAULT_PRIORITY } from "../../core/task/priority.js";
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { ChainStepSpec, SubmitChainRequest } from "../../gen/tstasks/v1/chain_service_pb.js";
import { SubmitTaskRequestSchema } from "../../gen/tstasks/v1/task_service_pb.js";
import { MAX_CHAIN_STEPS, MIN_CHAIN_STEPS, type NewChain } from "../../core/store/chain-record.js";
import type { NewTask } from "../../core/store/task-record.js";
import type { JsonObject } from "../../core/task/json.js";
import { PermissionDeniedError } from "../auth/auth-errors.js";
import type { Principal } from "../auth/principal.js";
import type { TaskCatalog } from "../catalog/task-catalog.js";
import { ArgumentsInvalidError, RequestInvalidError, UnknownTaskTypeError } from "../errors/domain-errors.js";
import { buildNewTask, type SubmissionRules } from "../routes/build-new-task.js";
import { exemptArgsValidator } from "./exempt-args-validator.js";

/** Longest chain idempotency key accepted (characters), as for tasks. */
const MAX_IDEMPOTENCY_KEY = 200;

/** A checked chain: what to store, and its first step's task. */
export interface ChainPlan {
  chain: NewChain;
  first: NewTask;
}

/**
 * Checks a SubmitChain request and builds the chain to store, owned by
 * `who` (null owner: anonymous). Each step goes through the submit rules of
 * SubmitTask (buildNewTask: the type exists, a protected type needs a token
 * that allows it, max_retries, args depth and NUL, the args schema), the
 * first step's args fully; a later step's args are checked with its
 * `input_field` left out of the schema (the previous result fills it at run
 * time), and that field must be an argument of the type and not be given.
 * Errors name the step: `steps[1].args.y`, `steps[2].input_field`, and a
 * message starting `steps[i]: `. The first failing step is thrown.
 */
export async function buildChainPlan(req: SubmitChainRequest, who: Principal | undefined, rules: SubmissionRules): Promise<ChainPlan> {
  const n = req.steps.length;
  if (n < MIN_CHAIN_STEPS || n > MAX_CHAIN_STEPS) {
    throw new RequestInvalidError(`a chain has ${MIN_CHAIN_STEPS} to ${MAX_CHAIN_STEPS} steps, got ${n}`, {
      steps: `must have ${MIN_CHAIN_STEPS} to ${MAX_CHAIN_STEPS} steps`,
    });
  }
  if (req.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    throw new RequestInvalidError("Input payload validation failed", { idempotency_key: `must be at most ${MAX_IDEMPOTENCY_KEY} characters` });
  }
  const steps: NewChain["steps"] = [];
  let first: NewTask | undefined;
  for (const [i, spec] of req.steps.entries()) {
    const built = await inStep(i, () => buildStep(i, spec, who, rules));
    steps.push({
      type: built.type,
      queue: built.queue,
      args: built.args,
      inputField: i === 0 ? null : spec.inputField,
      permission: built.permission,
      maxRetries: built.maxRetries,
      timeoutMs: built.timeoutMs,
      priority: built.priority ?? DEFAULT_PRIORITY,
    });
    first ??= built;
  }
  return { chain: { id: randomUUID(), owner: who?.sub ?? null, idempotencyKey: req.idempotencyKey || null, steps }, first: first! };
}

/** Step `i` checked as one submission (with its input field exempt after the first). */
async function buildStep(i: number, spec: ChainStepSpec, who: Principal | undefined, rules: SubmissionRules) {
  const field = spec.inputField;
  const args: JsonObject = spec.args ?? {};
  if (i === 0 && field !== "") {
    throw new RequestInvalidError("the first step takes no input_field: no step comes before it", { input_field: "must not be set on the first step" });
  }
  if (i > 0 && field === "") {
    throw new RequestInvalidError("input_field is required: the argument that receives the previous step's result", {
      input_field: "is required: the argument that receives the previous step's result",
    });
  }
  if (i > 0 && Object.hasOwn(args, field)) {
    throw new ArgumentsInvalidError({ [field]: "is the input_field: the previous step's result fills it" });
  }
  let hasField = true;
  const stepRules: SubmissionRules =
    i === 0
      ? rules
      : {
          ...rules,
          catalog: {
            list: () => rules.catalog.list(),
            async get(name) {
              const entry = await rules.catalog.get(name);
              if (!entry) return entry;
              const exempt = exemptArgsValidator(entry.record.argsSchema, field);
              hasField = exempt.hasField;
              // An input field the type does not have is the error to report (below), not the args it leaves short.
              return { record: entry.record, validate: exempt.hasField ? exempt.validate : () => ({}) };
            },
          } satisfies TaskCatalog,
        };
  const built = await buildNewTask(
    create(SubmitTaskRequestSchema, { type: spec.type, args, maxRetries: spec.maxRetries, timeoutMs: spec.timeoutMs }),
    who,
    stepRules,
  );
  if (!hasField) {
    throw new RequestInvalidError(`input_field "${field}" is not an argument of ${spec.type}`, { input_field: `is not an argument of ${spec.type}` });
  }
  return { ...built, owner: who?.sub ?? null };
}

/** Runs `fn`, renaming the fields of a submit error after step `i` (`steps[i].args.y`). */
async function inStep<T>(i: number, fn: () => Promise<T>): Promise<T> {
  const at = `steps[${i}]`;
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ArgumentsInvalidError) {
      const errors = Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [k === "args" ? `${at}.args` : `${at}.args.${k}`, v]));
      throw new RequestInvalidError(`${at}: ${e.message} (${Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ")})`, errors);
    }
    if (e instanceof RequestInvalidError) {
      const errors = Object.fromEntries(Object.entries(e.errors).map(([k, v]) => [`${at}.${k}`, v]));
      throw new RequestInvalidError(`${at}: ${e.message}`, errors);
    }
    if (e instanceof UnknownTaskTypeError) throw new RequestInvalidError(`${at}: ${e.message}`, { [`${at}.type`]: "unknown task type" });
    if (e instanceof PermissionDeniedError) throw new PermissionDeniedError(`${at}: ${e.message}`);
    throw e;
  }
}
