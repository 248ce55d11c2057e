import type { JsonObject, JsonValue } from "../task/json.js";
import type { TaskErrorInfo } from "../task/task-error.js";
import type { TaskStatus } from "../task/task-status.js";

/** Where a chain is in its life. */
export type ChainStatus = "RUNNING" | "SUCCESS" | "FAILURE" | "REVOKED";

/** True for SUCCESS, FAILURE and REVOKED: nothing runs (unless a retry starts it again). */
export function isFinalChainStatus(status: ChainStatus): boolean {
  return status !== "RUNNING";
}

/** Most and fewest steps of a chain. */
export const MIN_CHAIN_STEPS = 2;
export const MAX_CHAIN_STEPS = 100;

/**
 * What the store keeps to create one step's task when its turn comes, all
 * taken from the catalog and the request at submit (so a later catalog
 * change does not alter a submitted chain).
 */
export interface ChainStepPlan {
  type: string;
  queue: string;
  /** The step's fixed args; the previous step's result is added as `inputField`. */
  args: JsonObject;
  /** The argument receiving the previous step's result; null for the first step. */
  inputField: string | null;
  /** The permission the submitter held for a protected type (the type name); null otherwise. */
  permission: string | null;
  /** Retries of the step's task; null: the type's default. */
  maxRetries: number | null;
  /** One attempt's time limit in ms; null: the type's default. */
  timeoutMs: number | null;
  /** The step task's priority, 1 to 10: its type's, taken at submit. */
  priority: number;
}

/** A chain to store: see {@link ChainStore.insertChain}. */
export interface NewChain {
  /** A UUID. */
  id: string;
  /** `sub` of the submitting token; null: anonymous. */
  owner: string | null;
  /** With a key, a second insert with the same (owner, key) stores nothing. */
  idempotencyKey: string | null;
  /** MIN_CHAIN_STEPS to MAX_CHAIN_STEPS steps, in order. */
  steps: ChainStepPlan[];
}

/** One step of a stored chain, with its task's state. */
export interface ChainStepRecord {
  index: number;
  type: string;
  inputField: string | null;
  /** The step's task; null until it is created (when the step before it succeeded). */
  taskId: string | null;
  /** The task's status; null until it is created. */
  status: TaskStatus | null;
  /** The task's result (SUCCESS only; may be JSON null). */
  result: JsonValue | null;
  /** The task's error (FAILURE only). */
  error: TaskErrorInfo | null;
}

/** A chain as the store knows it. */
export interface ChainRecord {
  id: string;
  owner: string | null;
  status: ChainStatus;
  /** RUNNING: the step that waits or runs; FAILURE/REVOKED: the step that ended it; SUCCESS: the last. */
  currentStep: number;
  steps: ChainStepRecord[];
  /** The last step's result (SUCCESS only). */
  result: JsonValue | null;
  /** The failed step's error (FAILURE), or a "Revoked" error (REVOKED). */
  error: TaskErrorInfo | null;
  idempotencyKey: string | null;
  createdAt: Date;
  /** When it became final; null while RUNNING. */
  finishedAt: Date | null;
}

/** What {@link ChainStore.insertChain} reports. */
export interface InsertedChain {
  /** The stored chain's id: the new one, or the earlier chain's for a repeated idempotency key. */
  id: string;
  /** True when an earlier chain with the same idempotency key was found (nothing was stored). */
  existing: boolean;
}
