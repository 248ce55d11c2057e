/**
 * The structured error stored with a FAILURE and shown to clients:
 * `type` is a short kind (the thrown error's name, or one of ours such as
 * "UnknownTaskType"), `message` says what happened.
 */
export interface TaskErrorInfo {
  type: string;
  message: string;
}

/** One failed attempt's error, as kept in a task's `errors` list. */
export interface AttemptError extends TaskErrorInfo {
  /** The attempt that failed (1 for the first). */
  attempt: number;
}

/**
 * The mark of a {@link NonRetryableError}, in the global symbol registry: a
 * taskpack may bring its own copy of this module (an npm pack with its own
 * tstasks, or TypeScript packs beside a built worker), and `instanceof`
 * only knows the class of its own copy.
 */
const NON_RETRYABLE = Symbol.for("tstasks.NonRetryableError");

/**
 * Throw this from a task's `run` when trying again cannot help (bad input,
 * a permanent refusal). The task fails at once, whatever its retry policy.
 */
export class NonRetryableError extends Error {
  readonly [NON_RETRYABLE] = true;
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NonRetryableError";
  }
}

/** True for a {@link NonRetryableError} (or subclass) from any copy of this module. */
export function isNonRetryable(thrown: unknown): boolean {
  return typeof thrown === "object" && thrown !== null && (thrown as { [NON_RETRYABLE]?: unknown })[NON_RETRYABLE] === true;
}

/** Turns anything a task threw into the stored error shape. */
export function toTaskErrorInfo(thrown: unknown): TaskErrorInfo {
  if (thrown instanceof Error) {
    return { type: thrown.name || "Error", message: thrown.message };
  }
  return { type: "Error", message: typeof thrown === "string" ? thrown : JSON.stringify(thrown) ?? String(thrown) };
}
